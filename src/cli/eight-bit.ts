/**
 * A message with 8-bit bytes (RFC 6152): it may go only to a server that offers 8BITMIME (or
 * SMTPUTF8, which implies it), declared with `BODY=8BITMIME`. `send` sends a file or stdin as
 * its bytes are, so it checks: a file's bytes in the pass that counts its size (before MAIL),
 * a pipe's first MiB read ahead (before MAIL) and the rest as it comes (sending stops at the
 * first 8-bit byte, before the end of data).
 * @module
 */
import { sizeLimit } from "../protocol/ehlo.js";
import { hasEightBitData } from "../protocol/message.js";
import { paramValue } from "../protocol/params.js";
import type { Client } from "./connect.js";
import type { OpenedMessage, StreamedMessage } from "./message-input.js";

/** What the pass over a file found: the offset of its first 8-bit byte, if any; `done` once the whole file was read. */
export interface EightBitScan {
  eightBitAt?: number;
  done: boolean;
}

/**
 * The message has 8-bit bytes and the server offers neither 8BITMIME nor SMTPUTF8: it is not
 * sent (found before MAIL), or sending stops before its end of data (a pipe), so nobody gets
 * it. Exit 4, as for a server that lacks SMTPUTF8.
 */
export class EightBitError extends Error {
  /**
   * @param offset where the first 8-bit byte is, in the bytes read.
   * @param streaming true when part of the message had been sent (a pipe), false when nothing was.
   */
  constructor(readonly offset: number, streaming: boolean) {
    super(`the message has 8-bit bytes (the first at offset ${offset}) and the server offers neither 8BITMIME nor SMTPUTF8 (RFC 6152): ${streaming ? "sending stopped there, and nobody got it" : "it was not sent"}; encode it as 7-bit (quoted-printable or base64), or send it through a server that offers 8BITMIME`);
    this.name = "EightBitError";
  }
}

/** The index of the first byte of `bytes` over 127; -1 when there is none. */
export function firstEightBit(bytes: Uint8Array): number {
  if (!hasEightBitData(bytes)) return -1;
  return bytes.findIndex((b) => b > 127);
}

/** Whether 8-bit bytes may go: the server offers 8BITMIME or SMTPUTF8, or `--mail-option BODY=...` declares them (the server answers it). */
export function eightBitAllowed(features: ReadonlyMap<string, string>, mailOptions: readonly string[]): boolean {
  const body = paramValue(mailOptions, "BODY")?.toUpperCase();
  return features.has("8bitmime") || features.has("smtputf8") || body === "8BITMIME" || body === "BINARYMIME";
}

/**
 * The MAIL parameters for a message whose bytes `scan` read (undefined: not scanned): a
 * file's pass counts once it read them all; a pipe's read-ahead (`readAhead`) counts as far
 * as it read. `BODY=8BITMIME` is added, when the server offers 8BITMIME and no `BODY=` is
 * given, for 8-bit bytes found (RFC 6152 §3: the client declares them) and for a pipe whose
 * rest is unknown before MAIL (RFC 6152 lets a 7-bit body be declared so).
 * @throws EightBitError when 8-bit bytes were found that may not go (nothing sent yet).
 */
export function mailOptionsFor(mailOptions: readonly string[], features: ReadonlyMap<string, string>, scan: EightBitScan | undefined, readAhead = false): string[] {
  const at = scan?.done === true || readAhead ? scan?.eightBitAt : undefined;
  if (at !== undefined && !eightBitAllowed(features, mailOptions)) throw new EightBitError(at, false);
  const declare = at !== undefined || (readAhead && scan?.done === false);
  return declare && paramValue(mailOptions, "BODY") === undefined && features.has("8bitmime") ? [...mailOptions, "BODY=8BITMIME"] : [...mailOptions];
}

/** How much of a pipe is read ahead before MAIL to look for 8-bit bytes (see {@link serverBounds}): at most this, plus a chunk, held in memory. */
export const READ_AHEAD_BYTES = 1024 * 1024;

/**
 * How long that read-ahead waits for a pipe's writer before MAIL goes all the same, at most:
 * `--timeout` when shorter (each step's limit; also how long the input may stall once sent).
 */
const READ_AHEAD_MS = 2_000;

/**
 * The first bytes of a pipe, read ahead (at most {@link READ_AHEAD_BYTES}, for at most
 * {@link READ_AHEAD_MS} or `timeout`, the shorter): the offset of the first 8-bit byte among
 * them, and `done` when they are the whole message.
 */
async function scanAhead(body: StreamedMessage, timeout: number | undefined): Promise<EightBitScan> {
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), Math.min(READ_AHEAD_MS, timeout ?? READ_AHEAD_MS));
  try {
    const { ended, chunks } = await body.readAhead(READ_AHEAD_BYTES, stop.signal);
    let offset = 0;
    for (const chunk of chunks) {
      const at = firstEightBit(chunk);
      if (at !== -1) return { done: ended, eightBitAt: offset + at };
      offset += chunk.length;
    }
    return { done: ended };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * What the server takes, from its EHLO features: a streamed message is bounded by its SIZE
 * (a stream past it would be refused once whole: an endless pipe, never) and, where 8-bit
 * bytes may not go, stopped at the first; returns the MAIL parameters ({@link mailOptionsFor}).
 * A file found to have 8-bit bytes is checked now, after EHLO (sent here, before deliver's
 * MAIL); a stream's limits are asked when its first chunk comes, after EHLO too. A pipe
 * (no `BODY=` given) is read ahead ({@link scanAhead}, within `timeout`, `--timeout`, when
 * shorter than its own limit) and its first bytes checked as a
 * file's; when they are not the whole message, a server that offers 8BITMIME gets
 * `BODY=8BITMIME` (RFC 6152 lets a 7-bit body be declared so), and one that does not, the
 * check as the rest comes.
 * @throws EightBitError for a file, or a pipe's first bytes, with 8-bit bytes that may not go (nothing sent yet).
 */
export async function serverBounds(message: OpenedMessage, client: Client, given: readonly string[], timeout?: number): Promise<string[]> {
  const body = message.body;
  const pipe = message.scan === undefined && !(body instanceof Uint8Array) && paramValue(given, "BODY") === undefined;
  if (message.scan?.eightBitAt !== undefined || pipe) await client.ehloOrHeloIfNeeded();
  const scan = pipe ? await scanAhead(body, timeout) : message.scan;
  const mailOptions = mailOptionsFor(given, client.esmtpFeatures, scan, pipe);
  if (body instanceof Uint8Array) return mailOptions;
  // read when the first chunk comes: EHLO (deliver's) has replaced the features by then
  body.limit(() => sizeLimit(client.esmtpFeatures));
  body.sevenBitOnly(() => !eightBitAllowed(client.esmtpFeatures, mailOptions));
  return mailOptions;
}
