/**
 * Chaos test: many concurrent calls on ONE `SMTP` instance against a scripted, hostile and
 * flaky server (127.0.0.1, port 0) that advertises PIPELINING (and, per seed, CHUNKING
 * and/or SIZE) and answers each command by a seeded random plan: accept, refuse (4xx/5xx),
 * refuse DATA or the end of data, 421 and close, close without a reply, stall (the client's
 * short `timeouts` fire), replies split in odd chunks, delayed or multi-line.
 *
 * Every reply the server sends ends with a unique "#serial", recorded with the command it
 * answered and the call that command belonged to (each call has its own sender
 * s<id>@x.test, recipients r<id>-<k>@y.test and body token TOKEN-<id>), so the test can
 * check that each reply a call reports is one the server sent to that call's commands.
 *
 * Invariants checked after every round (all calls awaited with allSettled, bounded):
 * - no call hangs;
 * - a resolved sendmail/deliver was accepted by the server exactly once, with the exact
 *   body, and reports exactly the recipients the server refused, with the server's replies;
 * - a message the server accepted is never reported as a failure, except with
 *   SMTPServerDisconnected (outcome unknown) or the call's own abort after it had started;
 * - SMTPSenderRefused / SMTPRecipientsRefused / SMTPDataError carry replies the server sent
 *   to that call's MAIL / RCPT / DATA-or-end-of-data;
 * - a call rejected as never started sent nothing; an aborted call whose abort came
 *   before the server saw its MAIL was not delivered;
 * - a call without a signal never fails with another call's abort reason;
 * - no message is accepted twice, no transaction holds another call's bytes.
 *
 * Deterministic plans: every random decision comes from a seeded PRNG, drawn in the order
 * commands arrive (which the client fixes); aborts are triggered by server events, not timers.
 *
 * Environment: CHAOS_SEEDS=1,2,3 or 100-200 (other seeds), CHAOS_NO_ABORT=1 (no AbortSignals),
 * CHAOS_STATS=1 (outcome counts, time per seed), CHAOS_TIMING=1, CHAOS_LOG=1 (server transcript
 * of a failing seed).
 */

import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import {
  SMTP, SMTPDataError, SMTPHeloError, SMTPRecipientsRefused, SMTPSenderRefused, SMTPServerDisconnected, type SMTPReply,
} from "../../src/index.js";
import { unstartedCalls } from "../../src/client/smtp-base.js";
import { LOCAL } from "../helpers/client.js";
import { mulberry32 } from "../helpers/prng.js";

// ---------------------------------------------------------------------------------------
// PRNG


const pick = <T>(rng: () => number, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;

// ---------------------------------------------------------------------------------------
// The server

/** What the server sent: the code of the last line and the text lines (as the client joins them). */
interface SentReply {
  code: number;
  lines: string[];
  verb: string;
  /** The call whose transaction the command belonged to (null: none, or unknown sender). */
  call: number | null;
  /** RCPT: the address. */
  arg?: string;
}

interface CallRecord {
  /** Server event sequence number when its MAIL arrived (first time). */
  mailSeenAt: number;
  mailCount: number;
  /** Every data body received in a transaction of this call (accepted or not). */
  bodies: Buffer[];
  accepted: number;
  acceptedBody?: Buffer;
  declaredSize?: number;
}

type Fate = "ok" | "perm" | "temp" | "421" | "close" | "stall" | "okclose";

interface Profile {
  chunking: boolean;
  size: boolean;
  pFatal: number; // each of 421, close, stall
  /** Exim-like: a transaction ended with no valid recipient keeps its sender (a new MAIL is then 503 until RSET). */
  keepSender: boolean;
  /** A stall also stops reading (the client's writes back up). */
  freeze: boolean;
  pMailRefuse: number;
  pRcptRefuse: number;
  pDataRefuse: number;
  pEndRefuse: number;
  pSplit: number;
  pSlow: number;
  pMulti: number;
  p354Anyway: number;
}

class ChaosServer {
  readonly server: net.Server;
  port = 0;
  readonly calls = new Map<number, CallRecord>();
  readonly serials = new Map<number, SentReply>();
  readonly problems: string[] = [];
  readonly log: string[] = [];
  /** Event counter shared with the client (aborts record it too). */
  seq = 0;
  /** Called synchronously when a command arrives, before it is answered. */
  hook: (event: { verb: string; call: number | null }) => void = () => undefined;
  #serial = 0;
  readonly #rng: () => number;
  readonly #profile: Profile;
  readonly #open = new Set<net.Socket>();
  #closedWaiters: (() => void)[] = [];

  constructor(seed: number, profile: Profile) {
    this.#rng = mulberry32(seed ^ 0x5eed);
    this.#profile = profile;
    this.server = net.createServer((sock) => this.#handle(sock));
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(0, "127.0.0.1", resolve);
    });
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  get openCount(): number {
    return this.#open.size;
  }

  /** Resolves once no connection is open (bounded by `ms`). */
  async idle(ms: number): Promise<void> {
    if (this.#open.size === 0) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      this.#closedWaiters.push(() => { clearTimeout(t); resolve(); });
    });
  }

  close(): Promise<void> {
    for (const s of this.#open) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  record(id: number): CallRecord {
    let r = this.calls.get(id);
    if (!r) {
      r = { mailSeenAt: -1, mailCount: 0, bodies: [], accepted: 0 };
      this.calls.set(id, r);
    }
    return r;
  }

  #fate(pRefuse: number, okClose = false): Fate {
    const p = this.#profile;
    const r = this.#rng();
    let acc = 0;
    if (r < (acc += p.pFatal)) return "421";
    if (r < (acc += p.pFatal)) return "close";
    if (r < (acc += p.pFatal)) return "stall";
    if (okClose && r < (acc += p.pFatal)) return "okclose";
    if (r < (acc += pRefuse * 0.65)) return "perm";
    if (r < acc + pRefuse * 0.35) return "temp";
    return "ok";
  }

  #handle(sock: net.Socket): void {
    const rng = this.#rng;
    const profile = this.#profile;
    this.#open.add(sock);
    const connNo = this.#open.size;
    sock.on("error", () => undefined);
    sock.on("close", () => {
      this.#open.delete(sock);
      if (this.#open.size === 0) {
        const w = this.#closedWaiters;
        this.#closedWaiters = [];
        for (const f of w) f();
      }
    });
    // Transaction state.
    let mailFrom: number | null | undefined; // undefined: no MAIL; null: accepted sender not ours
    let rcpts: string[] = [];
    let chunkFailed = false;
    let body: Buffer[] = [];
    let mode: "cmd" | "data" | "bdat" = "cmd";
    let bdatLeft = 0;
    let bdatLast = false;
    let dataValid = false;
    let dead = false; // stalled or closing: no more replies
    let out: Promise<void> = Promise.resolve();
    let buffered: Buffer = Buffer.alloc(0);

    const reply = (code: number, text: string, verb: string, call: number | null, arg?: string, how?: "close"): void => {
      if (dead) return;
      const serial = ++this.#serial;
      const multi = rng() < profile.pMulti;
      const lines = multi ? [`chaos says (${verb.toLowerCase()})`, `${text} #${serial}`] : [`${text} #${serial}`];
      this.serials.set(serial, { code, lines, verb, call, ...(arg !== undefined ? { arg } : {}) });
      this.log.push(`S${connNo}: ${code} ${lines.join(" / ")} [${verb} ${call ?? "-"}]`);
      const wire = lines.map((l, i) => `${code}${i === lines.length - 1 ? " " : "-"}${l}\r\n`).join("");
      const bytes = Buffer.from(wire, "latin1");
      const split = rng() < profile.pSplit;
      const slow = rng() < profile.pSlow ? 5 + Math.floor(rng() * 25) : 0;
      const cuts: number[] = [];
      if (split) {
        const n = 1 + Math.floor(rng() * 3);
        for (let i = 0; i < n; i++) cuts.push(1 + Math.floor(rng() * (bytes.length - 1)));
        cuts.sort((a, b) => a - b);
      }
      out = out.then(async () => {
        if (slow) await new Promise((r) => setTimeout(r, slow));
        if (sock.destroyed) return;
        let at = 0;
        for (const cut of [...cuts, bytes.length]) {
          if (cut <= at) continue;
          sock.write(bytes.subarray(at, cut));
          at = cut;
          if (cut < bytes.length) await new Promise((r) => setImmediate(r));
        }
      });
      if (how === "close") closeConn();
    };
    const closeConn = (): void => {
      dead = true;
      this.log.push(`S${connNo}: -- close`);
      out = out.then(() => { sock.end(); });
    };
    const stall = (): void => {
      dead = true;
      // Stops reading too, until well after the client's timeouts (then reads and drops,
      // so that the client's close is seen).
      if (profile.freeze) {
        sock.pause();
        setTimeout(() => sock.resume(), 400).unref();
      }
      this.log.push(`S${connNo}: -- stall`);
    };
    /** Applies a fatal fate; true when one applied. */
    const fatal = (f: Fate, verb: string, call: number | null, arg?: string): boolean => {
      if (f === "421") reply(421, "4.3.2 closing", verb, call, arg, "close");
      else if (f === "close") closeConn();
      else if (f === "stall") stall();
      else return false;
      return true;
    };
    const resetTx = (): void => {
      mailFrom = undefined;
      rcpts = [];
      chunkFailed = false;
      body = [];
    };
    const endOfData = (verb: string): void => {
      const call = mailFrom ?? null;
      const data = Buffer.concat(body);
      if (call !== null && mailFrom !== undefined) this.record(call).bodies.push(data);
      const valid = mailFrom !== undefined && rcpts.length > 0 && !chunkFailed && (verb !== "." || dataValid);
      const tx = { call, rcpts };
      const keep = profile.keepSender && mailFrom !== undefined && rcpts.length === 0 ? mailFrom : undefined;
      resetTx();
      mailFrom = keep;
      if (!valid) {
        reply(554, "5.5.1 no valid transaction", verb, call);
        return;
      }
      const f = this.#fate(profile.pEndRefuse, true);
      if (fatal(f, verb, call)) return;
      if (f === "perm") reply(554, "5.6.0 message refused", verb, call);
      else if (f === "temp") reply(452, "4.3.1 try later", verb, call);
      else {
        if (tx.call !== null) {
          const r = this.record(tx.call);
          r.accepted++;
          r.acceptedBody = data;
        }
        reply(250, `2.0.0 queued ${tx.call ?? "-"}`, verb, call, undefined, f === "okclose" ? "close" : undefined);
      }
    };

    const command = (line: string): void => {
      const ev = ++this.seq;
      const upper = line.toUpperCase();
      const verb = upper.split(" ")[0]!.replace(/:.*/, "");
      this.log.push(`C${connNo}: ${line}`);
      if (upper.startsWith("MAIL FROM:")) {
        const m = /^MAIL FROM:<s(\d+)@x\.test>/i.exec(line);
        const call = m ? Number(m[1]) : null;
        const sizeParam = /SIZE=(\d+)/i.exec(line);
        if (call !== null) {
          const r = this.record(call);
          r.mailCount++;
          if (r.mailSeenAt < 0) r.mailSeenAt = ev;
          if (sizeParam) r.declaredSize = Number(sizeParam[1]);
          if (r.mailCount > 1) this.problems.push(`MAIL for call ${call} sent ${r.mailCount} times`);
        }
        this.hook({ verb: "MAIL", call });
        if (mailFrom !== undefined) {
          reply(503, "5.5.1 nested MAIL", "MAIL", call);
          return;
        }
        const f = this.#fate(profile.pMailRefuse);
        if (fatal(f, "MAIL", call)) return;
        if (f === "perm") reply(550, `5.1.8 sender s${call} refused`, "MAIL", call);
        else if (f === "temp") reply(451, `4.1.8 sender s${call} deferred`, "MAIL", call);
        else {
          mailFrom = call;
          reply(250, `2.1.0 sender s${call} ok`, "MAIL", call);
        }
        return;
      }
      if (upper.startsWith("RCPT TO:")) {
        const m = /^RCPT TO:<([^>]*)>/i.exec(line);
        const addr = m ? m[1]! : "?";
        const call = mailFrom ?? null;
        this.hook({ verb: "RCPT", call });
        if (mailFrom === undefined) {
          reply(503, "5.5.1 need MAIL", "RCPT", call, addr);
          return;
        }
        const f = this.#fate(profile.pRcptRefuse);
        if (fatal(f, "RCPT", call, addr)) return;
        if (f === "perm") reply(550, `5.1.1 <${addr}> unknown`, "RCPT", call, addr);
        else if (f === "temp") reply(450, `4.2.1 <${addr}> busy`, "RCPT", call, addr);
        else {
          rcpts.push(addr);
          reply(250, `2.1.5 <${addr}> ok`, "RCPT", call, addr);
        }
        return;
      }
      if (verb === "DATA") {
        const call = mailFrom ?? null;
        this.hook({ verb: "DATA", call });
        if (mailFrom === undefined || rcpts.length === 0) {
          if (rng() < profile.p354Anyway) {
            // Hostile: 354 although nothing can be delivered; what comes is read and refused.
            dataValid = false;
            mode = "data";
            body = [];
            reply(354, "go ahead anyway", "DATA", call);
            return;
          }
          reply(mailFrom === undefined ? 503 : 554, "5.5.1 no valid recipients", "DATA", call);
          return;
        }
        const f = this.#fate(profile.pDataRefuse);
        if (fatal(f, "DATA", call)) return;
        if (f === "perm") reply(554, "5.3.0 DATA refused", "DATA", call);
        else if (f === "temp") reply(451, "4.3.0 DATA deferred", "DATA", call);
        else {
          dataValid = true;
          mode = "data";
          body = [];
          reply(354, "end with <CRLF>.<CRLF>", "DATA", call);
        }
        return;
      }
      if (verb === "BDAT") {
        const m = /^BDAT (\d+)( LAST)?$/i.exec(line);
        if (!m) {
          reply(501, "5.5.4 bad BDAT", "BDAT", null);
          return;
        }
        bdatLeft = Number(m[1]);
        bdatLast = m[2] !== undefined;
        mode = "bdat";
        return;
      }
      if (verb === "RSET") {
        this.hook({ verb: "RSET", call: null });
        resetTx();
        const f = this.#fate(0);
        if (fatal(f, "RSET", null)) return;
        reply(250, "2.0.0 reset ok", "RSET", null);
        return;
      }
      if (verb === "NOOP") {
        this.hook({ verb: "NOOP", call: null });
        const f = this.#fate(0);
        if (fatal(f, "NOOP", null)) return;
        reply(250, "2.0.0 noop ok", "NOOP", null);
        return;
      }
      if (verb === "EHLO") {
        this.hook({ verb: "EHLO", call: null });
        resetTx();
        if (rng() < profile.pFatal && fatal(pick(rng, ["421", "close", "stall"] as Fate[]), "EHLO", null)) return;
        const ext = ["PIPELINING", "8BITMIME", ...(profile.chunking ? ["CHUNKING"] : []), ...(profile.size ? ["SIZE 100000000"] : []), "ENHANCEDSTATUSCODES"];
        if (dead) return;
        const serial = ++this.#serial;
        const lines = ["chaos.test", ...ext, `HELP #${serial}`];
        this.serials.set(serial, { code: 250, lines, verb: "EHLO", call: null });
        out = out.then(() => { if (!sock.destroyed) sock.write(lines.map((l, i) => `250${i === lines.length - 1 ? " " : "-"}${l}\r\n`).join("")); });
        return;
      }
      if (verb === "QUIT") {
        reply(221, "2.0.0 bye", "QUIT", null, undefined, "close");
        return;
      }
      reply(500, "5.5.2 what?", verb, null);
    };

    const feed = (d: Buffer): void => {
      buffered = buffered.length ? Buffer.concat([buffered, d]) : d;
      for (;;) {
        if (dead) {
          buffered = Buffer.alloc(0);
          return;
        }
        if (mode === "bdat") {
          const n = Math.min(bdatLeft, buffered.length);
          if (n > 0) body.push(Buffer.from(buffered.subarray(0, n)));
          bdatLeft -= n;
          buffered = buffered.subarray(n);
          if (bdatLeft > 0) return;
          mode = "cmd";
          const call = mailFrom ?? null;
          if (bdatLast) {
            this.hook({ verb: "BDAT LAST", call });
            endOfData("BDAT LAST");
          } else {
            this.hook({ verb: "BDAT", call });
            if (mailFrom === undefined || rcpts.length === 0 || chunkFailed) {
              chunkFailed = true;
              reply(554, "5.5.1 no valid transaction", "BDAT", call);
            } else {
              const f = this.#fate(profile.pDataRefuse);
              if (fatal(f, "BDAT", call)) continue;
              if (f === "perm" || f === "temp") {
                chunkFailed = true;
                reply(f === "perm" ? 554 : 452, "5.3.4 chunk refused", "BDAT", call);
              } else reply(250, "2.0.0 chunk ok", "BDAT", call);
            }
          }
          continue;
        }
        const i = buffered.indexOf("\r\n");
        if (i < 0) return;
        const lineBytes = buffered.subarray(0, i);
        buffered = buffered.subarray(i + 2);
        if (mode === "data") {
          if (lineBytes.length === 1 && lineBytes[0] === 0x2e) {
            mode = "cmd";
            this.seq++;
            this.log.push(`C${connNo}: <data ${Buffer.concat(body).length} bytes> .`);
            this.hook({ verb: ".", call: mailFrom ?? null });
            endOfData(".");
            continue;
          }
          const unstuffed = lineBytes[0] === 0x2e ? lineBytes.subarray(1) : lineBytes;
          body.push(Buffer.from(unstuffed), Buffer.from("\r\n"));
          continue;
        }
        command(lineBytes.toString("latin1"));
      }
    };
    sock.on("data", feed);
    const serial = ++this.#serial;
    this.serials.set(serial, { code: 220, lines: [`chaos.test ESMTP #${serial}`], verb: "greeting", call: null });
    sock.write(`220 chaos.test ESMTP #${serial}\r\n`);
  }
}

// ---------------------------------------------------------------------------------------
// The client side

class CallAbort extends Error {
  constructor(readonly id: number) {
    super(`call ${id} aborted by the test`);
  }
}

type Kind = "sendmail" | "bytes" | "stream" | "deliver" | "large" | "bigstream" | "noop" | "rset" | "stream-error" | "late";
type AbortMode = "none" | "pre" | "ehlo" | "mail" | "end" | "other-mail";

interface Call {
  id: number;
  kind: Kind;
  rcpts: string[];
  body: Buffer;
  abort: AbortMode;
  controller?: AbortController;
  /** Server event sequence when this call's abort fired. */
  abortedAt?: number;
  promise?: Promise<unknown>;
  settled?: PromiseSettledResult<unknown>;
}

function makeBody(id: number, rng: () => number, big: number): Buffer {
  const lines = [`Message-ID: <m${id}@chaos.test>`, `Subject: chaos ${id}`, ""];
  const n = 1 + Math.floor(rng() * 6);
  for (let i = 0; i < n; i++) {
    const dot = rng() < 0.3 ? "." : "";
    lines.push(`${dot}TOKEN-${id} line ${i} ${"x".repeat(Math.floor(rng() * 40))}`);
  }
  if (big > 0) {
    const filler = `TOKEN-${id} ${"y".repeat(60)}`;
    for (let size = lines.join("\r\n").length; size < big; size += filler.length + 2) lines.push(filler);
  }
  return Buffer.from(`${lines.join("\r\n")}\r\n`, "latin1");
}

async function* streamOf(bytes: Buffer, rng: () => number): AsyncGenerator<Uint8Array> {
  let off = 0;
  // Cut points drawn up front, so the plan does not depend on when the stream is read.
  const cuts: number[] = [];
  while (off < bytes.length) {
    off += 1 + Math.floor(rng() * Math.min(bytes.length, 70000));
    cuts.push(Math.min(off, bytes.length));
  }
  let at = 0;
  for (const cut of cuts) {
    await new Promise((r) => setImmediate(r));
    yield bytes.subarray(at, cut);
    at = cut;
  }
}

class StreamBoom extends Error {
  constructor(readonly id: number) {
    super(`body stream of call ${id} failed`);
  }
}

/** A body stream that yields part of the message, then fails. */
async function* failingStream(call: Call, rng: () => number): AsyncGenerator<Uint8Array> {
  const cut = Math.floor(rng() * call.body.length);
  await new Promise((r) => setImmediate(r));
  if (cut > 0) yield call.body.subarray(0, cut);
  await new Promise((r) => setImmediate(r));
  throw new StreamBoom(call.id);
}

function replyOf(code: number, message: string): string {
  return `${code} ${message}`;
}

/** The server's reply with this serial, checked against what a call reports. */
function checkReply(server: ChaosServer, reported: { code: number; message: string }, want: { verbs: string[]; call: number | null; arg?: string }, used: Set<number>, what: string, problems: string[]): void {
  const m = /#(\d+)$/.exec(reported.message);
  if (!m) {
    problems.push(`${what}: reply ${replyOf(reported.code, reported.message)} was not sent by the server`);
    return;
  }
  const serial = Number(m[1]);
  const sent = server.serials.get(serial);
  if (!sent) {
    problems.push(`${what}: unknown serial ${serial}`);
    return;
  }
  if (used.has(serial)) problems.push(`${what}: reply #${serial} reported by two calls`);
  used.add(serial);
  if (sent.code !== reported.code || sent.lines.join("\n") !== reported.message) {
    problems.push(`${what}: reported ${replyOf(reported.code, reported.message)}, server sent ${replyOf(sent.code, sent.lines.join("\n"))}`);
  }
  if (!want.verbs.includes(sent.verb) || sent.call !== want.call || (want.arg !== undefined && sent.arg !== want.arg)) {
    problems.push(`${what}: reply #${serial} answered ${sent.verb} of call ${sent.call ?? "-"} ${sent.arg ?? ""}, expected ${want.verbs.join("/")} of call ${want.call ?? "-"} ${want.arg ?? ""}`);
  }
}

interface RunResult {
  problems: string[];
  stats: Record<string, number>;
  log: string[];
}

async function runSeed(seed: number): Promise<RunResult> {
  const rng = mulberry32(seed);
  const profile: Profile = {
    chunking: rng() < 0.5,
    size: rng() < 0.5,
    pFatal: 0.002 + rng() * 0.008,
    keepSender: rng() < 0.5,
    freeze: rng() < 0.5,
    pMailRefuse: rng() * 0.25,
    pRcptRefuse: rng() * 0.5,
    pDataRefuse: rng() * 0.15,
    pEndRefuse: rng() * 0.2,
    pSplit: rng() * 0.4,
    pSlow: rng() * 0.1,
    pMulti: rng() * 0.2,
    p354Anyway: rng() < 0.3 ? 0.5 : 0,
  };
  const server = new ChaosServer(seed, profile);
  await server.listen();
  const client = new SMTP({
    localHostname: LOCAL, diagnoseTLS: false,
    timeouts: { connect: 1000, greeting: 500, command: 250, dataInitiation: 250, dataBlock: 250, dataTermination: 250 },
  });
  const problems: string[] = [];
  const stats: Record<string, number> = {};
  const count = (k: string): void => { stats[k] = (stats[k] ?? 0) + 1; };
  const usedSerials = new Set<number>();
  let nextId = 1;
  const controllers = new Map<number, Call>();
  /** Reconnects when the connection has gone; concurrent callers share one attempt. */
  let reconnecting: Promise<void> | null = null;
  const ensureConnected = (): Promise<void> => {
    if (client.connected) return Promise.resolve();
    reconnecting ??= client.connect("127.0.0.1", server.port).then(() => { count("connects"); }).finally(() => { reconnecting = null; });
    return reconnecting;
  };
  // Server events trigger aborts (deterministic: no timers).
  server.hook = (ev) => {
    for (const call of controllers.values()) {
      if (call.abortedAt !== undefined) continue;
      const fire = (call.abort === "ehlo" && ev.verb === "EHLO")
        || (call.abort === "mail" && ev.verb === "MAIL" && ev.call === call.id)
        || (call.abort === "end" && (ev.verb === "." || ev.verb === "BDAT LAST") && ev.call === call.id)
        || (call.abort === "other-mail" && ev.verb === "MAIL" && ev.call !== null && ev.call > call.id);
      if (fire) {
        call.abortedAt = server.seq;
        call.controller!.abort(new CallAbort(call.id));
      }
    }
  };
  try {
    const rounds = 6;
    for (let round = 0; round < rounds; round++) {
      if (!client.connected) {
        const tc = performance.now();
        try {
          await ensureConnected();
          if (process.env.CHAOS_TIMING) console.log(`  connect ${Math.round(performance.now() - tc)} ms`);
        } catch (err) {
          count("connect failures");
          if (!(err instanceof SMTPServerDisconnected)) problems.push(`connect: ${String(err)}`);
          continue;
        }
      }
      const calls: Call[] = [];
      // Now and then a burst: past the 128 transactions a pipelining client leaves unread.
      const n = rng() < 0.08 ? 140 : 2 + Math.floor(rng() * 10);
      for (let i = 0; i < n; i++) {
        const id = nextId++;
        const r = rng();
        const kind: Kind = r < 0.27 ? "sendmail" : r < 0.4 ? "bytes" : r < 0.53 ? "stream" : r < 0.7 ? "deliver"
          : r < 0.74 ? "large" : r < 0.76 ? "bigstream" : r < 0.82 ? "noop" : r < 0.88 ? "rset" : r < 0.93 ? "stream-error" : "late";
        const nr = 1 + Math.floor(rng() * 3);
        const rcpts = Array.from({ length: nr }, (_, k) => `r${id}-${k}@y.test`);
        const big = kind === "large" ? 150_000 : kind === "bigstream" ? 300_000 : 0;
        const body = makeBody(id, rng, big);
        let abort: AbortMode = "none";
        if ((kind === "deliver" || kind === "stream" || kind === "bigstream") && !process.env.CHAOS_NO_ABORT) {
          const a = rng();
          abort = a < 0.55 ? "none" : a < 0.65 ? "pre" : a < 0.75 ? (i === 0 ? "ehlo" : "mail") : a < 0.85 ? "mail" : a < 0.93 ? "end" : "other-mail";
        }
        const call: Call = { id, kind, rcpts, body, abort };
        if (abort !== "none") {
          call.controller = new AbortController();
          controllers.set(id, call);
        }
        calls.push(call);
      }
      for (const [index, call] of calls.entries()) {
        const from = `s${call.id}@x.test`;
        const signal = call.controller?.signal;
        const opts = signal ? { signal } : {};
        let p: Promise<unknown>;
        try {
          switch (call.kind) {
            case "sendmail": p = client.sendmail(from, call.rcpts, call.body.toString("latin1")); break;
            case "bytes": case "large": p = client.sendmail(from, call.rcpts, new Uint8Array(call.body)); break;
            case "deliver": p = client.deliver(from, call.rcpts, call.body, [], [], opts); break;
            case "stream": case "bigstream": p = client.deliver(from, call.rcpts, streamOf(call.body, mulberry32(seed * 7919 + call.id)), [], [], { ...opts, size: call.body.length }); break;
            case "stream-error": p = client.deliver(from, call.rcpts, failingStream(call, mulberry32(seed * 7919 + call.id)), [], [], { size: call.body.length }); break;
            case "late": {
              // Made once the call before it has settled, reconnecting first when the
              // connection has gone (other calls of the round may still be in flight).
              const before = calls[index - 1]?.promise ?? Promise.resolve();
              p = before.catch(() => undefined).then(async () => {
                await ensureConnected();
                return client.sendmail(from, call.rcpts, call.body);
              });
              break;
            }
            case "noop": p = client.noop(); break;
            case "rset": p = client.rset(); break;
          }
        } catch (err) {
          p = Promise.reject(err);
        }
        p.catch(() => undefined);
        call.promise = p;
        if (call.abort === "pre") {
          call.abortedAt = server.seq;
          call.controller!.abort(new CallAbort(call.id));
        }
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const bound = new Promise<"hang">((resolve) => { timer = setTimeout(() => resolve("hang"), 8000); });
      const all = Promise.allSettled(calls.map((c) => c.promise!)).then((results) => {
        results.forEach((res, i) => { calls[i]!.settled = res; });
        return "done" as const;
      });
      const tr = performance.now();
      const outcome = await Promise.race([all, bound]);
      if (process.env.CHAOS_TIMING) console.log(`seed ${seed} round ${round}: ${calls.length} calls ${Math.round(performance.now() - tr)} ms, connected=${client.connected}`);
      clearTimeout(timer);
      if (outcome === "hang") {
        // Record which ones hung; settle the rest.
        for (const c of calls) {
          void c.promise!.then((v) => { c.settled = { status: "fulfilled", value: v }; }, (e: unknown) => { c.settled = { status: "rejected", reason: e }; });
        }
        await new Promise((r) => setImmediate(r));
        const hung = calls.filter((c) => c.settled === undefined).map((c) => `${c.id}(${c.kind},abort=${c.abort})`);
        problems.push(`round ${round}: calls never settled within 8 s: ${hung.join(", ")}`);
        client.close();
        break;
      }
      // What the client wrote may still be in flight to the server when it gave up on the connection.
      const ti = performance.now();
      if (!client.connected) await server.idle(1000);
      if (process.env.CHAOS_TIMING) console.log(`  idle wait ${Math.round(performance.now() - ti)} ms open=${server.openCount}`);
      else await new Promise((r) => setTimeout(r, 5));
      for (const call of calls) {
        controllers.delete(call.id);
        checkCall(server, call, usedSerials, problems, count);
      }
    }
  } finally {
    const tf = performance.now();
    client.close();
    await server.close();
    if (process.env.CHAOS_TIMING) console.log(`  final close ${Math.round(performance.now() - tf)} ms`);
  }
  // Global: no message accepted twice, no bytes of one call in another's transaction.
  for (const [id, rec] of server.calls) {
    if (rec.accepted > 1) problems.push(`call ${id}: accepted ${rec.accepted} times`);
    for (const b of rec.bodies) {
      for (const m of b.toString("latin1").matchAll(/TOKEN-(\d+)/g)) {
        if (Number(m[1]) !== id) {
          problems.push(`call ${id}: its transaction carried bytes of call ${m[1]}`);
          break;
        }
      }
    }
  }
  return { problems: problems.map((p) => `seed ${seed}: ${p}`), stats, log: server.log };
}

function checkCall(server: ChaosServer, call: Call, used: Set<number>, problems: string[], count: (k: string) => void): void {
  const res = call.settled!;
  const id = call.id;
  const rec = server.calls.get(id);
  const what = `call ${id} (${call.kind}, abort=${call.abort})`;
  if (call.kind === "noop" || call.kind === "rset") {
    if (res.status === "fulfilled") {
      count(`${call.kind} ok`);
      checkReply(server, res.value as SMTPReply, { verbs: [call.kind.toUpperCase()], call: null }, used, what, problems);
    } else if (res.reason instanceof CallAbort) {
      count("foreign abort");
      problems.push(`${what}: rejected with another call's abort (call ${res.reason.id})`);
    } else if (!(res.reason instanceof SMTPServerDisconnected)) {
      problems.push(`${what}: rejected with ${String(res.reason)}`);
    } else count(`${call.kind} disconnected`);
    return;
  }
  const accepted = rec?.accepted ?? 0;
  if (res.status === "fulfilled") {
    count("resolved");
    const value = res.value as Map<string, SMTPReply> | { refused: Map<string, SMTPReply>; delivered: Map<string, SMTPReply>; reply: SMTPReply };
    const refused = value instanceof Map ? value : value.refused;
    if (accepted !== 1) problems.push(`${what}: resolved (refused ${[...refused.keys()].join(",") || "none"}) but the server accepted it ${accepted} times`);
    if (rec?.acceptedBody && !rec.acceptedBody.equals(call.body)) {
      problems.push(`${what}: the server got a different body (${rec.acceptedBody.length} bytes, sent ${call.body.length})`);
    }
    if (rec?.declaredSize !== undefined && rec.declaredSize !== call.body.length) {
      problems.push(`${what}: SIZE=${rec.declaredSize} for a ${call.body.length}-byte message`);
    }
    // Exactly the recipients the server refused.
    const serverRefused = new Map<string, SentReply>();
    const serverAccepted = new Set<string>();
    for (const sent of server.serials.values()) {
      if (sent.verb !== "RCPT" || sent.call !== id || sent.arg === undefined) continue;
      if (sent.code === 250 || sent.code === 251) serverAccepted.add(sent.arg);
      else serverRefused.set(sent.arg, sent);
    }
    const got = [...refused.keys()].sort().join(",");
    const want = [...serverRefused.keys()].sort().join(",");
    if (got !== want) problems.push(`${what}: reported refused [${got}], server refused [${want}]`);
    for (const [addr, reply] of refused) checkReply(server, reply, { verbs: ["RCPT"], call: id, arg: addr }, used, `${what} refused ${addr}`, problems);
    if (!(value instanceof Map)) {
      const delivered = [...value.delivered.keys()].sort().join(",");
      if (delivered !== [...serverAccepted].sort().join(",")) problems.push(`${what}: reported delivered [${delivered}], server accepted [${[...serverAccepted].sort().join(",")}]`);
      checkReply(server, value.reply, { verbs: [".", "BDAT LAST"], call: id }, used, `${what} final reply`, problems);
    }
    return;
  }
  const err = res.reason;
  if (err instanceof StreamBoom) {
    count("stream failed");
    if (call.kind !== "stream-error" || err.id !== id) problems.push(`${what}: rejected with another call's stream error (call ${err.id})`);
    if (accepted > 0) problems.push(`${what}: its body stream failed, yet the server accepted the message`);
    return;
  }
  if (call.kind === "stream-error" && accepted > 0) problems.push(`${what}: its body stream failed, yet the server accepted the message`);
  const ownAbort = err instanceof CallAbort && err.id === id;
  if (err instanceof CallAbort && !ownAbort) {
    problems.push(`${what}: rejected with another call's abort (call ${err.id}); server accepted it ${accepted} time(s)`);
    count("foreign abort");
    return;
  }
  if (ownAbort) {
    count("aborted");
    // An abort that came before the server saw anything of the call must mean it never
    // goes out (queued) or the connection closes (started): it is never delivered.
    // ("pre" aborts right after the call was made: a call that starts at once has written
    // its transaction by then, so its outcome is unknown.)
    if (call.abort !== "pre" && accepted > 0 && call.abortedAt !== undefined && (rec!.mailSeenAt < 0 || rec!.mailSeenAt > call.abortedAt)) {
      problems.push(`${what}: reported aborted (abort at server event ${call.abortedAt}), yet its MAIL came later (event ${rec!.mailSeenAt}) and the server accepted it`);
    }
    return;
  }
  if (err instanceof SMTPServerDisconnected) {
    count(unstartedCalls.has(err) ? "unstarted" : "disconnected");
    if (unstartedCalls.has(err) && rec && rec.mailCount > 0) problems.push(`${what}: reported as never started (${err.message}) but the server got its MAIL`);
    return;
  }
  if (accepted > 0) {
    problems.push(`${what}: the server accepted it but the call failed with ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
  }
  if (err instanceof SMTPSenderRefused) {
    count("sender refused");
    checkReply(server, { code: err.smtpCode, message: err.smtpError }, { verbs: ["MAIL"], call: id }, used, `${what} SMTPSenderRefused`, problems);
    if (err.sender !== `s${id}@x.test`) problems.push(`${what}: SMTPSenderRefused.sender is ${err.sender}`);
    return;
  }
  if (err instanceof SMTPRecipientsRefused) {
    count("recipients refused");
    if (err.recipients.size === 0) problems.push(`${what}: SMTPRecipientsRefused with no recipient`);
    for (const [addr, reply] of err.recipients) {
      checkReply(server, reply, { verbs: ["RCPT"], call: id, arg: addr }, used, `${what} SMTPRecipientsRefused ${addr}`, problems);
    }
    return;
  }
  if (err instanceof SMTPHeloError) {
    count("helo error");
    checkReply(server, { code: err.smtpCode, message: err.smtpError }, { verbs: ["EHLO"], call: null }, used, `${what} SMTPHeloError`, problems);
    return;
  }
  if (err instanceof SMTPDataError) {
    count("data error");
    checkReply(server, { code: err.smtpCode, message: err.smtpError }, { verbs: ["DATA", ".", "BDAT", "BDAT LAST"], call: id }, used, `${what} SMTPDataError`, problems);
    return;
  }
  problems.push(`${what}: rejected with unexpected ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
}

// ---------------------------------------------------------------------------------------

/** Seeds run by default; CHAOS_SEEDS=1,2,3 or CHAOS_SEEDS=100-200 replaces them. */
function seeds(): number[] {
  const env = process.env.CHAOS_SEEDS;
  if (!env) return Array.from({ length: 24 }, (_, i) => i + 1);
  const range = /^(\d+)-(\d+)$/.exec(env);
  if (range) return Array.from({ length: Number(range[2]) - Number(range[1]) + 1 }, (_, i) => Number(range[1]) + i);
  return env.split(",").map(Number);
}

test("chaos: concurrent calls on one SMTP client against a hostile, flaky pipelining server", { timeout: Math.max(120_000, seeds().length * 4000) }, async () => {
  const all: string[] = [];
  const totals: Record<string, number> = {};
  for (const seed of seeds()) {
    const t0 = performance.now();
    const { problems, stats, log } = await runSeed(seed);
    if (process.env.CHAOS_STATS) console.log(`seed ${seed}: ${Math.round(performance.now() - t0)} ms`);
    for (const [k, v] of Object.entries(stats)) totals[k] = (totals[k] ?? 0) + v;
    if (problems.length > 0 && process.env.CHAOS_LOG) console.log(log.join("\n"));
    all.push(...problems);
  }
  if (process.env.CHAOS_STATS) console.log(totals);
  assert.equal(all.length, 0, `${all.length} invariant violations:\n${all.join("\n")}`);
});
