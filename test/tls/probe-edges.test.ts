/**
 * The implicit-TLS probe's edges that the end-to-end tests do not reach: a probe whose
 * signal is already aborted finds no TLS and opens no connection; a throw inside the probe
 * (injected through an option it reads) or inside the diagnosis's callbacks neither rejects
 * the probe's promise (unhandled: a crash) nor escapes as an uncaught error, and leaves no
 * connection open.
 */

import assert from "node:assert/strict";
import net from "node:net";
import { describe, it } from "node:test";
import { greetingOrTLSDiagnosis, probePort } from "../../src/transport/tls-probe.js";

describe("implicit-TLS probe, cancelled before it starts", () => {
  it("is false and connects nowhere", async () => {
    let connections = 0;
    const server = net.createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const port = (server.address() as net.AddressInfo).port;
      const cancel = new AbortController();
      cancel.abort();
      assert.equal((await probePort({ host: "127.0.0.1", port, owner: {} }, cancel.signal)) === "tls", false);
      // a connection the probe made would be accepted by now: a plain TCP round trip after it
      await new Promise<void>((resolve, reject) => {
        const s = net.connect(port, "127.0.0.1", () => s.once("close", () => resolve()));
        s.on("error", reject);
      });
      assert.equal(connections, 1, "only the check's own connection");
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe("implicit-TLS probe, a throw inside it", () => {
  it("never rejects nor crashes: an option that throws once its connection is open ends it 'unknown', that connection closed", async () => {
    const closed: Promise<void>[] = [];
    const server = net.createServer((s) => {
      s.on("error", () => undefined);
      s.resume();
      closed.push(new Promise((resolve) => s.once("close", () => resolve())));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const port = (server.address() as net.AddressInfo).port;
      // Read after the probe's connection is made: the seam for any throw while it starts.
      const target = { host: "127.0.0.1", port, owner: {}, get timeout(): number { throw new Error("injected"); } };
      assert.equal(await probePort(target), "unknown");
      // The connection it opened is closed, not left behind (the server sees it go).
      while (closed.length === 0) await new Promise((r) => setImmediate(r));
      await Promise.all(closed);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it("a throw in the diagnosis's own callbacks (onProbe) leaves the greeting awaited, no uncaught error", async () => {
    const server = net.createServer((s) => {
      s.on("error", () => undefined);
      s.resume();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const port = (server.address() as net.AddressInfo).port;
      let probed = (): void => undefined;
      const tried = new Promise<void>((resolve) => { probed = resolve; });
      let greet = (_reply: string): void => undefined;
      const greeting = new Promise<string>((resolve) => { greet = resolve; });
      const target = { host: "127.0.0.1", port, owner: {}, delay: 10, onProbe: (): void => { probed(); throw new Error("injected"); } };
      const result = greetingOrTLSDiagnosis(greeting, target);
      await tried;
      greet("220 late");
      assert.equal(await result, "220 late");
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
