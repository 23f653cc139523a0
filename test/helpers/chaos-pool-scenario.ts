/**
 * One scenario of the pool chaos test (test/pool/chaos.test.ts): a seeded pool, calls and
 * aborts against the seeded server, and the invariants checked afterwards. Importing it
 * makes RateLimiter record when each call passed (its take(), renew() and refund() are wrapped).
 */

import diagnostics from "node:diagnostics_channel";
import net from "node:net";
import { inspect } from "node:util";
import { SMTPPool, SMTPPoolQueueFull, type PoolOptions } from "../../src/index.js";
import { RateLimiter, type RatePass } from "../../src/pool/rate-limit.js";
import { rngFor, int, startChaosServer } from "./chaos-pool-server.js";
import { checkLmtpCall } from "./chaos-pool-lmtp.js";

// ---------------------------------------------------------------- rate-limit passes

/**
 * When each pool's limiter let a call pass (the limiter is internal: its take() and
 * refund() are observed); a pass given back leaves the list.
 */
let passes: number[] = [];
/** The limiter's own pass of each time in {@link passes}, for refund(). */
let passIds: RatePass[] = [];
/** The limiter's clock as it last read it. */
let lastRead = 0;
const clocked = new WeakSet<RateLimiter>();
const take = RateLimiter.prototype.take;
RateLimiter.prototype.take = function (this: RateLimiter, signal?: AbortSignal, beforeWaiting?: () => void): Promise<RatePass> {
  if (!clocked.has(this)) {
    clocked.add(this);
    const now = this.now;
    Object.defineProperty(this, "now", { value: () => (lastRead = now()) });
  }
  const before = performance.now();
  const taken = take.call(this, signal, beforeWaiting);
  // A call the window lets through at once passed inside take(); a waiting one passes in
  // the limiter's timer, and this callback runs in the microtasks right after it: it
  // takes the time the limiter read there, not the time now (the process may have been
  // descheduled in between: seen once under load, two passes 42.6 ms apart for 51 ms).
  if (!inspect(taken).includes("<pending>")) {
    taken.then((pass) => { passes.push(before); passIds.push(pass); }, () => undefined);
    return taken;
  }
  return taken.then((pass) => {
    passes.push(lastRead);
    passIds.push(pass);
    return pass;
  });
};
/** Forgets the recorded time of `pass` (given back, or exchanged by renew()). */
function forget(pass: RatePass): void {
  const k = passIds.lastIndexOf(pass);
  if (k !== -1) {
    passes.splice(k, 1);
    passIds.splice(k, 1);
  }
}
const refund = RateLimiter.prototype.refund;
RateLimiter.prototype.refund = function (this: RateLimiter, pass: RatePass): void {
  forget(pass);
  refund.call(this, pass);
};
const renew = RateLimiter.prototype.renew;
RateLimiter.prototype.renew = function (this: RateLimiter, pass: RatePass, signal?: AbortSignal): Promise<RatePass> {
  forget(pass);
  const before = performance.now();
  const renewed = renew.call(this, pass, signal);
  // As in take(): passed at once, or in the limiter's timer (the time it read there).
  const atOnce = !inspect(renewed).includes("<pending>");
  return renewed.then((fresh) => {
    passes.push(atOnce ? before : lastRead);
    passIds.push(fresh);
    return fresh;
  });
};

// ---------------------------------------------------------------- one scenario

interface Call {
  i: number;
  method: "sendmail" | "deliver";
  to: string[];
  startAt: number;
  abortAt: number | undefined;
  afterClose: boolean;
  /** When its signal aborted (performance.now()). */
  abortedAt?: number;
  status?: "fulfilled" | "rejected";
  value?: unknown;
  reason?: unknown;
  settledAt?: number;
}

/** Resolves after `ms`. */
export const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** `promise`, or "timeout" after `ms`; the timer is cleared either way. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | "timeout"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([promise, new Promise<"timeout">((r) => { timer = setTimeout(() => r("timeout"), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}
const timerCount = (): number => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
const socketCount = (): number => process.getActiveResourcesInfo().filter((r) => r === "TCPSocketWrap").length;

/** Runs the scenario of `seed`; returns the invariants it broke (empty when none). */
export async function scenario(seed: number): Promise<{ violations: string[]; describe: string; log: string[] }> {
  const r = rngFor(seed, "scenario");
  const maxConnections = int(r, 1, 4);
  const options: PoolOptions = {
    host: "127.0.0.1", maxConnections,
    maxInFlight: int(r, 1, 4),
    maxMessagesPerConnection: r() < 0.5 ? int(r, 1, 6) : 100,
    idleTimeout: int(r, 30, 150),
    localHostname: "chaos.test", diagnoseTLS: false, timeout: 2000,
  };
  if (r() < 0.4) options.rateLimit = { messages: int(r, 2, 6), interval: int(r, 40, 150) };
  // Drawn apart, so that the other choices of each seed stay as they were before maxQueued.
  const q = rngFor(seed, "maxQueued");
  if (q() < 0.3) options.maxQueued = int(q, 0, 8);
  if (rngFor(seed, "lmtp")() < 0.3) options.protocol = "lmtp";
  const maxDelay = int(r, 5, 60);
  const closeAt = r() < 0.5 ? int(r, 0, 500) : undefined;
  // The pool's own signal, aborted at a random moment in some scenarios.
  const poolAbortAt = r() < 0.15 ? int(r, 0, 400) : undefined;
  // Without a close() in the middle: wait for the idle connections to close first, or not.
  const idleCheck = r() < 0.5;
  const calls: Call[] = Array.from({ length: int(r, 15, 40) }, (_, i) => {
    const method = r() < 0.5 ? "sendmail" : "deliver";
    const to = Array.from({ length: int(r, 1, 3) }, (_v, j) => (r() < 0.2 ? `bad${j}@x.test` : `r${j}@x.test`));
    return {
      i, method, to,
      startAt: r() < 0.7 ? 0 : int(r, 1, 300),
      abortAt: method === "deliver" && r() < 0.3 ? int(r, 0, 300) : undefined,
      afterClose: false,
    };
  });
  const describe = `seed ${seed}: ${JSON.stringify({ ...options, host: undefined, maxDelay, closeAt, poolAbortAt, idleCheck, calls: calls.length })}`;

  const violations: string[] = [];
  passes = [];
  passIds = [];
  // When the client wrote each MAIL (the library publishes every write on smtplib.send).
  const written: { token: number; t: number }[] = [];
  const onSend = (message: unknown): void => {
    const { data } = message as { data?: Uint8Array };
    if (!data) return;
    const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("latin1");
    for (const m of text.matchAll(/^MAIL FROM:<t(\d+)@/gim)) written.push({ token: Number(m[1]), t: performance.now() });
  };
  diagnostics.subscribe("smtplib.send", onSend);
  // The pool's sockets, each open until the first FIN either side sends as the pool can
  // know it: it destroyed or ended the socket, or read the server's FIN. (Counted at the
  // server instead, a loaded machine's loopback at times delivered the FIN of a socket the
  // pool had destroyed after the SYN of the one it opened next: 5 open, maxConnections 4.)
  const clientSockets: net.Socket[] = [];
  let maxClientOpen = 0;
  const onClientSocket = (message: unknown): void => {
    const { socket } = message as { socket: net.Socket };
    const open = clientSockets.filter((s) => !(s.destroyed || s.writableEnded || s.readableEnded)).length + 1;
    clientSockets.push(socket);
    maxClientOpen = Math.max(maxClientOpen, open);
  };
  diagnostics.subscribe("net.client.socket", onClientSocket);
  const timersBefore = timerCount();
  const socketsBefore = socketCount();
  const server = await startChaosServer(seed, maxDelay, options.protocol === "lmtp");
  const poolAbort = new AbortController();
  const pool = new SMTPPool({ ...options, port: server.port, ...(poolAbortAt !== undefined ? { signal: poolAbort.signal } : {}) });
  const mine = new Set<ReturnType<typeof setTimeout>>();
  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => { mine.delete(t); fn(); }, ms);
    mine.add(t);
  };
  if (poolAbortAt !== undefined) later(poolAbortAt, () => poolAbort.abort(new Error("pool aborted")));
  const t0 = performance.now();
  const elapsed = (): number => performance.now() - t0;
  let maxSize = 0;
  const sampler = setInterval(() => { maxSize = Math.max(maxSize, pool.size); }, 2);

  const settled: Promise<void>[] = [];
  const fire = (call: Call): void => {
    const body = `Subject: ${call.i}\r\n\r\nTOKEN-${call.i}-END\r\n`;
    const from = `t${call.i}@x.test`;
    let p: Promise<unknown>;
    try {
      if (call.method === "sendmail") p = pool.sendmail(from, call.to, body);
      else {
        const ac = new AbortController();
        if (call.abortAt !== undefined) {
          later(call.abortAt, () => {
            call.abortedAt = performance.now();
            ac.abort(new Error(`aborted call ${call.i}`));
          });
        }
        p = pool.deliver(from, call.to, body, [], [], { signal: ac.signal });
      }
    } catch (err) {
      p = Promise.reject(err);
    }
    settled.push(p.then(
      (value) => { call.status = "fulfilled"; call.value = value; call.settledAt = elapsed(); },
      (reason: unknown) => { call.status = "rejected"; call.reason = reason; call.settledAt = elapsed(); },
    ));
  };

  let closeCalledAt: number | undefined;
  let closing: Promise<void> | undefined;
  const doClose = (): void => {
    closeCalledAt = elapsed();
    server.log.push(`${closeCalledAt.toFixed(2)} (client) close() called`);
    closing = pool.close();
    void closing.then(() => server.log.push(`${elapsed().toFixed(2)} (client) close() resolved`));
    // Calls made after close() must be refused with a clear error.
    for (let k = 0; k < 2; k++) {
      const call: Call = { i: calls.length, method: k === 0 ? "sendmail" : "deliver", to: ["r0@x.test"], startAt: 0, abortAt: undefined, afterClose: true };
      calls.push(call);
      fire(call);
    }
  };

  for (const call of calls.slice()) {
    if (call.startAt === 0) fire(call);
    else {
      later(call.startAt, () => {
        call.afterClose = closing !== undefined;
        fire(call);
      });
    }
  }
  if (closeAt !== undefined) later(closeAt, doClose);

  // Every call settles within a bound (the per-step timeout is 2 s).
  const bound = 10_000;
  const allSettled = async (): Promise<void> => {
    // Calls fired later are added to `settled` as they are made.
    await wait(Math.max(...calls.map((c) => c.startAt)) + 1);
    for (let n = 0; n < settled.length;) { const upto = settled.length; await Promise.all(settled.slice(n)); n = upto; }
  };
  const hung = (await within(allSettled(), bound)) === "timeout";
  if (hung) violations.push(`calls still pending after ${bound} ms: ${calls.filter((c) => c.status === undefined).map((c) => c.i).join(", ")}`);

  // Idle connections close after idleTimeout (before any close()).
  if (!hung && closing === undefined && idleCheck) {
    // (the server may take up to 4 * maxDelay to answer QUIT)
    const idle = options.idleTimeout!;
    const grace = idle + 4 * maxDelay + 100;
    await wait(grace);
    if (closing === undefined) {
      if (pool.size !== 0) violations.push(`pool.size is ${pool.size} ${grace} ms after the last call, idleTimeout ${idle}`);
      if (server.open() !== 0) violations.push(`${server.open()} sockets open at the server ${grace} ms after the last call, idleTimeout ${idle}`);
    }
  }

  if (closing === undefined) doClose();
  if ((await within(closing!, bound)) === "timeout") violations.push(`close() still pending after ${bound} ms`);
  const closedAt = elapsed();
  // Right after close() resolves, no socket stays open at the server (a loopback FIN
  // takes well under the few ms allowed).
  for (let k = 0; k < 10 && server.open() > 0; k++) await wait(1);
  if (server.open() > 0) violations.push(`${server.open()} socket(s) still open at the server after close() resolved (at ${Math.round(closedAt)} ms)`);
  if (!hung && (await within(allSettled(), bound)) === "timeout") violations.push(`calls still pending ${bound} ms after close()`);
  clearInterval(sampler);
  for (const t of mine) clearTimeout(t);
  mine.clear();
  diagnostics.unsubscribe("smtplib.send", onSend);
  diagnostics.unsubscribe("net.client.socket", onClientSocket);

  // ------------------------------------------------------------ invariants
  // Connections saying goodbye (QUIT sent, 221 due) count only beyond maxConnections of them (see SMTPPool's #counted).
  if (maxClientOpen > 2 * maxConnections) violations.push(`the pool had ${maxClientOpen} connections open at once (the server saw ${server.maxOpen()}), maxConnections ${maxConnections}`);
  if (maxSize > maxConnections) violations.push(`pool.size reached ${maxSize}, maxConnections ${maxConnections}`);
  for (const [conn, n] of server.mailsPerConn) {
    if (n > options.maxMessagesPerConnection!) violations.push(`connection ${conn} carried ${n} MAILs, maxMessagesPerConnection ${options.maxMessagesPerConnection}`);
  }
  for (const [token, n] of server.accepted) if (n > 1) violations.push(`message ${token} accepted ${n} times`);
  const mailed = new Set(server.mails.map((m) => m.token));
  for (const call of calls) {
    const accepted = server.accepted.get(call.i) ?? 0;
    const why = call.reason instanceof Error ? `${call.reason.name}: ${call.reason.message}` : String(call.reason);
    if (call.status === "fulfilled" && options.protocol === "lmtp") {
      violations.push(...checkLmtpCall(call.i, call.to, call.method === "deliver", call.value, server.endReplies.get(call.i)));
    } else if (call.status === "fulfilled") {
      if (accepted === 0) violations.push(`call ${call.i} (${call.method}) resolved, yet the server never accepted it`);
      const refused = call.method === "sendmail" ? (call.value as Map<string, unknown>) : (call.value as { refused: Map<string, unknown> }).refused;
      const expected = call.to.filter((a) => a.startsWith("bad"));
      if (![...refused.keys()].every((a) => expected.includes(a)) || refused.size !== new Set(expected).size) {
        violations.push(`call ${call.i} resolved with refused ${[...refused.keys()].join(",")}, server refused ${expected.join(",")}`);
      }
    }
    if (call.abortedAt !== undefined && call.status === "rejected") {
      // deliver({ signal }): "still queued, it never starts; started, it closes the
      // connection". Either way nothing of it may leave after the abort. Judged by when the
      // client wrote the MAIL, not by when the server read it: bytes written before the
      // abort may be read any time later (a stalled event loop, on a loaded machine, read
      // one 16 ms after the abort, which the old 15 ms allowance failed).
      const late = written.find((w) => w.token === call.i && w.t > call.abortedAt!);
      if (late) {
        violations.push(`call ${call.i} rejected as aborted (at ${Math.round(call.abortedAt - t0)} ms), yet the client wrote its MAIL ${(late.t - call.abortedAt).toFixed(1)} ms later` +
          `${accepted > 0 ? " and the message was accepted" : ""}`);
      }
      // And every MAIL of it that the server read was one the client wrote before the abort.
      const arrived = server.arrivals.filter((a) => a.token === call.i).length;
      const before = written.filter((w) => w.token === call.i && w.t <= call.abortedAt!).length;
      if (arrived > before) violations.push(`call ${call.i} rejected as aborted: the server read its MAIL ${arrived} time(s), the client wrote it ${before} time(s) before the abort`);
    }
    if (call.status === "rejected" && !(call.reason instanceof Error)) violations.push(`call ${call.i} rejected with a non-Error: ${why}`);
    // A message the server took, reported failed: the error must say it may have been delivered
    // (or be the caller's own abort, or the pool's), else a caller retries and sends it twice.
    if (call.status === "rejected" && accepted > 0 && !/may have been delivered|^Error: aborted call|pool aborted/.test(why)) {
      violations.push(`call ${call.i} was accepted by the server, yet rejected with "${why}", which does not say it may have been delivered`);
    }
    if (call.afterClose && !(call.status === "rejected" && /The pool is closed/.test(why))) {
      violations.push(`call ${call.i} made after close() ended ${call.status}: ${why}`);
    }
    if (call.status === "rejected" && /The pool is closed|queue is full/.test(why) && mailed.has(call.i)) {
      violations.push(`call ${call.i} rejected with "${why}" yet its MAIL reached the server`);
    }
    if (call.reason instanceof SMTPPoolQueueFull && options.maxQueued === undefined) violations.push(`call ${call.i} refused for a full queue, with no maxQueued`);
  }
  if (closeCalledAt !== undefined) {
    // README: "close() rejects every call still waiting, and nothing is sent after it".
    const late = server.mails.filter((m) => m.t - t0 > closeCalledAt! + 1 && !calls[m.token]?.status?.startsWith("fulfilled"));
    for (const m of late) {
      const c = calls[m.token];
      if (c?.status === "rejected" && /The pool is closed/.test(String(c.reason))) violations.push(`MAIL of ${m.token} reached the server after close()`);
    }
  }
  if (options.rateLimit) {
    const { messages, interval } = options.rateLimit;
    const ts = passes.slice().sort((a, b) => a - b);
    for (let k = 0; k + messages < ts.length; k++) {
      if (ts[k + messages]! - ts[k]! < interval - 5) {
        violations.push(`rate limit ${messages}/${interval} ms: passes ${k} and ${k + messages} ${(ts[k + messages]! - ts[k]!).toFixed(1)} ms apart`);
        break;
      }
    }
    if (mailed.size > ts.length) violations.push(`${mailed.size} messages reached the server, only ${ts.length} passed the rate limit`);
  }

  // After close(): nothing of the pool keeps the process alive (checked before the
  // server closes, which would end any socket the pool left open).
  let extraTimers = 0;
  let extraSockets = 0;
  for (let k = 0; k < 20; k++) {
    extraTimers = timerCount() - timersBefore;
    extraSockets = socketCount() - socketsBefore;
    if (extraTimers <= 0 && extraSockets <= 0) break;
    await wait(5);
  }
  if (extraTimers > 0) violations.push(`${extraTimers} timer(s) still active after close()`);
  if (extraSockets > 0) violations.push(`${extraSockets} socket(s) still active in the process after close()`);
  await server.close();
  return { violations, describe, log: server.log };
}
