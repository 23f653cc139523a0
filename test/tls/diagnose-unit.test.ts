/**
 * What describeTLSError says in the cases no handshake test reaches: a TLS 1.2 server's
 * handshake_failure when this client DID give a certificate (tls.cert or tls.pfx) does not
 * say "it may require a client certificate (tls.cert and tls.key)", which would send the
 * user to add what they already gave; a name mismatch with `servername: ""` (the host is
 * what was checked, see tlsOptionsFor) advises about the host name, not "tls.servername ()";
 * a connection broken during the handshake (EPIPE) is SMTPServerDisconnected.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SMTPException, SMTPServerDisconnected } from "../../src/index.js";
import { describeTLSError } from "../../src/transport/tls-diagnostics.js";

/** Node's error for a handshake_failure alert from the server. */
function handshakeFailure(): Error {
  return Object.assign(new Error("error:0A000410:SSL routines::sslv3 alert handshake failure"), {
    code: "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE",
    reason: "sslv3 alert handshake failure",
  });
}

describe("handshake_failure with a client certificate given", () => {
  for (const [name, options] of [
    ["tls.cert", { cert: "-----BEGIN CERTIFICATE-----" }],
    ["tls.pfx", { pfx: Buffer.from("pfx") }],
  ] as const) {
    it(`${name} given: no advice to give a client certificate, OpenSSL's reason and code`, () => {
      const err = describeTLSError(handshakeFailure(), "mx.test", 465, "implicit", options);
      assert.ok(err instanceof SMTPException);
      assert.equal(err.message, "TLS handshake with mx.test:465 failed: sslv3 alert handshake failure (ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE)");
    });
  }

  it("neither given: the advice names tls.cert and tls.key", () => {
    const err = describeTLSError(handshakeFailure(), "mx.test", 465, "implicit", { cert: null, pfx: null } as never);
    assert.match(err.message, /it may require a client certificate \(tls\.cert and tls\.key\), or share no cipher suite with it \(tls\.ciphers\)/);
  });
});

describe("a certificate for another name", () => {
  const mismatch = Object.assign(new Error("Hostname/IP does not match certificate's altnames: Host: mx.test. is not in the cert's altnames: DNS:other.test"), {
    code: "ERR_TLS_CERT_ALTNAME_INVALID",
  });

  it("servername \"\" (not given: the host was checked) advises about the host name", () => {
    const err = describeTLSError(mismatch, "mx.test", 465, "implicit", { servername: "" });
    assert.match(err.message, /^TLS certificate of mx\.test:465 does not match the host name: Hostname\/IP does not match .*set tls\.servername to it$/);
  });
});

describe("a connection broken during the handshake", () => {
  it("EPIPE is SMTPServerDisconnected, closed during the TLS handshake", () => {
    const epipe = Object.assign(new Error("write EPIPE"), { code: "EPIPE" });
    const err = describeTLSError(epipe, "mx.test", 25, "starttls");
    assert.ok(err instanceof SMTPServerDisconnected, String(err));
    assert.equal(err.message, "Connection to mx.test:25 closed during the TLS handshake: write EPIPE");
  });
});

describe("a certificate whose subject alternative names Node cannot read", () => {
  it("says the server must replace it, not to pass the issuing CA (no CA would fix it)", () => {
    const cause = Object.assign(new Error("Invalid subject alternative name string"), { code: "ERR_TLS_CERT_ALTNAME_FORMAT" });
    const err = describeTLSError(cause, "mx.test", 465, "implicit", {});
    assert.equal(
      err.message,
      "TLS certificate of mx.test:465 has subject alternative names that cannot be read: Invalid subject alternative name string (ERR_TLS_CERT_ALTNAME_FORMAT). The server must replace it, or (insecure) set tls.rejectUnauthorized: false",
    );
    assert.doesNotMatch(err.message, /tls\.ca/);
  });
});
