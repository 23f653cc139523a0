/**
 * describeTLSAlert: the error for a connection the server ended with a TLS alert after the
 * handshake, for each shape of error it may be given (pure: no connection).
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPServerDisconnected } from "../../src/index.js";
import { describeTLSAlert } from "../../src/transport/tls-diagnostics.js";

/** An error as Node's TLS layer makes one for a received alert. */
function alertError(code: string, message: string, reason?: string): Error {
  return Object.assign(new Error(message), { code, ...(reason === undefined ? {} : { reason }) });
}

test("describeTLSAlert: no error, or one that is no TLS alert, is null (the close is described as before)", () => {
  assert.equal(describeTLSAlert(undefined, "mx.test", 465), null);
  assert.equal(describeTLSAlert(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }), "mx.test", 465), null);
  assert.equal(describeTLSAlert(new Error("no code at all"), "mx.test", 465), null);
});

test("describeTLSAlert: an alert names the host, the alert's reason and code, with the error as cause; certificate_required adds the client-certificate hint, an alert about no certificate adds none", () => {
  const required = alertError("ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED", "error:0A00045C:SSL routines::tlsv13 alert certificate required", "tlsv13 alert certificate required");
  const err = describeTLSAlert(required, "mx.test", 465);
  assert.ok(err instanceof SMTPServerDisconnected);
  assert.equal(err.cause, required);
  assert.match(err.message, /mx\.test:465 closed by the server with a TLS alert \(tlsv13 alert certificate required, ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED\): the server requires a client certificate \(tls\.cert and tls\.key\)$/);

  // another alert, without a `reason`: the message stands in for it, and no hint is given
  const other = alertError("ERR_SSL_SSLV3_ALERT_BAD_RECORD_MAC", "  sslv3 alert bad record mac  ");
  const described = describeTLSAlert(other, "mx.test", 587);
  assert.ok(described instanceof SMTPServerDisconnected);
  assert.match(described.message, /with a TLS alert \(sslv3 alert bad record mac, ERR_SSL_SSLV3_ALERT_BAD_RECORD_MAC\)$/);
});
