/**
 * The hostile, flaky pipelining SMTP server of the client chaos test
 * (test/client/chaos.test.ts): answers each command by a seeded plan and records, by a
 * unique "#serial" in every reply, what it sent to which call.
 */

import net from "node:net";
import { mulberry32 } from "./prng.js";
import { Coalescer, ReplyDebt, drawCuts, fateOf, pick, replyBytes } from "./chaos-client-wire.js";
import type { SentReply, CallRecord, Fate, Profile } from "./chaos-client-model.js";


/** The chaos test's server on 127.0.0.1 (a free port): answers by a seeded plan, keeps what it sent and saw. */
export class ChaosServer {
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
      r = { mailSeenAt: -1, mailCount: 0, bodies: [], accepted: 0, deliveredTo: [] };
      this.calls.set(id, r);
    }
    return r;
  }

  /** `fatal`: how likely each of 421, close, stall and (`okClose`) accept-then-close is. */
  #fate(pRefuse: number, okClose = false, fatal = this.#profile.pFatal): Fate {
    return fateOf(this.#rng(), pRefuse, okClose, fatal);
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
    const debt = new ReplyDebt();
    const coalescer = new Coalescer(sock);
    /** A command (or DATA's body) arrives: the client must have waited for the replies due (see ReplyDebt). */
    const arrives = (what: string, mustWait: boolean): void => {
      if (mustWait && debt.owed > 0 && !dead) this.problems.push(`S${connNo}: the client wrote ${what} before the reply it waited for was sent`);
    };

    const reply = (code: number, text: string, verb: string, call: number | null, arg?: string, how?: "close"): void => {
      if (dead) return;
      const serial = ++this.#serial;
      const multi = rng() < profile.pMulti;
      const lines = multi ? [`chaos says (${verb.toLowerCase()})`, `${text} #${serial}`] : [`${text} #${serial}`];
      this.serials.set(serial, { code, lines, verb, call, ...(arg !== undefined ? { arg } : {}) });
      this.log.push(`S${connNo}: ${code} ${lines.join(" / ")} [${verb} ${call ?? "-"}]`);
      // Now and then the lines before the last carry another code (hostile: the reply is the last line's).
      const bytes = replyBytes(code, lines, multi && rng() < profile.pMixed ? pick(rng, [250, 354, 450, 550]) : code);
      const cuts = rng() < profile.pSplit ? drawCuts(rng, bytes.length) : [];
      const slow = rng() < profile.pSlow ? 5 + Math.floor(rng() * 25) : 0;
      const hold = rng() < (profile.pCoalesce ?? 0);
      out = out.then(debt.pay(() => coalescer.write(bytes, cuts, slow, hold)));
      if (how === "close") closeConn();
    };
    const closeConn = (): void => {
      dead = true;
      this.log.push(`S${connNo}: -- close`);
      out = out.then(() => { coalescer.flush(); sock.end(); });
    };
    const stall = (): void => {
      dead = true;
      // Half the stalls begin a reply first (a line of a multi-line reply, and part of the next).
      if (rng() < 0.5) out = out.then(() => coalescer.write(Buffer.from("250-stalling\r\n25"), [], 0, false));
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
      if (profile.lmtp) {
        lmtpReplies(verb, tx, data);
        return;
      }
      const f = this.#fate(profile.pEndRefuse, true);
      // Half the closes come after the message was queued, before the reply: it was delivered.
      if (f === "close" && tx.call !== null && rng() < 0.5) {
        this.record(tx.call).accepted++;
        this.record(tx.call).acceptedBody = data;
      }
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

    /** LMTP: one reply per accepted recipient, each by its own fate, until a fatal one. */
    const lmtpReplies = (verb: string, tx: { call: number | null; rcpts: string[] }, data: Buffer): void => {
      const r = tx.call !== null ? this.record(tx.call) : undefined;
      let got = false;
      for (const addr of tx.rcpts) {
        if (dead) break;
        // Five times as hostile as elsewhere: the connection going between two replies is the point.
        const f = this.#fate(profile.pEndRefuse, true, profile.pFatal * 5);
        if (fatal(f, verb, tx.call, addr)) break;
        if (f === "perm") reply(550, `5.2.0 <${addr}> refused the message`, verb, tx.call, addr);
        else if (f === "temp") reply(452, `4.2.2 <${addr}> mailbox full`, verb, tx.call, addr);
        else {
          got = true;
          r?.deliveredTo.push(addr);
          reply(250, `2.1.5 <${addr}> delivered`, verb, tx.call, addr, f === "okclose" ? "close" : undefined);
        }
      }
      if (got && r) {
        r.accepted++;
        r.acceptedBody = data;
      }
    };

    const command = (line: string): void => {
      arrives(line.slice(0, 30), profile.pipelining === false);
      const ev = ++this.seq;
      const upper = line.toUpperCase();
      const verb = upper.split(" ")[0]!.replace(/:.*/, "");
      this.log.push(`C${connNo}: ${line}`);
      if (upper.startsWith("MAIL FROM:")) {
        const m = /^MAIL FROM:<s(\d+)@x\.test>/i.exec(line);
        const call = m ? Number(m[1]) : null;
        const sizeParam = /SIZE=(\d+)/i.exec(line);
        if (sizeParam && !profile.size) this.problems.push(`S${connNo}: MAIL with SIZE=, which the server does not offer: ${line}`);
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
        if (!profile.chunking) this.problems.push(`S${connNo}: BDAT, which the server does not offer: ${line}`);
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
      if (verb === (profile.lmtp ? "LHLO" : "EHLO")) {
        this.hook({ verb: "EHLO", call: null });
        resetTx();
        if (rng() < profile.pFatal && fatal(pick(rng, ["421", "close", "stall"] as Fate[]), "EHLO", null)) return;
        const ext = [...(profile.pipelining === false ? [] : ["PIPELINING"]), "8BITMIME", ...(profile.chunking ? ["CHUNKING"] : []), ...(profile.size ? ["SIZE 100000000"] : []), "ENHANCEDSTATUSCODES"];
        if (dead) return;
        const serial = ++this.#serial;
        const lines = ["chaos.test", ...ext, `HELP #${serial}`];
        this.serials.set(serial, { code: 250, lines, verb: "EHLO", call: null });
        out = out.then(debt.pay(() => coalescer.write(replyBytes(250, lines), [], 0, false)));
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
          arrives("message data", true);
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
