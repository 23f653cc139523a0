/**
 * Credentials that a server echoes back. A reply to an AUTH line (or to an answer to a
 * challenge) may quote what it refused ("535 5.7.8 bad credentials <base64>", a proxy
 * repeating the line); the credentials the client masks in its own lines must not reach
 * the debug transcript or an error message through that reply.
 * @module
 */
import { makeReply, type SMTPReply } from "./reply.js";

const MASK = "****";

/**
 * The credential part of an AUTH exchange's line: what `logAs` (the line as traces show
 * it, e.g. `AUTH PLAIN ****` or `****`) hides of `line`; undefined when it hides nothing,
 * or less than 4 characters (`=`, an empty initial response), too short to be told apart
 * from ordinary text.
 */
export function sentSecret(line: string, logAs: string | undefined): string | undefined {
  if (logAs === undefined || logAs === line || !logAs.endsWith(MASK)) return undefined;
  const shown = logAs.slice(0, -MASK.length);
  if (!line.startsWith(shown)) return undefined;
  const secret = line.slice(shown.length);
  return secret.length >= 4 ? secret : undefined;
}

/** `text` with every occurrence of `secret` replaced by `****` (as it is when `secret` is undefined). */
export function hideSecret(text: string, secret: string | undefined): string {
  return secret === undefined || !text.includes(secret) ? text : text.split(secret).join(MASK);
}

/** `reply` with `secret` masked in its text; the same object when the secret is not in it. */
export function hideInReply(reply: SMTPReply, secret: string | undefined): SMTPReply {
  if (secret === undefined || !reply.lines.some((line) => line.includes(secret))) return reply;
  return makeReply(reply.code, reply.lines.map((line) => hideSecret(line, secret)));
}
