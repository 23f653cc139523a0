/**
 * The base64 framing of AUTH answers and challenges (RFC 4954 §4).
 * @module
 */

import { LONE_SURROGATE } from "./credentials.js";

/**
 * base64 of an auth object's answer: a string as UTF-8 (user names and passwords are
 * UTF-8, Python's gh-73936), a `Uint8Array` as its bytes, `null` as the empty answer.
 * Throws `TypeError` for anything else, and for a string with a lone surrogate (no UTF-8
 * form: it would go out as U+FFFD).
 */
export function encodeAuthAnswer(answer: unknown): string {
  if (answer === null) return "";
  if (typeof answer === "string") {
    if (LONE_SURROGATE.test(answer)) throw new TypeError("an auth object's answer is not well-formed Unicode (a lone surrogate has no UTF-8 form)");
    return Buffer.from(answer, "utf8").toString("base64");
  }
  if (answer instanceof Uint8Array) return Buffer.from(answer).toString("base64");
  throw new TypeError("an auth object must return a string, a Buffer or null");
}

/**
 * Decodes the text of a 334 challenge strictly: the RFC 4648 alphabet, `=` only as final
 * padding (which may be left out, as some servers do). Returns `null` when it is not
 * base64 at all, for the caller to cancel the exchange; Node's own decoder would silently
 * skip the bad characters instead.
 */
export function decodeChallenge(text: string): Buffer | null {
  const t = text.trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t)) return null;
  const valid = t.includes("=") ? t.length % 4 === 0 : t.length % 4 !== 1;
  return valid ? Buffer.from(t, "base64") : null;
}

/**
 * Decodes a LOGIN challenge (draft-murchison-sasl-login): a prompt ("Username:",
 * "Password:") that the client answers by position, as Python's `auth_login` does, whatever
 * it says. Base64 as {@link decodeChallenge} reads it; else the prompt as some servers send
 * it, in plain text, as its UTF-8 bytes (what base64 would have carried): such a server
 * would otherwise have the exchange cancelled although nothing in the prompt is used.
 */
export function decodeLoginPrompt(text: string): Buffer {
  return decodeChallenge(text) ?? Buffer.from(text.trim(), "utf8");
}
