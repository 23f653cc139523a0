/**
 * A message with 8-bit bytes (RFC 6152): it may go only to a server that offers 8BITMIME (or
 * SMTPUTF8, which implies it), declared with `BODY=8BITMIME`. `send` sends a file or stdin as
 * its bytes are, so it checks: a file's bytes in the pass that counts its size (before MAIL),
 * a pipe's as they come (sending stops at the first 8-bit byte, before the end of data).
 * @module
 */
import { sizeLimit } from "../protocol/ehlo.js";
import { hasEightBitData } from "../protocol/message.js";
import { paramValue } from "../protocol/params.js";
import type { Client } from "./connect.js";
import type { OpenedMessage } from "./message-input.js";

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
 * The MAIL parameters for a message whose file `scan` read (undefined: not scanned, a pipe):
 * `BODY=8BITMIME` added when it has 8-bit bytes, the server offers 8BITMIME and no `BODY=` is
 * given (RFC 6152 §3: the client declares them).
 * @throws EightBitError when it has 8-bit bytes that may not go (nothing sent yet).
 */
export function mailOptionsFor(mailOptions: readonly string[], features: ReadonlyMap<string, string>, scan: EightBitScan | undefined): string[] {
  const at = scan?.done === true ? scan.eightBitAt : undefined;
  if (at === undefined) return [...mailOptions];
  if (!eightBitAllowed(features, mailOptions)) throw new EightBitError(at, false);
  return paramValue(mailOptions, "BODY") === undefined && features.has("8bitmime") ? [...mailOptions, "BODY=8BITMIME"] : [...mailOptions];
}

/**
 * What the server takes, from its EHLO features: a streamed message is bounded by its SIZE
 * (a stream past it would be refused once whole: an endless pipe, never) and, where 8-bit
 * bytes may not go, stopped at the first; returns the MAIL parameters ({@link mailOptionsFor}).
 * A file found to have 8-bit bytes is checked now, after EHLO (sent here, before deliver's
 * MAIL); a stream's limits are asked when its first chunk comes, after EHLO too.
 * @throws EightBitError for a file with 8-bit bytes that may not go (nothing sent yet).
 */
export async function serverBounds(message: OpenedMessage, client: Client, given: readonly string[]): Promise<string[]> {
  if (message.scan?.eightBitAt !== undefined) await client.ehloOrHeloIfNeeded();
  const mailOptions = mailOptionsFor(given, client.esmtpFeatures, message.scan);
  if (message.body instanceof Uint8Array) return mailOptions;
  // read when the first chunk comes: EHLO (deliver's) has replaced the features by then
  message.body.limit(() => sizeLimit(client.esmtpFeatures));
  message.body.sevenBitOnly(() => !eightBitAllowed(client.esmtpFeatures, mailOptions));
  return mailOptions;
}
