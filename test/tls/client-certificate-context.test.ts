/**
 * With the caller's own `tls.secureContext`, Node ignores `tls.cert` and `tls.key`: the
 * context holds the client's certificate, if any. The hints about a client certificate the
 * server asks for or refuses (during the handshake, or by an alert after a TLS 1.3 one)
 * name that context then, not options that would change nothing.
 */

import assert from "node:assert/strict";
import net from "node:net";
import * as tls from "node:tls";
import { before, describe, it } from "node:test";
import { SMTP, SMTP_SSL, SMTPException, type SMTPOptions } from "../../src/index.js";
import { getTestCerts, type TestCerts } from "../helpers/certs.js";
import { withPeer } from "./peer.js";

const BASE: SMTPOptions = { localHostname: "client.test", timeout: 10_000 };

let certs: TestCerts;
before(async () => {
  certs = await getTestCerts();
});

/** The error names the caller's context, and neither tls.cert nor tls.key. */
function namesContext(err: unknown): boolean {
  assert.ok(err instanceof SMTPException, String(err));
  assert.match(err.message, /certificate.*\(in the tls\.secureContext given/);
  assert.doesNotMatch(err.message, /tls\.(cert|key)\b/);
  return true;
}

/** A TCP server that answers the ClientHello with a fatal unknown_ca alert. */
async function withUnknownCaAlert(run: (port: number) => Promise<void>): Promise<void> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.once("data", () => socket.end(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 48])));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    await run((server.address() as net.AddressInfo).port);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe("client-certificate hints with the caller's own tls.secureContext", () => {
  it("an unknown_ca alert during the handshake names the context", async () => {
    const secureContext = tls.createSecureContext({ ca: certs.ca, cert: certs.selfSigned.cert, key: certs.selfSigned.key });
    await withUnknownCaAlert(async (port) => {
      await assert.rejects(SMTP_SSL.connect("127.0.0.1", port, { ...BASE, tls: { secureContext } }), namesContext);
    });
  });

  it("a TLS 1.2 server's handshake_failure (it requires a certificate) names the context", async () => {
    const secureContext = tls.createSecureContext({ ca: certs.ca });
    await withPeer({ keyPair: certs, implicit: true, clientCa: certs.ca, maxVersion: "TLSv1.2" }, async (peer) => {
      await assert.rejects(SMTP_SSL.connect("localhost", peer.port, { ...BASE, tls: { secureContext } }), namesContext);
    });
  });

  it("certificate_required after a TLS 1.3 handshake names the context, over implicit TLS and after STARTTLS", async () => {
    const secureContext = tls.createSecureContext({ ca: certs.ca });
    await withPeer({ keyPair: certs, implicit: true, clientCa: certs.ca }, async (peer) => {
      await assert.rejects(SMTP_SSL.connect("localhost", peer.port, { ...BASE, tls: { secureContext } }), namesContext);
    });
    await withPeer({ keyPair: certs, clientCa: certs.ca }, async (peer) => {
      const smtp = await SMTP.connect("localhost", peer.port, { ...BASE, tls: { secureContext } });
      try {
        await smtp.starttls();
        await assert.rejects(smtp.ehlo(), namesContext);
      } finally {
        smtp.close();
      }
    });
  });
});
