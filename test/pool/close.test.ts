/**
 * SMTPPool.close() and connections still being opened: once close() resolves, no
 * connection of the pool is open at the server, whether the one being opened was aborted
 * or had come up already (then it says QUIT, and close() waits for the 221).
 */

import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { SMTP, SMTPPool } from "../../src/index.js";
import { onLines } from "../helpers/lines.js";

const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A server on 127.0.0.1 port 0 that greets `greetingDelay` ms after accepting and answers
 * QUIT `quitDelay` ms late (then closes); every other command gets a plain success. A
 * socket counts as open until the first FIN either side sends.
 */
async function lateServer(opts: { greetingDelay: number; quitDelay: number }): Promise<{ port: number; open(): number; connections(): number; lines: string[]; close(): Promise<void> }> {
  const open = new Set<net.Socket>();
  const all = new Set<net.Socket>();
  const lines: string[] = [];
  let connections = 0;
  const server = net.createServer((sock) => {
    connections++;
    open.add(sock);
    all.add(sock);
    const timers = new Set<ReturnType<typeof setTimeout>>();
    const later = (ms: number, fn: () => void): void => {
      const t = setTimeout(() => { timers.delete(t); fn(); }, ms);
      timers.add(t);
    };
    const gone = (): void => { open.delete(sock); };
    sock.on("end", gone);
    sock.on("error", gone);
    sock.on("close", () => {
      gone();
      all.delete(sock);
      for (const t of timers) clearTimeout(t);
    });
    later(opts.greetingDelay, () => sock.write("220 late.test ESMTP\r\n"));
    let data = false;
    onLines(sock, (line) => {
      if (data) {
        if (line === ".") { data = false; sock.write("250 queued\r\n"); }
        return;
      }
      lines.push(line);
      const verb = line.split(" ")[0]!.toUpperCase();
      if (verb === "EHLO") sock.write("250-late.test\r\n250 PIPELINING\r\n");
      else if (verb === "DATA") { data = true; sock.write("354 go\r\n"); }
      else if (verb === "QUIT") later(opts.quitDelay, () => { sock.end("221 bye\r\n"); gone(); });
      else sock.write("250 ok\r\n");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    open: () => open.size,
    connections: () => connections,
    lines,
    close: () => new Promise<void>((resolve) => {
      for (const s of all) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/** Waits up to `ms` (in 1 ms steps: a loopback FIN takes far less) for no socket to be open at `server`. */
async function settledOpen(server: { open(): number }, ms = 10): Promise<number> {
  for (let k = 0; k < ms && server.open() > 0; k++) await wait(1);
  return server.open();
}

test("close() while a connection is being opened to a server that greets late: once close() resolves, the socket is closed", { timeout: 10_000 }, async () => {
  const server = await lateServer({ greetingDelay: 300, quitDelay: 0 });
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, maxConnections: 1, localHostname: "pool.test" });
  try {
    const call = pool.sendmail("a@x.test", "b@x.test", "never\r\n");
    call.catch(() => undefined);
    while (server.connections() === 0) await wait(5);
    await pool.close();
    assert.equal(await settledOpen(server), 0, "a socket of the pool is still open at the server after close() resolved");
    await assert.rejects(call, /The pool is closed/);
    assert.deepEqual(server.lines, [], "nothing was sent on the connection being opened");
  } finally {
    await pool.close();
    await server.close();
  }
});

/**
 * Wraps SMTP.connect once: `act` runs `depth` microtasks after the next connection is up
 * (no longer abortable, not yet taken by the pool); SMTP.connect is then itself again.
 */
function whenNextConnectionUp(depth: number, act: () => void): void {
  const connect = SMTP.connect;
  SMTP.connect = async function (this: typeof SMTP, ...args: Parameters<typeof SMTP.connect>) {
    const client = await connect.apply(this, args);
    SMTP.connect = connect;
    let chain = Promise.resolve();
    for (let k = 0; k < depth; k++) chain = chain.then(() => undefined);
    void chain.then(act);
    return client;
  } as typeof SMTP.connect;
}

// The second case needs close() to land in the few microtasks between a connection coming
// up (no longer abortable) and the pool taking it: SMTP.connect is wrapped so that close()
// is called `depth` microtasks after the connection is up, for each depth in turn.
test("close() called just as a connection being opened comes up: close() resolves only after that connection's QUIT is answered", { timeout: 30_000 }, async () => {
  const server = await lateServer({ greetingDelay: 20, quitDelay: 300 });
  const connect = SMTP.connect;
  try {
    for (let depth = 0; depth < 12; depth++) {
      const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, maxConnections: 1, localHostname: "pool.test" });
      let closing: Promise<void> | undefined;
      whenNextConnectionUp(depth, () => { closing = pool.close(); });
      const call = pool.sendmail("a@x.test", "b@x.test", "hi\r\n");
      call.catch(() => undefined);
      while (closing === undefined) await wait(1);
      await closing;
      assert.equal(await settledOpen(server), 0, `close() called ${depth} microtasks after the connection came up resolved with it still open`);
      await call.catch(() => undefined);
      await pool.close();
    }
  } finally {
    SMTP.connect = connect;
    await server.close();
  }
});

test("close() while the pool logs in with a token function that never returns: close() resolves, the waiting call rejects, the socket closes", { timeout: 20_000 }, async () => {
  const open = new Set<net.Socket>();
  let tokenAsked = false;
  const server = net.createServer((sock) => {
    open.add(sock);
    const gone = (): void => { open.delete(sock); };
    sock.on("end", gone);
    sock.on("close", gone);
    sock.on("error", gone);
    sock.write("220 oauth.test ESMTP\r\n");
    onLines(sock, (line) => {
      if (line.startsWith("EHLO")) sock.write("250-oauth.test\r\n250 AUTH XOAUTH2\r\n");
      else sock.write("500 unexpected\r\n");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  // An OAuth refresh that hangs (a fetch without a timeout, say): its promise never settles.
  const token = (): Promise<string> => { tokenAsked = true; return new Promise<string>(() => undefined); };
  const pool = new SMTPPool({ host: "127.0.0.1", port, maxConnections: 1, localHostname: "pool.test", auth: { user: "u", token } });
  const stalled = (what: string): Promise<never> => new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} never settled`)), 5000).unref());
  try {
    const call = pool.sendmail("a@x.test", "b@x.test", "never\r\n");
    call.catch(() => undefined);
    while (!tokenAsked) await wait(5);
    await Promise.race([pool.close(), stalled("close()")]);
    await assert.rejects(Promise.race([call, stalled("the call")]), /The pool is closed/);
    assert.equal(await settledOpen({ open: () => open.size }), 0, "the socket is still open at the server");
  } finally {
    for (const s of open) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

// The caller gives up on the connection it was opening, and close() is called in the same
// step (a shutdown path: abort what is pending, then close): the connection, already up,
// must still be QUIT and waited for. SMTP.connect is wrapped so that both happen `depth`
// microtasks after the connection is up, for each depth in turn.
test("a call aborted and close() called together just as the call's new connection comes up: close() resolves only once that connection is closed", { timeout: 30_000 }, async () => {
  const server = await lateServer({ greetingDelay: 20, quitDelay: 0 });
  const connect = SMTP.connect;
  try {
    for (let depth = 0; depth < 12; depth++) {
      const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, maxConnections: 1, localHostname: "pool.test" });
      const caller = new AbortController();
      let closing: Promise<void> | undefined;
      whenNextConnectionUp(depth, () => {
        caller.abort(new Error("the caller gave up"));
        closing = pool.close();
      });
      const call = pool.deliver("a@x.test", "b@x.test", "hi\r\n", [], [], { signal: caller.signal });
      call.catch(() => undefined);
      while (closing === undefined) await wait(1);
      await closing;
      assert.equal(await settledOpen(server, 200), 0, `abort and close() ${depth} microtasks after the connection came up: close() resolved with it still open`);
      await assert.rejects(call);
      await pool.close();
    }
  } finally {
    SMTP.connect = connect;
    await server.close();
  }
});
