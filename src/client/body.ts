/**
 * Message bodies: a string, bytes, a `Readable` or any `AsyncIterable<Uint8Array>`.
 * In-memory bodies are prepared once; streams are read chunk by chunk and never
 * buffered whole.
 * @module
 */

import { asBuffer, normalizeLineEndings } from "../protocol/dot-stuff.js";

/** Anything a message body may be. */
export type MessageBody = string | Uint8Array | AsyncIterable<Uint8Array | string>;

/** True for a body that is read as a stream. */
export function isStreamBody(body: unknown): body is AsyncIterable<Uint8Array | string> {
  return typeof body === "object" && body !== null && !(body instanceof Uint8Array)
    && typeof (body as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === "function";
}

/**
 * Turns an in-memory body into bytes: a string has its line endings fixed (every lone CR
 * or LF becomes CRLF, as Python's `_fix_eols`) and is encoded as UTF-8; bytes are viewed
 * as they are.
 * @throws TypeError for anything that is neither a string nor bytes.
 */
export function bodyBytes(body: string | Uint8Array): Buffer {
  if (typeof body === "string") return Buffer.from(normalizeLineEndings(body), "utf8");
  if (body instanceof Uint8Array) return asBuffer(body);
  throw new TypeError(`message must be a string, bytes, a Readable or an AsyncIterable, got ${typeof body}`);
}

/**
 * Reads a stream body as Buffers, encoding string chunks as UTF-8.
 * @throws TypeError for a chunk that is neither a string nor bytes.
 */
export async function* streamChunks(body: AsyncIterable<Uint8Array | string>): AsyncGenerator<Buffer> {
  for await (const chunk of body) {
    if (typeof chunk === "string") yield Buffer.from(chunk, "utf8");
    else if (chunk instanceof Uint8Array) yield asBuffer(chunk);
    else throw new TypeError(`message stream yielded ${typeof chunk}: expected bytes or strings`);
  }
}
