/**
 * A server that ends the TLS handshake with an alert about this client's certificate (the
 * only certificate a server checks: unknown_ca, bad_certificate, certificate_expired, ...,
 * or handshake_failure when TLS 1.2 requires one and none was given) gets a message that
 * says so and names tls.cert/tls.key, not Node's bare "tlsv1 alert unknown ca", which reads
 * as if the server's CA were unknown here (and sends the user to tls.ca). Over TLS 1.3 the
 * same alerts come after the handshake (describeTLSAlert). And the server's own expired
 * certificate, a real one, is named as such (a CA would not fix it).
 */

import assert from "node:assert/strict";
import net from "node:net";
import { before, describe, it } from "node:test";
import { SMTP, SMTP_SSL, SMTPException, SMTPServerDisconnected, type SMTPOptions } from "../../src/index.js";
import { describeTLSAlert } from "../../src/transport/tls-diagnostics.js";
import { getTestCerts, type TestCerts } from "../helpers/certs.js";
import { withPeer } from "./peer.js";

const BASE: SMTPOptions = { localHostname: "client.test", timeout: 10_000 };

let certs: TestCerts;
before(async () => {
  certs = await getTestCerts();
});

/** A TCP server that answers the ClientHello's first bytes with a fatal TLS alert of `description`. */
async function withAlertServer(description: number, run: (port: number) => Promise<void>): Promise<void> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.once("data", () => socket.end(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, description])));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    await run((server.address() as net.AddressInfo).port);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe("alerts about this client's certificate, during the handshake", () => {
  for (const [description, name, says] of [
    [48, "unknown_ca", /the server does not trust the issuer of this client's certificate.*tls\.cert/],
    [42, "bad_certificate", /the server refused this client's certificate.*tls\.cert/],
    [46, "certificate_unknown", /the server refused this client's certificate.*tls\.cert/],
    [45, "certificate_expired", /the server says this client's certificate has expired.*tls\.cert/],
  ] as const) {
    it(`${name} (${description}) says the server refused this client's certificate, not to pass tls.ca`, async () => {
      await withAlertServer(description, async (port) => {
        await assert.rejects(SMTP_SSL.connect("127.0.0.1", port, { ...BASE, tls: { ca: certs.ca, key: certs.selfSigned.key, cert: certs.selfSigned.cert } }), (err: unknown) => {
          assert.ok(err instanceof SMTPException && !(err instanceof SMTPServerDisconnected), String(err));
          assert.match(err.message, /^TLS handshake with 127\.0\.0\.1:\d+ failed: /);
          assert.match(err.message, says);
          assert.match(err.message, /\(\w[\w ]*, ERR_SSL_\w+\)/, "OpenSSL's reason and the code");
          assert.doesNotMatch(err.message, /tls\.ca\b/);
          return true;
        });
      });
    });
  }

  it("handshake_failure from a TLS 1.2 server that requires a client certificate, none given: names tls.cert and tls.key (SMTP_SSL and STARTTLS)", async () => {
    const says = (err: unknown): boolean => {
      assert.ok(err instanceof SMTPException, String(err));
      assert.match(err.message, /client certificate \(tls\.cert and tls\.key\)/);
      assert.match(err.message, /ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE/);
      return true;
    };
    await withPeer({ keyPair: certs, implicit: true, clientCa: certs.ca, maxVersion: "TLSv1.2" }, async (peer) => {
      await assert.rejects(SMTP_SSL.connect("localhost", peer.port, { ...BASE, tls: { ca: certs.ca } }), says);
    });
    await withPeer({ keyPair: certs, clientCa: certs.ca, maxVersion: "TLSv1.2" }, async (peer) => {
      const smtp = await SMTP.connect("localhost", peer.port, { ...BASE, tls: { ca: certs.ca } });
      try {
        await assert.rejects(smtp.starttls(), says);
      } finally {
        smtp.close();
      }
    });
  });
});

describe("alerts about this client's certificate, after a TLS 1.3 handshake", () => {
  it("unknown_ca names the client certificate too", () => {
    const alert = Object.assign(new Error("error:0A000418:SSL routines::tlsv1 alert unknown ca"), { code: "ERR_SSL_TLSV1_ALERT_UNKNOWN_CA", reason: "tlsv1 alert unknown ca" });
    const err = describeTLSAlert(alert, "mx.test", 465);
    assert.ok(err instanceof SMTPServerDisconnected);
    assert.match(err.message, /\(tlsv1 alert unknown ca, ERR_SSL_TLSV1_ALERT_UNKNOWN_CA\): the server does not trust the issuer of this client's certificate/);
  });
});

describe("an expired server certificate (a real one, signed by the trusted CA)", () => {
  const expired = (err: unknown): boolean => {
    assert.ok(err instanceof SMTPException, String(err));
    assert.match(err.message, /^TLS certificate of localhost:\d+ has expired: .*\(CERT_HAS_EXPIRED\)\. The server must renew it .*rejectUnauthorized: false$/);
    assert.doesNotMatch(err.message, /tls\.ca\b/, "a CA would not help");
    return true;
  };

  it("SMTP_SSL and STARTTLS say it has expired and what fixes it", async () => {
    await withPeer({ keyPair: certs.expired, implicit: true }, async (peer) => {
      await assert.rejects(SMTP_SSL.connect("localhost", peer.port, { ...BASE, tls: { ca: certs.ca } }), expired);
    });
    await withPeer({ keyPair: certs.expired }, async (peer) => {
      const smtp = await SMTP.connect("localhost", peer.port, { ...BASE, tls: { ca: certs.ca } });
      try {
        await assert.rejects(smtp.starttls(), expired);
      } finally {
        smtp.close();
      }
    });
  });
});
