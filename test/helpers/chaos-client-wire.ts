/**
 * How the client chaos test's server (test/helpers/chaos-client-server.ts) puts a reply on
 * the wire: its bytes, cut at seeded points, written a piece a turn of the event loop.
 */

import type net from "node:net";
import type { Fate } from "./chaos-client-model.js";

/** One of `items`, drawn with `rng`. */
export const pick = <T>(rng: () => number, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;

/**
 * The fate a draw `r` (uniform in [0, 1)) picks: `fatal` is how likely each of 421, close,
 * stall and (`okClose`) accept-then-close is; `pRefuse` of a refusal (5xx 65%, 4xx 35%).
 */
export function fateOf(r: number, pRefuse: number, okClose: boolean, fatal: number): Fate {
  let acc = 0;
  if (r < (acc += fatal)) return "421";
  if (r < (acc += fatal)) return "close";
  if (r < (acc += fatal)) return "stall";
  if (okClose && r < (acc += fatal)) return "okclose";
  if (r < (acc += pRefuse * 0.65)) return "perm";
  if (r < acc + pRefuse * 0.35) return "temp";
  return "ok";
}

/**
 * A reply's bytes: `code` on the last line, `otherCode` on the lines before it (a hostile
 * server's mixed codes: the reply is the last line's, RFC 5321 §4.2.1 wants them all equal).
 */
export function replyBytes(code: number, lines: readonly string[], otherCode = code): Buffer {
  const last = lines.length - 1;
  return Buffer.from(lines.map((l, i) => `${i === last ? code : otherCode}${i === last ? " " : "-"}${l}\r\n`).join(""), "latin1");
}

/** 1 to 3 seeded cut points inside `length` bytes, in order. */
export function drawCuts(rng: () => number, length: number): number[] {
  const n = 1 + Math.floor(rng() * 3);
  const cuts = Array.from({ length: n }, () => 1 + Math.floor(rng() * (length - 1)));
  return cuts.sort((a, b) => a - b);
}

/** Writes `bytes` cut at `cuts`, a turn of the event loop between pieces, after `slow` ms. */
export async function writeCut(sock: net.Socket, bytes: Buffer, cuts: readonly number[], slow: number): Promise<void> {
  if (slow) await new Promise((r) => setTimeout(r, slow));
  if (sock.destroyed) return;
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (cut <= at) continue;
    sock.write(bytes.subarray(at, cut));
    at = cut;
    if (cut < bytes.length) await new Promise((r) => setImmediate(r));
  }
}

/**
 * The replies a connection owes the client: scheduled, not yet all written. A client that
 * has seen every reply owes nothing when it writes; one that writes while a reply is owed
 * did not wait for it: allowed for commands with PIPELINING only (RFC 2920), never for a
 * message body before DATA's 354 has come (RFC 5321 §4.1.1.4).
 */
export class ReplyDebt {
  owed = 0;

  /** Runs `write` (a reply's writing) with the reply counted as owed until it is done. */
  pay(write: () => Promise<void>): () => Promise<void> {
    this.owed++;
    return () => write().finally(() => { this.owed--; });
  }
}

/**
 * Writes a connection's replies, some held back to go out with the next one (replies
 * coalesced across commands, cut anywhere, the boundary included) or, when no other comes,
 * alone on the next turn of the event loop (a client waiting for it is not left waiting).
 */
export class Coalescer {
  #held: Buffer[] = [];

  constructor(readonly sock: net.Socket) {}

  /** Writes `bytes` after `slow` ms, cut at `cuts`; `hold`: held back as above. */
  async write(bytes: Buffer, cuts: readonly number[], slow: number, hold: boolean): Promise<void> {
    if (slow) await new Promise((r) => setTimeout(r, slow));
    if (hold) {
      this.#held.push(bytes);
      setImmediate(() => this.flush());
      return;
    }
    const offset = this.#held.reduce((n, b) => n + b.length, 0);
    const all = offset === 0 ? bytes : Buffer.concat([...this.#held, bytes]);
    this.#held = [];
    await writeCut(this.sock, all, cuts.map((c) => c + offset), 0);
  }

  /** Writes what is held, if anything (before the connection is ended, say). */
  flush(): void {
    if (this.#held.length > 0 && !this.sock.destroyed) this.sock.write(Buffer.concat(this.#held));
    this.#held = [];
  }
}
