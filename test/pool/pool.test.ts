import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPServer } from "smtp-server";
import net from "node:net";
import {
  SMTP, SMTPAuthenticationError, SMTPConnectError, SMTPPool, SMTPRecipientsRefused, SMTPException, SMTPResponseException, SMTPSenderRefused,
  SMTPServerDisconnected, SMTPTimeoutError,
} from "../../src/index.js";
import { RateLimiter } from "../../src/pool/rate-limit.js";
import { greeting, LOCAL } from "../helpers/client.js";
import { traced } from "../helpers/flow-trace.js";
import { onLines } from "../helpers/lines.js";
import { lineServer } from "../helpers/line-server.js";
import { startScriptServer } from "../helpers/script-server.js";

async function sink(): Promise<{ port: number; messages: string[]; connections: () => number; close(): Promise<void> }> {
  const messages: string[] = [];
  let connections = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onConnect(_session, cb) { connections++; cb(); },
    onRcptTo(address, _session, cb) {
      if (address.address.startsWith("nobody")) cb(Object.assign(new Error("no such user"), { responseCode: 550 }));
      else cb();
    },
    onData(stream, _session, cb) {
      const parts: Buffer[] = [];
      stream.on("data", (d: Buffer) => parts.push(d));
      stream.on("end", () => { messages.push(Buffer.concat(parts).toString()); cb(); });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as { port: number }).port;
  return { port, messages, connections: () => connections, close: () => new Promise((r) => server.close(() => r())) };
}

test("the pool spreads messages over at most maxConnections and delivers every one once", async () => {
  const s = await sink();
  const pool = new SMTPPool({ host: "127.0.0.1", port: s.port, maxConnections: 3, localHostname: "pool.test" });
  try {
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) =>
      pool.sendmail("a@x.test", "b@x.test", `Subject: ${i}\r\n\r\nbody ${i}\r\n`)));
    assert.equal(results.length, 40);
    assert.equal(s.messages.length, 40);
    assert.deepEqual(new Set(s.messages.map((m) => /Subject: (\d+)/.exec(m)![1])).size, 40);
    assert.ok(s.connections() <= 3 && s.connections() >= 1, `connections: ${s.connections()}`);
    assert.ok(pool.size <= 3);
  } finally {
    await pool.close();
    await s.close();
  }
});

test("errors reach the caller; the pool keeps working; a closed pool refuses", async () => {
  const s = await sink();
  const pool = new SMTPPool({ host: "127.0.0.1", port: s.port, maxConnections: 2, localHostname: "pool.test" });
  await assert.rejects(pool.sendmail("a@x.test", "nobody@x.test", "x"), SMTPRecipientsRefused);
  assert.equal((await pool.sendmail("a@x.test", ["b@x.test", "nobody@x.test"], "x")).size, 1);
  await pool.close();
  await assert.rejects(pool.sendmail("a@x.test", "b@x.test", "x"), SMTPException);
  await s.close();
});

test("maxMessagesPerConnection retires connections", async () => {
  const s = await sink();
  const pool = new SMTPPool({ host: "127.0.0.1", port: s.port, maxConnections: 1, maxMessagesPerConnection: 2, localHostname: "pool.test" });
  try {
    for (let i = 0; i < 5; i++) await pool.sendmail("a@x.test", "b@x.test", "x");
    assert.equal(s.messages.length, 5);
    assert.equal(s.connections(), 3);
  } finally {
    await pool.close();
    await s.close();
  }
});

test("rate limit: at most `messages` calls pass in any `interval` ms, in the order they came", async () => {
  const limiter = new RateLimiter({ messages: 3, interval: 300 });
  const passed: { i: number; t: number }[] = [];
  await Promise.all(Array.from({ length: 9 }, (_, i) => limiter.take().then(() => passed.push({ i, t: performance.now() }))));
  assert.deepEqual(passed.map((p) => p.i), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  // A token bucket that starts full lets 2n - 1 through in its first interval; a window does not.
  // (The slack covers the microtask between a pass and its caller running, never a timer.)
  for (let k = 0; k + 3 < passed.length; k++) {
    assert.ok(passed[k + 3]!.t - passed[k]!.t >= 280, `calls ${k} and ${k + 3} passed ${(passed[k + 3]!.t - passed[k]!.t).toFixed(1)} ms apart`);
  }
  for (const bad of [0, 1.5, -1, 2_000_000, Number.NaN]) {
    assert.throws(() => new RateLimiter({ messages: bad, interval: 1000 }), RangeError, String(bad));
  }
  assert.throws(() => new SMTPPool({ host: "x", maxConnections: 0 }), RangeError);
});

test("rate limit: a waiting call that is aborted leaves at once, even behind others; close() rejects every waiting call", async () => {
  const limiter = new RateLimiter({ messages: 1, interval: 60_000 });
  await limiter.take();
  const ahead = limiter.take();
  const aborted = new AbortController();
  const behind = limiter.take(aborted.signal);
  const started = performance.now();
  aborted.abort(new Error("gave up"));
  await assert.rejects(behind, /gave up/);
  assert.ok(performance.now() - started < 1000, "not at its turn, a minute later");
  limiter.close(new Error("closed"));
  await assert.rejects(ahead, /closed/);
  await assert.rejects(limiter.take(), /closed/);
});

test("a connection the pool cannot log in on is closed and its error reaches the caller", async () => {
  const s = await sink();
  const pool = new SMTPPool({ host: "127.0.0.1", port: s.port, localHostname: "pool.test", auth: { user: "u", password: "p" } });
  try {
    // the sink offers AUTH but accepts nobody (smtp-server without onAuth refuses)
    await assert.rejects(pool.sendmail("a@x.test", "b@x.test", "x"), (err: unknown) => err instanceof SMTPAuthenticationError && err.smtpCode === 535);
    assert.equal(pool.size, 0);
    assert.equal(s.messages.length, 0);
  } finally {
    await pool.close();
    await s.close();
  }
  assert.throws(() => new SMTPPool({ host: "x", idleTimeout: -1 }), RangeError);
  assert.throws(() => new SMTPPool({ host: "x", idleTimeout: 2 ** 31 }), RangeError);
  assert.throws(() => new SMTPPool({ host: "x", rateLimit: { messages: 10, interval: 2 ** 40 } }), RangeError);
});

test("calls queued while the pool connects share the new connection up to maxInFlight, pipelined behind each other", async () => {
  // One connection, three calls made at once: the second and third must not wait for the
  // first to finish (they queued while it connected): the second's MAIL, RCPT and DATA go
  // with the first message's data, the third's with the second's.
  const group = "C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@x.test>\nC: DATA\n";
  const script = `${greeting(["PIPELINING"])}
${group}S: 250 ok
S: 250 ok
S: 354 go
C: m1
C: .
${group}S: 250 one
S: 250 ok
S: 250 ok
S: 354 go
C: m2
C: .
${group}S: 250 two
S: 250 ok
S: 250 ok
S: 354 go
C: m3
C: .
S: 250 three
C: QUIT
S: 221 bye
`;
  const server = await startScriptServer(script);
  const t = traced();
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, maxConnections: 1, maxInFlight: 3, localHostname: LOCAL, ...t.options });
  try {
    const sends = Promise.all([1, 2, 3].map((n) => pool.deliver("a@x.test", "b@x.test", `m${n}\r\n`)));
    // A pool that waited for the first call to end would stall against this script.
    const stalled = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("stalled: the calls were not pipelined")), 5000).unref());
    const replies = await Promise.race([sends, stalled]);
    assert.deepEqual(replies.map((d) => d.reply.message), ["one", "two", "three"]);
    await pool.close();
    await server.done;
  } finally {
    await server.close(); // on failure this ends the connection, so nothing is left hanging
    await pool.close();
  }
  assert.equal(t.flow(), "S 220 | C EHLO | S 250 | C MAIL RCPT DATA | S 250 250 354 | C . MAIL RCPT DATA | S 250 250 250 354 | C . MAIL RCPT DATA | S 250 250 250 354 | C . | S 250 | C QUIT | S 221");
});

test("a connection that cannot be opened fails every call waiting for it; none is left hanging", async () => {
  const closed = net.createServer();
  await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
  const port = (closed.address() as net.AddressInfo).port;
  await new Promise((r) => closed.close(r));
  const pool = new SMTPPool({ host: "127.0.0.1", port, maxConnections: 1, localHostname: "pool.test", timeout: 2000 });
  try {
    const results = await Promise.allSettled([1, 2, 3].map((n) => pool.sendmail("a@x.test", "b@x.test", `m${n}\r\n`)));
    assert.deepEqual(results.map((r) => r.status), ["rejected", "rejected", "rejected"]);
    for (const r of results) assert.ok(r.status === "rejected" && r.reason instanceof SMTPConnectError, String(r.status === "rejected" && r.reason));
  } finally {
    await pool.close();
  }
});

test("a connection the server closed with 421 leaves the pool; the next message goes over a new one", async () => {
  let connections = 0;
  let messages = 0;
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ["STARTTLS"], logger: false,
    onConnect(_session, cb) { connections++; cb(); },
    onData(stream, _session, cb) {
      stream.resume();
      stream.on("end", () => {
        messages++;
        cb(messages === 1 ? Object.assign(new Error("shutting down"), { responseCode: 421 }) : null);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as net.AddressInfo).port;
  const pool = new SMTPPool({ host: "127.0.0.1", port, maxConnections: 1, localHostname: "pool.test" });
  try {
    await assert.rejects(pool.sendmail("a@x.test", "b@x.test", "first\r\n"), (err: unknown) =>
      err instanceof SMTPResponseException && err.smtpCode === 421);
    assert.equal(pool.size, 0, "the closed connection left the pool");
    assert.equal((await pool.sendmail("a@x.test", "b@x.test", "second\r\n")).size, 0);
    assert.equal(connections, 2);
  } finally {
    await pool.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test("deliver({ signal }) through the pool: a call still waiting for a turn (a free connection, or the rate limit) is cancelled at once", async () => {
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ["STARTTLS"], logger: false,
    onData(stream, _session, cb) {
      stream.resume();
      stream.on("end", () => setTimeout(() => cb(), 1000)); // the first message holds the only connection
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as net.AddressInfo).port;
  const pool = new SMTPPool({ host: "127.0.0.1", port, maxConnections: 1, maxInFlight: 1, localHostname: "pool.test" });
  const limited = new SMTPPool({ host: "127.0.0.1", port, rateLimit: { messages: 1, interval: 60_000 }, localHostname: "pool.test" });
  try {
    const first = pool.deliver("a@x.test", "b@x.test", "first\r\n");
    let started = performance.now();
    await assert.rejects(pool.deliver("a@x.test", "b@x.test", "second\r\n", [], [], { signal: AbortSignal.timeout(100) }), { name: "TimeoutError" });
    assert.ok(performance.now() - started < 800, "cancelled while waiting for the connection, not after it was free");
    await first;
    await limited.deliver("a@x.test", "b@x.test", "uses the only token\r\n");
    started = performance.now();
    await assert.rejects(limited.deliver("a@x.test", "b@x.test", "over the limit\r\n", [], [], { signal: AbortSignal.timeout(100) }), { name: "TimeoutError" });
    assert.ok(performance.now() - started < 5000, "cancelled during the rate-limit wait");
  } finally {
    await pool.close();
    await limited.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

/** A server that greets `delay` ms after accepting (or never), then answers every command, recording each line. */
async function slowGreeter(delay: number): Promise<{ port: number; lines: string[]; connections(): number; open(): number; close(): Promise<void> }> {
  const lines: string[] = [];
  const server = await lineServer((sock, line) => {
    if (lines.at(-1) === "DATA" && line !== ".") return;
    lines.push(line);
    const verb = line.split(" ")[0]!.toUpperCase();
    if (verb === "EHLO") sock.write("250-slow.test\r\n250 PIPELINING\r\n");
    else if (verb === "DATA") sock.write("354 go\r\n");
    else if (verb === "QUIT") sock.end("221 bye\r\n");
    else sock.write("250 ok\r\n");
  }, delay);
  return { port: server.port, lines, connections: server.connections, open: () => server.sockets.size, close: server.close };
}

test("close() while a call waits for the rate limit or for a connection being opened: it rejects, and nothing is sent", async () => {
  const server = await slowGreeter(400);
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, maxConnections: 1, rateLimit: { messages: 1, interval: 60_000 }, localHostname: "pool.test" });
  try {
    const connecting = pool.sendmail("a@x.test", "b@x.test", "first\r\n");
    const limited = pool.sendmail("a@x.test", "b@x.test", "second\r\n");
    await new Promise((r) => setTimeout(r, 50));
    const started = performance.now();
    await pool.close();
    await assert.rejects(limited, /The pool is closed/);
    assert.ok(performance.now() - started < 10_000, "the rate-limited call did not wait for its turn");
    await assert.rejects(connecting, /The pool is closed/);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(pool.size, 0);
    assert.deepEqual(server.lines.filter((l) => /^(MAIL|RCPT|DATA)/.test(l)), [], "no transaction after close()");
  } finally {
    await pool.close();
    await server.close();
  }
});

test("a call aborted while its connection is being opened rejects at once; the connection then serves the next call", async () => {
  const server = await slowGreeter(500);
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, maxConnections: 1, localHostname: "pool.test" });
  try {
    const started = performance.now();
    await assert.rejects(pool.deliver("a@x.test", "b@x.test", "never\r\n", [], [], { signal: AbortSignal.timeout(50) }), { name: "TimeoutError" });
    assert.ok(performance.now() - started < 450, "rejected before the greeting came");
    const refused = await pool.sendmail("a@x.test", "b@x.test", "next\r\n");
    assert.equal(refused.size, 0);
    assert.equal(server.lines.filter((l) => l === "EHLO pool.test").length, 1, "one connection, opened for the first call, used by the second");
    assert.deepEqual(server.lines.filter((l) => l.startsWith("MAIL")), ["MAIL FROM:<a@x.test>"]);
  } finally {
    await pool.close();
    await server.close();
  }
});

/**
 * A lock-step server (no PIPELINING: calls wait their turn) that records each session's
 * lines; a session for which `shutsDown(index)` is true takes one message, then answers
 * its end of data with 421 and closes (RFC 5321 §3.8).
 */
async function lockStepServer(shutsDown: (session: number) => boolean): Promise<{ port: number; sessions: string[][]; close(): Promise<void> }> {
  const sessions: string[][] = [];
  const server = net.createServer((sock) => {
    const lines: string[] = [];
    const closing = shutsDown(sessions.length);
    sessions.push(lines);
    sock.on("error", () => undefined);
    sock.write("220 lockstep.test ESMTP\r\n");
    let inData = false;
    onLines(sock, (line) => {
      if (inData) {
        if (line !== ".") return;
        inData = false;
        lines.push(".");
        if (closing) sock.end("421 4.3.2 shutting down\r\n");
        else sock.write("250 queued\r\n");
        return;
      }
      lines.push(line);
      const verb = line.split(" ")[0]!.toUpperCase();
      if (verb === "EHLO") sock.write("250 lockstep.test\r\n");
      else if (verb === "DATA") { inData = true; sock.write("354 go\r\n"); }
      else if (verb === "QUIT") sock.end("221 bye\r\n");
      else sock.write("250 ok\r\n");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    sessions,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** The MAIL commands of each session. */
const mailsBySession = (sessions: string[][]): string[][] => sessions.map((lines) => lines.filter((l) => l.startsWith("MAIL")));

test("calls queued on a connection that a 421 closed before their turn run on a new one, each sent once", async () => {
  const server = await lockStepServer((session) => session === 0);
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, maxConnections: 1, maxInFlight: 3, localHostname: "pool.test" });
  try {
    const results = await Promise.allSettled(["m1", "m2", "m3"].map((m) => pool.sendmail(`${m}@x.test`, "b@x.test", `${m}\r\n`)));
    assert.equal(results[0]!.status, "rejected", "the message the server shut down on fails: it may or may not have been taken");
    assert.deepEqual(results.slice(1).map((r) => r.status), ["fulfilled", "fulfilled"]);
    assert.deepEqual(mailsBySession(server.sessions), [["MAIL FROM:<m1@x.test>"], ["MAIL FROM:<m2@x.test>", "MAIL FROM:<m3@x.test>"]], "each message sent once");
  } finally {
    await pool.close();
    await server.close();
  }
});

/**
 * A PIPELINING server that records each session's lines; its first session answers the
 * first MAIL with 354 and then reads everything as message data, answering nothing more.
 */
async function mail354Server(): Promise<{ port: number; sessions: string[][]; close(): Promise<void> }> {
  const sessions: string[][] = [];
  const server = net.createServer((sock) => {
    const lines: string[] = [];
    const hostile = sessions.length === 0;
    sessions.push(lines);
    sock.on("error", () => undefined);
    sock.write("220 pipe.test ESMTP\r\n");
    let inData = false;
    let swallowing = false;
    onLines(sock, (line) => {
      lines.push(line);
      if (swallowing) return;
      if (inData) {
        if (line === ".") { inData = false; sock.write("250 queued\r\n"); }
        return;
      }
      const verb = line.split(" ")[0]!.toUpperCase();
      if (verb === "EHLO") sock.write("250-pipe.test\r\n250 PIPELINING\r\n");
      else if (verb === "MAIL" && hostile) { swallowing = true; sock.write("354 go ahead\r\n"); }
      else if (verb === "DATA") { inData = true; sock.write("354 go\r\n"); }
      else if (verb === "QUIT") sock.end("221 bye\r\n");
      else sock.write("250 ok\r\n");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    sessions,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

test("354 to a pipelined MAIL: that call fails at once (SMTPSenderRefused, not a timeout); the calls queued behind it run on a new connection, each sent once", async () => {
  const server = await mail354Server();
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, maxConnections: 1, maxInFlight: 3, localHostname: "pool.test", timeout: 5000 });
  try {
    const results = await Promise.allSettled(["m1", "m2", "m3"].map((m) => pool.sendmail(`${m}@x.test`, "b@x.test", `${m}\r\n`)));
    const first = results[0]!;
    assert.ok(first.status === "rejected" && first.reason instanceof SMTPSenderRefused && first.reason.smtpCode === 354, String((first as PromiseRejectedResult).reason));
    assert.ok(first.reason.cause instanceof SMTPServerDisconnected && !(first.reason.cause instanceof SMTPTimeoutError), String(first.reason.cause));
    assert.deepEqual(results.slice(1).map((r) => r.status), ["fulfilled", "fulfilled"]);
    assert.deepEqual(mailsBySession(server.sessions), [["MAIL FROM:<m1@x.test>"], ["MAIL FROM:<m2@x.test>", "MAIL FROM:<m3@x.test>"]], "each message sent once");
    assert.deepEqual(server.sessions[0], ["EHLO pool.test", "MAIL FROM:<m1@x.test>", "RCPT TO:<b@x.test>", "DATA"], "nothing after the 354: no body, no RSET");
  } finally {
    await pool.close();
    await server.close();
  }
});

test("a call whose connections all close before its turn gives up with an error that says so, having sent nothing", async () => {
  const server = await lockStepServer(() => true);
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, maxConnections: 1, maxInFlight: 4, localHostname: "pool.test" });
  try {
    const results = await Promise.allSettled(["m1", "m2", "m3", "m4"].map((m) => pool.sendmail(`${m}@x.test`, "b@x.test", `${m}\r\n`)));
    const reasons = results.map((r) => (r.status === "rejected" ? String(r.reason) : "fulfilled"));
    for (const reason of reasons) {
      assert.match(reason, /421 4\.3\.2 shutting down|closed each connection before this call's turn \(\d connections tried\); nothing of it was sent/);
    }
    assert.ok(reasons.some((r) => /before this call's turn/.test(r)), reasons.join("\n"));
    const sent = mailsBySession(server.sessions).flat();
    assert.equal(new Set(sent).size, sent.length, `no message sent twice: ${sent.join(", ")}`);
  } finally {
    await pool.close();
    await server.close();
  }
});

test("close() while a connection is being opened to a server that never greets: the waiting call rejects at once, the socket closes", async () => {
  const server = await slowGreeter(Number.POSITIVE_INFINITY);
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, maxConnections: 1, localHostname: "pool.test", timeout: 60_000 });
  try {
    const call = pool.sendmail("a@x.test", "b@x.test", "never\r\n");
    call.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(server.open(), 1, "connected, waiting for the greeting");
    const started = performance.now();
    await pool.close();
    await assert.rejects(call, /The pool is closed/);
    assert.ok(performance.now() - started < 10_000, "not after the greeting timeout");
    for (let i = 0; i < 100 && server.open() > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(server.open(), 0, "the socket being opened was closed");
  } finally {
    await pool.close();
    await server.close();
  }
});

// Bounded: with the race, the extra connection can leave a call waiting forever.
test("maxConnections holds when a call arrives in the microtasks between a connection coming up and joining the pool", { timeout: 30_000 }, async () => {
  const server = await slowGreeter(0);
  const connect = SMTP.connect;
  try {
    for (let depth = 0; depth < 12; depth++) {
      const before = server.connections();
      const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, maxConnections: 1, maxInFlight: 1, localHostname: "pool.test" });
      let second: Promise<unknown> | undefined;
      // The second call starts `depth` microtasks after the first connection is up.
      SMTP.connect = async function (this: typeof SMTP, ...args: Parameters<typeof SMTP.connect>) {
        const client = await connect.apply(this, args);
        SMTP.connect = connect;
        let chain = Promise.resolve();
        for (let k = 0; k < depth; k++) chain = chain.then(() => undefined);
        void chain.then(() => { second = pool.sendmail("a@x.test", "b@x.test", "second\r\n"); });
        return client;
      } as typeof SMTP.connect;
      await pool.sendmail("a@x.test", "b@x.test", "first\r\n");
      await second;
      await pool.close();
      assert.equal(server.connections() - before, 1, `second call ${depth} microtasks later opened another connection`);
    }
  } finally {
    SMTP.connect = connect;
    await server.close();
  }
});

test("close() during a call, to a server that never answers QUIT: the connection is closed 5 s after the call ends, not after the command timeout", { timeout: 30_000 }, async () => {
  const server = await lineServer((sock, line) => {
    if (line.startsWith("EHLO")) sock.write("250-mx.test\r\n250 PIPELINING\r\n");
    else if (line.startsWith("MAIL") || line.startsWith("RCPT")) sock.write("250 ok\r\n");
    else if (line === "DATA") sock.write("354 go ahead\r\n");
    // The end of data is answered late; QUIT never is.
    else if (line === ".") setTimeout(() => sock.write("250 queued\r\n"), 300);
  });
  const { port, sockets } = server;
  const pool = new SMTPPool({ host: "127.0.0.1", port, maxConnections: 1, localHostname: "client.test", timeouts: { command: 25_000 } });
  try {
    const call = pool.sendmail("a@x.test", "b@x.test", "hi\r\n");
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = performance.now();
    const closed = pool.close();
    assert.deepEqual(await call, new Map());
    await closed;
    const took = performance.now() - started;
    assert.ok(took > 4_000 && took < 15_000, `close() took ${Math.round(took)} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(sockets.size, 0, "no connection left open");
  } finally {
    await server.close();
  }
});

test("sendMessage through the pool takes the envelope from the headers; [Symbol.asyncDispose] closes the pool", async () => {
  const s = await sink();
  const pool = new SMTPPool({ host: "127.0.0.1", port: s.port, localHostname: "pool.test" });
  try {
    const refused = await pool.sendMessage("From: a@x.test\r\nTo: b@x.test, nobody@x.test\r\nSubject: via the pool\r\n\r\nhello\r\n");
    assert.deepEqual([...refused.keys()], ["nobody@x.test"]);
    assert.equal(s.messages.length, 1);
    assert.match(s.messages[0]!, /Subject: via the pool/);
  } finally {
    await pool[Symbol.asyncDispose]();
  }
  assert.equal(pool.size, 0);
  await assert.rejects(pool.sendmail("a@x.test", "b@x.test", "x"), /The pool is closed/);
  await s.close();
});
