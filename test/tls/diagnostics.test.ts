/**
 * Port/mode mix-ups fail fast with a message that names the likely mistake, long before
 * the configured 60 s timeout; certificate failures name the host, the reason and the fix.
 * Latencies are printed as test diagnostics (they are measured, not asserted tightly).
 */

import assert from "node:assert/strict";
import net from "node:net";
import { performance } from "node:perf_hooks";
import { before, describe, it, type TestContext } from "node:test";
import {
  LMTP, SMTP, SMTP_SSL, SMTPConnectError, SMTPException, SMTPServerDisconnected, SMTPTimeoutError, type SMTPOptions,
} from "../../src/index.js";
import { getTestCerts, type TestCerts } from "../helpers/certs.js";
import { withPeer } from "./peer.js";

/** The diagnosis must beat this by far: it is what a user would otherwise wait for. */
const TIMEOUT = 60_000;
/** Generous bound that still proves "fast" (the target is 2 s; see the printed latencies). */
const FAST = 10_000;
const BASE: SMTPOptions = { localHostname: "client.test", timeout: TIMEOUT };

let certs: TestCerts;
before(async () => {
  certs = await getTestCerts();
});

/** Awaits a rejection and returns it with the time it took. */
async function timedFailure(t: TestContext, label: string, promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const start = performance.now();
  let error: unknown;
  try {
    const client = await promise;
    (client as SMTP).close();
  } catch (err) {
    error = err;
  }
  const ms = performance.now() - start;
  t.diagnostic(`${label}: ${ms.toFixed(0)} ms`);
  assert.ok(error !== undefined, `${label}: expected a failure`);
  assert.ok(ms < FAST, `${label}: took ${ms.toFixed(0)} ms`);
  return { error, ms };
}

describe("port/mode mix-ups", () => {
  it("SMTP_SSL to a host that does not resolve is SMTPConnectError, not a TLS handshake failure", async () => {
    // RFC 2606: .invalid never resolves. The error comes before TCP is up: nothing about TLS.
    await assert.rejects(SMTP_SSL.connect("no-such-host.invalid", 465, { timeout: 20_000 }), (err: unknown) => {
      assert.ok(err instanceof SMTPConnectError, String(err));
      assert.doesNotMatch((err as Error).message, /TLS/);
      return true;
    });
  });

  it("SMTP_SSL to a plain-text SMTP port: use SMTP and starttls()", async (t) => {
    await withPeer({ keyPair: certs }, async (peer) => {
      const { error } = await timedFailure(t, "SMTP_SSL -> plain-text port", SMTP_SSL.connect("127.0.0.1", peer.port, { ...BASE, tls: { ca: certs.ca } }));
      assert.ok(error instanceof SMTPException, String(error));
      assert.match(error.message, /127\.0\.0\.1:\d+/);
      assert.match(error.message, /looks like a plain-text SMTP port.*SMTP.*starttls\(\)/);
      assert.ok(error.cause instanceof Error);
    });
  });

  it("SMTP to an implicit-TLS port: use SMTP_SSL (probed on a second connection)", async (t) => {
    await withPeer({ keyPair: certs, implicit: true }, async (peer) => {
      const { error } = await timedFailure(t, "SMTP -> implicit-TLS port", SMTP.connect("127.0.0.1", peer.port, BASE));
      assert.ok(error instanceof SMTPException, String(error));
      assert.ok(!(error instanceof SMTPServerDisconnected), "not a timeout or a disconnect");
      assert.match(error.message, /127\.0\.0\.1:\d+ sent no greeting but completes a TLS handshake: this looks like an implicit-TLS port.*use SMTP_SSL/);
      assert.equal(peer.connections(), 2, "one probe connection");
      await peer.waitHandshakes(1);
      assert.equal(peer.handshakes(), 1, "the probe's handshake; the first connection spoke no TLS");
    });
  });

  it("LMTP to an implicit-TLS port is diagnosed too", async (t) => {
    await withPeer({ keyPair: certs, implicit: true }, async (peer) => {
      const { error } = await timedFailure(t, "LMTP -> implicit-TLS port", LMTP.connect("127.0.0.1", peer.port, BASE));
      assert.match(String(error), /implicit-TLS port/);
    });
  });

  it("diagnoseTLS: false turns the probe off (the greeting timeout applies)", async () => {
    await withPeer({ keyPair: certs, implicit: true }, async (peer) => {
      const off = { diagnoseTLS: false };
      await assert.rejects(SMTP.connect("127.0.0.1", peer.port, { ...BASE, timeout: 2500, ...off }), SMTPTimeoutError);
      assert.equal(peer.connections(), 1, "no probe");
    });
  });

  it("a slow plain-text greeting is still read (the probe finds no TLS and keeps out of the way)", async () => {
    await withPeer({ keyPair: certs, greetingDelay: 2500 }, async (peer) => {
      const smtp = await SMTP.connect("127.0.0.1", peer.port, BASE);
      try {
        assert.equal(peer.connections(), 2, "the probe ran");
        assert.equal((await smtp.noop()).code, 250);
      } finally {
        smtp.close();
      }
    });
  });

  it("no probe once part of the greeting has come (a postscreen-style 220- line, the rest 2.5 s later)", async () => {
    let connections = 0;
    const sockets: net.Socket[] = [];
    const server = net.createServer((s) => {
      sockets.push(s);
      s.on("error", () => undefined);
      if (++connections > 1) return void s.destroy();
      s.write("220-mx.test first line at once\r\n");
      setTimeout(() => s.write("220 mx.test ESMTP\r\n"), 2500);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const port = (server.address() as net.AddressInfo).port;
      const smtp = await SMTP.connect("127.0.0.1", port, BASE);
      smtp.close();
      assert.equal(connections, 1, "a probe connection was made although the server had spoken plain text");
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    }
  });

  it("a silent server that is not TLS either ends in the greeting timeout, not a false diagnosis", async () => {
    await withPeer({ silent: true }, async (peer) => {
      await assert.rejects(SMTP.connect("127.0.0.1", peer.port, { ...BASE, timeout: 4000 }), (err: unknown) => {
        assert.ok(err instanceof SMTPTimeoutError, String(err));
        assert.equal(err.phase, "greeting");
        return true;
      });
      assert.equal(peer.connections(), 2);
    });
  });

  it("a certificate failure names the host, the reason and the option that fixes it", async (t) => {
    await withPeer({ keyPair: certs, implicit: true }, async (peer) => {
      const { error } = await timedFailure(t, "SMTP_SSL unknown CA", SMTP_SSL.connect("localhost", peer.port, BASE));
      assert.ok(error instanceof SMTPException);
      assert.match(error.message, /localhost:\d+/);
      assert.match(error.message, /unable to verify the first certificate/);
      assert.match(error.message, /tls\.ca/);
    });
    await withPeer({ keyPair: certs.wrongHost, implicit: true }, async (peer) => {
      const { error } = await timedFailure(t, "SMTP_SSL wrong host", SMTP_SSL.connect("localhost", peer.port, { ...BASE, tls: { ca: certs.ca } }));
      assert.match(String(error), /localhost:\d+ does not match the host name.*wrong\.host\.invalid.*tls\.servername/);
    });
  });

  it("a certificate that does not carry the caller's tls.servername: the message says that name is the one to change, not 'set tls.servername to it'", async (t) => {
    await withPeer({ keyPair: certs, implicit: true }, async (peer) => {
      const tls = { ca: certs.ca, servername: "mail.example.test" };
      const { error } = await timedFailure(t, "SMTP_SSL servername mismatch", SMTP_SSL.connect("localhost", peer.port, { ...BASE, tls }));
      assert.ok(error instanceof SMTPException);
      assert.match(error.message, /does not match tls\.servername \(mail\.example\.test\): .*\. Set tls\.servername to a name the certificate carries \(or leave it out to check "localhost"\)$/);
      assert.doesNotMatch(error.message, /or set tls\.servername to it/);
    });
  });
});

describe("handshake failures that are not port or certificate mix-ups", () => {
  /** A TCP server that reads the ClientHello's first bytes and then does `onHello` to the socket. */
  async function withHelloServer(onHello: (socket: import("node:net").Socket) => void, run: (port: number) => Promise<void>): Promise<void> {
    const net = await import("node:net");
    const sockets = new Set<import("node:net").Socket>();
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => undefined);
      socket.once("data", () => onHello(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      await run((server.address() as import("node:net").AddressInfo).port);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  it("a server that hangs up during the handshake is SMTPServerDisconnected, naming the host", async (t) => {
    await withHelloServer((socket) => socket.destroy(), async (port) => {
      const { error } = await timedFailure(t, "SMTP_SSL, closed mid-handshake", SMTP_SSL.connect("127.0.0.1", port, { ...BASE, tls: { ca: certs.ca } }));
      assert.ok(error instanceof SMTPServerDisconnected, String(error));
      assert.match(error.message, /^Connection to 127\.0\.0\.1:\d+ closed during the TLS handshake: /);
      assert.ok(error.cause instanceof Error);
    });
  });

  it("any other handshake failure keeps Node's reason (OpenSSL's, without its dump) and code, naming the host", async (t) => {
    // A TLS alert record (level fatal, description 80 internal_error) instead of a ServerHello
    // (handshake_failure, without a client certificate, is diagnosed: diagnose-alerts.test.ts).
    const alert = Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x50]);
    await withHelloServer((socket) => socket.end(alert), async (port) => {
      const { error } = await timedFailure(t, "SMTP_SSL, internal_error alert", SMTP_SSL.connect("127.0.0.1", port, { ...BASE, tls: { ca: certs.ca } }));
      assert.ok(error instanceof SMTPException, String(error));
      assert.ok(!(error instanceof SMTPServerDisconnected), String(error));
      assert.match(error.message, /^TLS handshake with 127\.0\.0\.1:\d+ failed: .*internal error.* \(ERR_SSL_\w+\)$/i);
      assert.doesNotMatch(error.message, /:error:|rec_layer|\n/, "OpenSSL's reason, not its dump");
      assert.ok(error.cause instanceof Error);
    });
  });
});
