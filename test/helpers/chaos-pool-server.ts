/**
 * The scripted server of the pool chaos test (test/pool/chaos.test.ts): on 127.0.0.1, it
 * answers per a plan drawn from the seed, the connection and the message (never from the
 * arrival order), so a scenario is a pure function of its seed.
 */

import net from "node:net";
import { onLines } from "./lines.js";
import { mulberry32 } from "./prng.js";

// ---------------------------------------------------------------- seeded randomness


/** A PRNG keyed by the seed and any labels (FNV-1a over their text). */
export function rngFor(seed: number, ...keys: (string | number)[]): () => number {
  let h = 0x811c9dc5 ^ seed;
  for (const ch of keys.join("/")) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  return mulberry32(h);
}

/** A whole number from `lo` to `hi` (both included), drawn with `r`. */
export const int = (r: () => number, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));

// ---------------------------------------------------------------- the scripted server

interface ChaosServer {
  port: number;
  /** Sockets open now, and the most open at once. */
  open(): number;
  maxOpen(): number;
  connections(): number;
  /** Messages accepted at end of data, by token: how many times. */
  accepted: Map<number, number>;
  /** Each MAIL answered: its token, when, and on which connection. */
  mails: { token: number; t: number; conn: number }[];
  /** Each MAIL line as it arrived (before any reply delay). */
  arrivals: { token: number; t: number; conn: number }[];
  /** MAIL commands per connection. */
  mailsPerConn: Map<number, number>;
  /** What happened, for failure messages. */
  log: string[];
  /** LMTP: each message's replies after the data, by token: recipient -> code. */
  endReplies: Map<number, Map<string, number>>;
  close(): Promise<void>;
}

type GreetPlan = "ok" | "421" | "drop";
type EndPlan = "accept" | "421" | "drop-after" | "drop-before" | "554";

/**
 * Starts the server of `seed`, its replies delayed by up to `maxDelay` ms. `lmtp`: it
 * answers LHLO, and after the data once per recipient accepted at RCPT, each by its own
 * draw (delivered, refused, or the connection closed before that reply, with a 421 or not).
 */
export async function startChaosServer(seed: number, maxDelay: number, lmtp = false): Promise<ChaosServer> {
  const endReplies = new Map<number, Map<string, number>>();
  const sockets = new Set<net.Socket>();
  const accepted = new Map<number, number>();
  const mails: ChaosServer["mails"] = [];
  const arrivals: ChaosServer["arrivals"] = [];
  const mailsPerConn = new Map<number, number>();
  const log: string[] = [];
  let connections = 0;
  let maxOpen = 0;
  const t0 = performance.now();
  const now = (): string => (performance.now() - t0).toFixed(2);

  const server = net.createServer((sock) => {
    const conn = connections++;
    sockets.add(sock);
    maxOpen = Math.max(maxOpen, sockets.size);
    log.push(`${now()} conn ${conn} open (${sockets.size} open)`);
    const timers = new Set<ReturnType<typeof setTimeout>>();
    let dead = false;
    // A socket counts as closed from the first FIN either side sends (or a reset): its
    // 'close' event comes a loop turn later, possibly after a connection the client
    // opened since, and a client's FIN in answer to the server's goes out asynchronously.
    const gone = (how: string): void => {
      if (!sockets.delete(sock)) return;
      log.push(`${now()} conn ${conn} ${how} (${sockets.size} open)`);
    };
    sock.on("end", () => gone("closed by the client"));
    sock.on("error", () => gone("reset"));
    sock.on("close", () => {
      dead = true;
      for (const t of timers) clearTimeout(t);
      gone("closed");
    });
    const sleep = (ms: number): Promise<void> => new Promise((resolve) => {
      const t = setTimeout(() => { timers.delete(t); resolve(); }, ms);
      timers.add(t);
    });
    const cr = rngFor(seed, "conn", conn);
    const delay = (r: () => number): number => (r() < 0.6 ? 0 : int(r, 1, maxDelay));
    const pick = (r: () => number): GreetPlan => { const x = r(); return x < 0.06 ? "421" : x < 0.1 ? "drop" : "ok"; };
    const greeting = pick(cr);
    const ehlo = pick(cr);
    const kill = (why: string, text?: string): void => {
      if (dead) return;
      dead = true;
      log.push(`${now()} conn ${conn} ${why}`);
      if (text !== undefined) sock.end(text);
      else sock.destroy();
      gone("closed by the server");
    };
    const reply = async (r: () => number, text: string): Promise<void> => {
      const ms = delay(r);
      if (ms > 0) await sleep(ms);
      if (!dead) sock.write(text);
    };

    let tx: { token: number; r: () => number; good: number; rcpts: string[] } | null = null;
    /** LMTP: one reply per recipient accepted at RCPT, until one closes the connection. */
    const lmtpEnd = async (token: number, r: () => number, rcpts: readonly string[]): Promise<void> => {
      const replies = new Map<string, number>();
      endReplies.set(token, replies);
      let counted = false;
      for (const addr of rcpts) {
        const x = r();
        if (x < 0.04) {
          // The 421 is this recipient's reply (a refusal); those after it get none.
          replies.set(addr, 421);
          return kill(`421 for ${addr} of ${token}`, "421 4.3.2 shutting down\r\n");
        }
        if (x < 0.07) return kill(`dropped before the reply for ${addr} of ${token}`);
        const code = x < 0.14 ? 552 : 250;
        // Recorded as it is decided: it may never reach the client (the connection may close first).
        replies.set(addr, code);
        if (code === 250 && !counted) {
          counted = true;
          accepted.set(token, (accepted.get(token) ?? 0) + 1);
        }
        log.push(`${now()} conn ${conn} ${code} for ${addr} of ${token}`);
        await reply(r, code === 250 ? `250 2.1.5 <${addr}> delivered\r\n` : `552 5.2.2 <${addr}> mailbox full\r\n`);
      }
    };
    let body: string[] | null = null;
    const handle = async (line: string): Promise<void> => {
      if (body) {
        if (line !== ".") { body.push(line); return; }
        const text = body.join("\n");
        body = null;
        const token = Number(/TOKEN-(\d+)-END/.exec(text)?.[1] ?? -1);
        const r = tx?.r ?? cr;
        if (tx && tx.token !== token) log.push(`${now()} conn ${conn} body token ${token} under MAIL of ${tx.token}`);
        const rcpts = tx?.rcpts ?? [];
        tx = null;
        if (lmtp) return lmtpEnd(token, r, rcpts);
        const x = r();
        const end: EndPlan = x < 0.06 ? "421" : x < 0.1 ? "drop-after" : x < 0.13 ? "drop-before" : x < 0.17 ? "554" : "accept";
        if (end === "accept" || end === "drop-after") {
          accepted.set(token, (accepted.get(token) ?? 0) + 1);
          log.push(`${now()} conn ${conn} accepted ${token}${end === "drop-after" ? " (then dropped without a reply)" : ""}`);
        }
        if (end === "accept") await reply(r, "250 2.0.0 queued\r\n");
        else if (end === "554") await reply(r, "554 5.6.0 rejected\r\n");
        else if (end === "421") kill(`421 at end of data of ${token}`, "421 4.3.2 shutting down\r\n");
        else kill(`dropped at end of data of ${token}`);
        return;
      }
      const verb = line.split(" ")[0]!.toUpperCase();
      if (verb === "EHLO" || verb === "HELO" || verb === "LHLO") {
        if (ehlo === "421") kill("421 at EHLO", "421 4.3.2 shutting down\r\n");
        else if (ehlo === "drop") kill("dropped at EHLO");
        else await reply(cr, "250-chaos.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n");
      } else if (verb === "MAIL") {
        const token = Number(/<t(\d+)@/.exec(line)?.[1] ?? -1);
        mails.push({ token, t: performance.now(), conn });
        mailsPerConn.set(conn, (mailsPerConn.get(conn) ?? 0) + 1);
        log.push(`${now()} conn ${conn} MAIL ${token}`);
        const r = rngFor(seed, "tx", token, conn);
        tx = { token, r, good: 0, rcpts: [] };
        const x = r();
        if (x < 0.04) kill(`421 at MAIL of ${token}`, "421 4.3.2 shutting down\r\n");
        else if (x < 0.06) kill(`dropped at MAIL of ${token}`);
        else await reply(r, "250 2.1.0 ok\r\n");
      } else if (verb === "RCPT") {
        const r = tx?.r ?? cr;
        if (r() < 0.03) kill("421 at RCPT", "421 4.3.2 shutting down\r\n");
        else if (/<bad/.test(line)) await reply(r, "550 5.1.1 no such user\r\n");
        else {
          if (tx) {
            tx.good++;
            tx.rcpts.push(/<([^>]*)>/.exec(line)?.[1] ?? "?");
          }
          await reply(r, "250 2.1.5 ok\r\n");
        }
      } else if (verb === "DATA") {
        const r = tx?.r ?? cr;
        if (!tx || tx.good === 0) await reply(r, "554 5.5.1 no valid recipients\r\n");
        else if (r() < 0.03) kill(`421 at DATA of ${tx.token}`, "421 4.3.2 shutting down\r\n");
        else {
          body = [];
          await reply(r, "354 go ahead\r\n");
        }
      } else if (verb === "RSET") {
        tx = null;
        await reply(cr, "250 2.0.0 reset\r\n");
      } else if (verb === "NOOP") {
        await reply(cr, "250 2.0.0 ok\r\n");
      } else if (verb === "QUIT") {
        // The reply to QUIT may come late, or not at all.
        const x = cr();
        log.push(`${now()} conn ${conn} QUIT`);
        if (x < 0.1) kill("dropped at QUIT");
        else {
          if (x < 0.5) await sleep(int(cr, 1, 4 * maxDelay));
          dead = true;
          sock.end("221 2.0.0 bye\r\n");
          gone("closed by the server after QUIT");
        }
      } else {
        await reply(cr, "500 5.5.2 what?\r\n");
      }
    };

    // Lines are answered one at a time, in order, whatever the delays (pipelining).
    const queue: string[] = [];
    let pumping = false;
    // Some connections are closed by the server once idle a while (with a 421, or not).
    const idleClose = cr() < 0.15 ? int(cr, 5, 80) : undefined;
    const idleWith421 = cr() < 0.5;
    let idleTimer: ReturnType<typeof setTimeout> | undefined;
    const armIdle = (): void => {
      if (idleClose === undefined || dead) return;
      clearTimeout(idleTimer);
      timers.delete(idleTimer!);
      idleTimer = setTimeout(() => {
        if (!pumping && queue.length === 0 && body === null) kill(`idle, closed${idleWith421 ? " with 421" : ""}`, idleWith421 ? "421 4.4.2 idle too long\r\n" : undefined);
      }, idleClose);
      timers.add(idleTimer);
    };
    const pump = async (): Promise<void> => {
      pumping = true;
      while (queue.length > 0 && !dead) await handle(queue.shift()!);
      pumping = false;
      armIdle();
    };
    onLines(sock, (line) => {
      const mail = /^MAIL FROM:<t(\d+)@/i.exec(line);
      if (mail) arrivals.push({ token: Number(mail[1]), t: performance.now(), conn });
      queue.push(line);
      if (!pumping) void pump();
    });

    void (async () => {
      const ms = delay(cr);
      if (ms > 0) await sleep(ms);
      if (greeting === "421") kill("421 at greeting", "421 4.3.2 too busy\r\n");
      else if (greeting === "drop") kill("dropped at greeting");
      else if (!dead) {
        sock.write("220 chaos.test ESMTP\r\n");
        armIdle();
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    open: () => sockets.size,
    maxOpen: () => maxOpen,
    connections: () => connections,
    accepted, mails, arrivals, mailsPerConn, log, endReplies,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
