/**
 * A certificate that does not match the name checked: without `tls.servername` that name is
 * the host, and setting `tls.servername` to the certificate's name fixes it; with it, the
 * name checked is `tls.servername`'s, and the advice is to change it (pure: no connection).
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPException } from "../../src/index.js";
import { describeTLSError } from "../../src/transport/tls-diagnostics.js";

const REASON = "Host: wrong.example. is not in the cert's altnames: DNS:localhost";

/** An error as Node's checkServerIdentity makes one. */
function mismatch(): Error {
  return Object.assign(new Error(`Hostname/IP does not match certificate's altnames: ${REASON}`), { code: "ERR_TLS_CERT_ALTNAME_INVALID", reason: REASON });
}

test("describeTLSError: a name mismatch without tls.servername advises connecting with the certificate's name or setting tls.servername", () => {
  const err = describeTLSError(mismatch(), "wrong.example", 465, "implicit", {});
  assert.ok(err instanceof SMTPException);
  assert.equal(err.message, `TLS certificate of wrong.example:465 does not match the host name: ${REASON}. Connect with the name the certificate carries, or set tls.servername to it`);
});

test("describeTLSError: a name mismatch with tls.servername given names it, and advises changing it, not setting it", () => {
  const err = describeTLSError(mismatch(), "127.0.0.1", 465, "implicit", { servername: "wrong.example" });
  assert.equal(err.message, `TLS certificate of 127.0.0.1:465 does not match tls.servername (wrong.example): ${REASON}. Set tls.servername to a name the certificate carries (or leave it out to check "127.0.0.1")`);
});

test("describeTLSError: a name mismatch with tls.servername over a Unix socket does not advise leaving it out (there is no host name to check then)", () => {
  const err = describeTLSError(mismatch(), "/run/lmtp.sock", 0, "starttls", { servername: "wrong.example" });
  assert.equal(err.message, `TLS certificate of /run/lmtp.sock does not match tls.servername (wrong.example): ${REASON}. Set tls.servername to a name the certificate carries`);
});

// Connected by IP address to a certificate that names no IP address, Node's reason ends in
// an empty list ("IP: 127.0.0.1 is not in the cert's list: "), and the message read
// "...is not in the cert's list: . Connect with ...".
test("describeTLSError: an IP address checked against a certificate that names none says so, not an empty list", () => {
  const reason = "IP: 127.0.0.1 is not in the cert's list: ";
  const err = describeTLSError(Object.assign(new Error(`Hostname/IP does not match certificate's altnames: ${reason}`), { code: "ERR_TLS_CERT_ALTNAME_INVALID", reason }), "127.0.0.1", 465, "implicit", {});
  assert.equal(err.message, "TLS certificate of 127.0.0.1:465 does not match the host name: IP: 127.0.0.1 is not in the cert's list (it names no IP address). Connect with the name the certificate carries, or set tls.servername to it");
  // a list that is not empty is left as Node wrote it
  const listed = "IP: 127.0.0.1 is not in the cert's list: 10.0.0.1";
  const other = describeTLSError(Object.assign(new Error(listed), { code: "ERR_TLS_CERT_ALTNAME_INVALID", reason: listed }), "127.0.0.1", 465, "implicit", {});
  assert.match(other.message, /list: 10\.0\.0\.1\. Connect with/);
});
