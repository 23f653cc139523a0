/**
 * A server that requires a client certificate: under TLS 1.3 it completes the handshake
 * and only then refuses with a `certificate_required` alert. The error must say so, over
 * implicit TLS and after STARTTLS, rather than "closed before its greeting" or "closed".
 */

import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { SMTP, SMTP_SSL, SMTPServerDisconnected, type SMTPOptions } from "../../src/index.js";
import { getTestCerts, type TestCerts } from "../helpers/certs.js";
import { withPeer } from "./peer.js";

const BASE: SMTPOptions = { localHostname: "client.test", timeout: 10_000 };

let certs: TestCerts;
before(async () => {
  certs = await getTestCerts();
});

/** The diagnosis: the TLS alert, its code, and the options that give a client certificate. */
function isClientCertRequired(err: unknown): boolean {
  assert.ok(err instanceof SMTPServerDisconnected, `expected SMTPServerDisconnected, got ${String(err)}`);
  assert.match(err.message, /localhost:\d+ closed by the server with a TLS alert \(tlsv13 alert certificate required, ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED\): the server requires a client certificate \(tls\.cert and tls\.key\)/);
  // Node's error at the end of the chain of causes (the greeting's error wraps the close's).
  let cause: unknown = err.cause;
  while (cause instanceof SMTPServerDisconnected) cause = cause.cause;
  assert.equal((cause as { code?: string } | undefined)?.code, "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED");
  return true;
}

describe("a server that requires a client certificate (TLS 1.3)", () => {
  it("SMTP_SSL: the certificate_required alert is named, not 'closed the connection before its greeting' alone", async () => {
    await withPeer({ keyPair: certs, implicit: true, clientCa: certs.ca }, async (peer) => {
      await assert.rejects(SMTP_SSL.connect("localhost", peer.port, { ...BASE, tls: { ca: certs.ca } }), isClientCertRequired);
    });
  });

  it("starttls(): the next command fails naming the alert, not 'Connection unexpectedly closed'", async () => {
    await withPeer({ keyPair: certs, clientCa: certs.ca }, async (peer) => {
      const smtp = await SMTP.connect("localhost", peer.port, { ...BASE, tls: { ca: certs.ca } });
      try {
        await smtp.starttls();
        await assert.rejects(smtp.ehlo(), isClientCertRequired);
      } finally {
        smtp.close();
      }
    });
  });
});
