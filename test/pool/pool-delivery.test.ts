// SMTPPool delivering: messages spread over maxConnections and retired connections, the
// rate limit, errors reaching the caller, calls sharing a new connection, connections that
// fail or close with 421, and sendMessage.

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPServer } from "smtp-server";
import net from "node:net";
import { SMTP, SMTPAuthenticationError, SMTPConnectError, SMTPPool, SMTPRecipientsRefused, SMTPException, SMTPResponseException } from "../../src/index.js";
import { RateLimiter } from "../../src/pool/rate-limit.js";
import { greeting, LOCAL } from "../helpers/client.js";
import { traced } from "../helpers/flow-trace.js";
import { slowGreeter } from "../helpers/line-server.js";
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
