/**
 * The `socketFactory` option: the connection comes from the caller (a proxy, a tunnel).
 * The target host is a name nothing but the factory maps to 127.0.0.1, so no DNS lookup of
 * it can have happened; TLS is checked against that name, never the socket's peer.
 */

import assert from "node:assert/strict";
import diagnostics from "node:diagnostics_channel";
import net from "node:net";
import tls from "node:tls";
import { before, describe, it } from "node:test";
import {
  LMTP, SMTP, SMTP_SSL, SMTPConnectError, SMTPException, SMTPPool, SMTPServerDisconnected, SMTPTimeoutError,
  type SMTPOptions, type SocketFactory, type SocketTarget,
} from "../../src/index.js";
import { getTestCerts, type TestCerts } from "../helpers/certs.js";
import { greeting, LOCAL, ONE_PIPELINED_HI, PIPELINED_GROUP } from "../helpers/client.js";
import { expectedClientBytes, startScriptServer } from "../helpers/script-server.js";
import { withPeer } from "../tls/peer.js";

/** A name that only the factories here resolve (RFC 2606 `.test`). */
const TARGET = "mx.example.test";
/** A name the `wrongHost` test certificate is for (RFC 2606 `.invalid`: never resolves). */
const CERT_NAME = "wrong.host.invalid";

/** A factory that connects every target to 127.0.0.1:`port`, recording the targets. */
function toLocal(port: number): { factory: SocketFactory; targets: SocketTarget[] } {
  const targets: SocketTarget[] = [];
  return { targets, factory: (target) => { targets.push(target); return net.connect(port, "127.0.0.1"); } };
}

/** A factory that never resolves by itself: `give` resolves it later. */
function pending(): { factory: SocketFactory; target: () => SocketTarget | undefined; give: (s: net.Socket) => void } {
  let target: SocketTarget | undefined;
  let give: (s: net.Socket) => void = () => undefined;
  const factory: SocketFactory = (t) => { target = t; return new Promise<net.Socket>((resolve) => { give = resolve; }); };
  return { factory, target: () => target, give: (s) => give(s) };
}

const BASE: SMTPOptions = { localHostname: LOCAL, timeout: 5000 };
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 50));

let certs: TestCerts;
before(async () => {
  certs = await getTestCerts();
});

describe("socketFactory over plain text", () => {
  it("sendmail with pipelining, byte for byte, to a target only the factory knows; smtplib.connect fires", async () => {
    const script = ONE_PIPELINED_HI;
    const server = await startScriptServer(script);
    const { factory, targets } = toLocal(server.port);
    const events: unknown[] = [];
    const onConnect = (msg: unknown): void => { events.push(msg); };
    diagnostics.subscribe("smtplib.connect", onConnect);
    try {
      const client = await SMTP.connect(TARGET, 2525, { ...BASE, socketFactory: factory });
      assert.equal((await client.sendmail("a@x.test", "b@y.test", "hi\r\n")).size, 0);
      await client.quit();
      await server.done;
      assert.equal(server.received(), expectedClientBytes(script));
      assert.deepEqual(targets.map((t) => [t.host, t.port, t.signal.aborted]), [[TARGET, 2525, false]]);
      assert.deepEqual(events.map((e) => { const { host, port } = e as { host: string; port: number }; return [host, port]; }), [[TARGET, 2525]]);
    } finally {
      diagnostics.unsubscribe("smtplib.connect", onConnect);
      await server.close();
    }
  });

  it("SMTPPool connects through it", async () => {
    const script = `${greeting(["PIPELINING"])}${PIPELINED_GROUP}S: 250 ok\nS: 250 ok\nS: 354 go\nC: hi\nC: .\nS: 250 queued\nC: QUIT\nS: 221 bye\n`;
    const server = await startScriptServer(script);
    const { factory, targets } = toLocal(server.port);
    const pool = new SMTPPool({ host: TARGET, port: 25, maxConnections: 1, localHostname: LOCAL, socketFactory: factory });
    try {
      assert.equal((await pool.sendmail("a@x.test", "b@y.test", "hi\r\n")).size, 0);
      await pool.close();
      await server.done;
      assert.equal(server.received(), expectedClientBytes(script));
      assert.deepEqual(targets.map((t) => [t.host, t.port]), [[TARGET, 25]]);
    } finally {
      await pool.close();
      await server.close();
    }
  });

  it("PLAIN over it is refused even though its peer is loopback, unless allowInsecureAuth", async () => {
    const refused = `${greeting(["AUTH PLAIN"])}C: QUIT\nS: 221 bye\n`;
    const server = await startScriptServer(refused);
    try {
      const client = await SMTP.connect(TARGET, 25, { ...BASE, socketFactory: toLocal(server.port).factory });
      await assert.rejects(client.login("user", "secret"), (err: unknown) => {
        assert.ok(err instanceof SMTPException, String(err));
        assert.match(err.message, /allowInsecureAuth/);
        return true;
      });
      await client.quit();
      await server.done;
      assert.equal(server.received(), expectedClientBytes(refused), "no AUTH line was sent");
    } finally {
      await server.close();
    }
    const allowed = `${greeting(["AUTH PLAIN"])}C: AUTH PLAIN AHVzZXIAc2VjcmV0\nS: 235 ok\n`;
    const server2 = await startScriptServer(allowed);
    try {
      const client = await SMTP.connect(TARGET, 25, { ...BASE, allowInsecureAuth: true, socketFactory: toLocal(server2.port).factory });
      assert.equal((await client.login("user", "secret")).code, 235);
      await server2.done;
      assert.equal(server2.received(), expectedClientBytes(allowed));
      client.close();
    } finally {
      await server2.close();
    }
  });
});

describe("socketFactory failures", () => {
  it("a factory still pending at the connect timeout: SMTPTimeoutError, its signal aborted, a late socket destroyed", async () => {
    const server = await startScriptServer("S: 220 never read\n");
    const p = pending();
    try {
      await assert.rejects(SMTP.connect(TARGET, 25, { ...BASE, timeouts: { connect: 30 }, socketFactory: p.factory }), (err: unknown) => {
        assert.ok(err instanceof SMTPTimeoutError, String(err));
        assert.equal(err.phase, "connect");
        return true;
      });
      assert.equal(p.target()?.signal.aborted, true);
      const late = net.connect(server.port, "127.0.0.1");
      p.give(late);
      await new Promise((r) => setImmediate(r));
      assert.equal(late.destroyed, true);
    } finally {
      await server.close();
    }
  });

  it("an abort rejects with the signal's reason and aborts the factory's signal", async () => {
    const p = pending();
    const controller = new AbortController();
    const reason = new Error("stop");
    const connecting = SMTP.connect(TARGET, 25, { ...BASE, signal: controller.signal, socketFactory: p.factory });
    await new Promise((r) => setImmediate(r));
    assert.equal(p.target()?.host, TARGET);
    controller.abort(reason);
    await assert.rejects(connecting, (err: unknown) => err === reason);
    assert.equal(p.target()?.signal.aborted, true);
  });

  it("a factory that rejects or throws: SMTPConnectError with its error as cause", async () => {
    const boom = new Error("proxy refused");
    for (const factory of [() => Promise.reject(boom), () => { throw boom; }] as SocketFactory[]) {
      await assert.rejects(SMTP.connect(TARGET, 25, { ...BASE, socketFactory: factory }), (err: unknown) => {
        assert.ok(err instanceof SMTPConnectError, String(err));
        assert.equal(err.smtpCode, -1);
        assert.equal(err.cause, boom);
        assert.match(err.message, /proxy refused/);
        return true;
      });
    }
  });

  it("a factory that resolves to something other than a net.Socket: SMTPConnectError with a TypeError as cause", async () => {
    for (const value of [undefined, {}, "127.0.0.1:25"]) {
      const factory = (() => value) as unknown as SocketFactory;
      await assert.rejects(SMTP.connect(TARGET, 25, { ...BASE, socketFactory: factory }), (err: unknown) => {
        assert.ok(err instanceof SMTPConnectError, String(err));
        assert.equal(err.smtpCode, -1);
        assert.ok(err.cause instanceof TypeError, String(err.cause));
        assert.match(err.message, /socketFactory must resolve to a net\.Socket/);
        return true;
      });
    }
  });

  it("a socket already closed: SMTPServerDisconnected", async () => {
    const server = await startScriptServer("S: 220 hi\n");
    try {
      const factory: SocketFactory = async () => {
        const socket = net.connect(server.port, "127.0.0.1");
        await new Promise((r) => socket.once("connect", r));
        socket.destroy();
        return socket;
      };
      await assert.rejects(SMTP.connect(TARGET, 25, { ...BASE, socketFactory: factory }), SMTPServerDisconnected);
    } finally {
      await server.close();
    }
  });

  it("TypeError with sourceAddress (SMTP, SMTPPool) and for an LMTP Unix socket path; the factory is not called", async () => {
    const { factory, targets } = toLocal(1);
    assert.throws(() => new SMTP({ socketFactory: factory, sourceAddress: { host: "127.0.0.1" } }), TypeError);
    assert.throws(() => new SMTPPool({ host: TARGET, socketFactory: factory, sourceAddress: { port: 1025 } }), TypeError);
    assert.throws(() => new SMTP({ socketFactory: "nope" as unknown as SocketFactory }), TypeError);
    await assert.rejects(new LMTP({ ...BASE, socketFactory: factory }).connect("/tmp/lmtp.sock"), TypeError);
    assert.equal(targets.length, 0);
  });
});

describe("socketFactory with TLS", () => {
  it("SMTP_SSL: TLS over the socket, SNI and certificate checked against the target host", async () => {
    await withPeer({ keyPair: certs.wrongHost, implicit: true }, async (peer) => {
      const { factory, targets } = toLocal(peer.port);
      const client = await SMTP_SSL.connect(CERT_NAME, 465, { ...BASE, tls: { ca: certs.ca }, socketFactory: factory });
      try {
        assert.equal(client.encrypted, true);
        assert.equal(client.tlsInfo?.authorized, true);
        assert.deepEqual(peer.servernames, [CERT_NAME]);
        assert.deepEqual(targets.map((t) => t.host), [CERT_NAME]);
      } finally {
        client.close();
      }
    });
  });

  it("SMTP_SSL: a certificate for the proxy's address (127.0.0.1) but not the target fails", async () => {
    await withPeer({ keyPair: certs, implicit: true }, async (peer) => {
      await assert.rejects(SMTP_SSL.connect(CERT_NAME, 465, { ...BASE, tls: { ca: certs.ca }, socketFactory: toLocal(peer.port).factory }), (err: unknown) => {
        assert.ok(err instanceof SMTPException, String(err));
        assert.match(err.message, /wrong\.host\.invalid/);
        return true;
      });
      assert.equal(peer.handshakes(), 0);
    });
  });

  it("SMTP_SSL: TLS options that Node refuses are a TypeError before the factory is asked for a socket", async () => {
    await withPeer({ keyPair: certs, implicit: true }, async (peer) => {
      let socket: net.Socket | undefined;
      const factory: SocketFactory = () => (socket = net.connect(peer.port, "127.0.0.1"));
      await assert.rejects(SMTP_SSL.connect(TARGET, 465, { ...BASE, tls: { ca: certs.ca, minVersion: "x" as tls.SecureVersion }, socketFactory: factory }),
        (err: unknown) => err instanceof TypeError && /not a valid minimum TLS protocol version/.test(err.message));
      assert.equal(socket, undefined);
    });
  });

  it("STARTTLS over the socket, verified against the target host", async () => {
    await withPeer({ keyPair: certs.wrongHost }, async (peer) => {
      const client = await SMTP.connect(CERT_NAME, 25, { ...BASE, tls: { ca: certs.ca }, socketFactory: toLocal(peer.port).factory });
      try {
        await client.starttls();
        assert.equal(client.encrypted, true);
        assert.equal((await client.noop()).code, 250);
        assert.deepEqual(peer.servernames, [CERT_NAME]);
        assert.deepEqual(peer.commands.slice(0, 2), ["EHLO client.test", "STARTTLS"]);
      } finally {
        client.close();
      }
    });
  });

  it("STARTTLS leaves the factory's own listeners on its socket (its close listener still fires)", async () => {
    await withPeer({ keyPair: certs.wrongHost }, async (peer) => {
      let socket: net.Socket | undefined;
      let closes = 0;
      const onClose = (): void => { closes++; };
      const onError = (): void => undefined;
      const factory: SocketFactory = () => {
        socket = net.connect(peer.port, "127.0.0.1");
        socket.on("close", onClose);
        socket.on("error", onError);
        return socket;
      };
      const client = await SMTP.connect(CERT_NAME, 25, { ...BASE, tls: { ca: certs.ca }, socketFactory: factory });
      try {
        await client.starttls();
        assert.equal(client.encrypted, true);
        assert.ok(socket!.listeners("close").includes(onClose), "the factory's close listener was removed");
        assert.ok(socket!.listeners("error").includes(onError), "the factory's error listener was removed");
        const closed = new Promise((resolve) => socket!.once("close", resolve));
        await client.quit();
        await closed;
        assert.equal(closes, 1);
      } finally {
        client.close();
      }
    });
  });

  it("a TLS socket to a proxy does not make the link encrypted: no tlsInfo, PLAIN refused", async () => {
    await withPeer({ keyPair: certs, implicit: true }, async (peer) => {
      const factory: SocketFactory = () => tls.connect({ port: peer.port, host: "127.0.0.1", ca: certs.ca });
      const client = await SMTP.connect(TARGET, 25, { ...BASE, socketFactory: factory });
      try {
        await client.ehlo();
        assert.equal(client.encrypted, false);
        assert.equal(client.tlsInfo, null);
        await assert.rejects(client.login("user", "secret"), /allowInsecureAuth/);
        await settle();
        assert.deepEqual(peer.commands, ["[tls] EHLO client.test"]);
      } finally {
        client.close();
      }
    });
  });

  for (const [what, options] of [
    ["in the 220's segment", { starttlsReply: "220 go\r\n250 forged\r\n" }],
    ["in a separate segment", { injectAfterStarttls: "250 forged\r\n" }],
  ] as const) {
    it(`STARTTLS: bytes injected after the 220 ${what} close the connection before any handshake`, async () => {
      await withPeer({ keyPair: certs.wrongHost, ...options }, async (peer) => {
        const client = await SMTP.connect(CERT_NAME, 25, { ...BASE, tls: { ca: certs.ca }, socketFactory: toLocal(peer.port).factory });
        try {
          await assert.rejects(client.starttls(), (err: unknown) => {
            assert.ok(err instanceof SMTPException, String(err));
            assert.match(err.message, /STARTTLS|plain text|injection/i);
            return true;
          });
          assert.equal(client.encrypted, false);
          await settle();
          assert.equal(peer.handshakes(), 0);
        } finally {
          client.close();
        }
      });
    });
  }
});
