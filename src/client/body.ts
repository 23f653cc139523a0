/**
 * Message bodies: a string, bytes, a `Readable`, a Web `ReadableStream` or any
 * `AsyncIterable<Uint8Array>`.
 * In-memory bodies are prepared once; streams are read chunk by chunk and never
 * buffered whole.
 * @module
 */

import { asBuffer, LF, LineEndingFixer, normalizeLineEndings, StuffedTextLines } from "../protocol/dot-stuff.js";
import { describeType, describeValue } from "../errors.js";

/**
 * Anything a message body may be. A Web `ReadableStream` is one of the async iterables
 * (Node's are), read with a reader of its own so that a call that stops reading it can
 * cancel it (see `abortableItems`). It is named too: in a user's project whose `lib` has
 * `DOM` without `DOM.AsyncIterable`, the global `ReadableStream` (`fetch`'s body) is the
 * DOM's, which its types do not declare async iterable.
 */
export type MessageBody = string | Uint8Array | AsyncIterable<Uint8Array | string> | ReadableStream<Uint8Array | string>;

/**
 * Makes the error for a string chunk of a body stream that is not ASCII where 8-bit data may
 * not go (see {@link streamChunks}).
 */
export type EightBitRefusal = () => Error;

/** A character outside ASCII. */
// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\x00-\x7f]/;

/** `String.prototype.isWellFormed` (ES2024, in Node 20): no lone surrogate. One native scan. */
function isWellFormed(text: string): boolean {
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/**
 * Refuses message text with a lone surrogate (half of a UTF-16 pair without the other),
 * which has no UTF-8 form: encoded, it would be U+FFFD, another message than the one given
 * (as credentials and addresses refuse it). `what` names the text in the error.
 * @throws TypeError
 */
export function checkWellFormed(text: string, what = "message"): void {
  if (!isWellFormed(text)) throw loneSurrogate(what);
}

/**
 * The bytes of a raw `send()`: a string as UTF-8, a Uint8Array as it is (copied).
 * @throws TypeError for anything else (Buffer.from would take an array, `["a"]` as one NUL
 * byte, or an ArrayBuffer), or text with a lone surrogate (see {@link checkWellFormed}).
 */
export function rawBytes(data: unknown): Buffer {
  if (typeof data === "string") {
    checkWellFormed(data, "send() data");
    return Buffer.from(data, "utf8");
  }
  if (data instanceof Uint8Array) return Buffer.from(data);
  throw new TypeError(`data must be a string or a Uint8Array, got ${describeValue(data)}`);
}

function loneSurrogate(what: string): TypeError {
  return new TypeError(`${what} is not well-formed Unicode: a lone surrogate has no UTF-8 form (it would be sent as U+FFFD)`);
}

/** True for a body that is read as a stream. */
export function isStreamBody(body: unknown): body is AsyncIterable<Uint8Array | string> {
  return typeof body === "object" && body !== null && !(body instanceof Uint8Array)
    && typeof (body as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === "function";
}

/**
 * Refuses a stream body that can no longer give the message, before anything is sent (it
 * would fail, or send an empty message, only once DATA was under way): a Web
 * `ReadableStream` that a reader holds (`locked`), a Node `Readable` already destroyed
 * (a failed call destroys the stream it read: a retry must make a new one) or read to its end,
 * a Node `Readable` in flowing mode (a "data" listener, `resume()` or `pipe()` reads it: the
 * chunks it gives them before the call reads it, after MAIL, would be missing from a
 * message then delivered cut), a one-shot stream that another call has read or is reading
 * (see {@link claimStream}).
 * @throws TypeError
 */
export function checkStreamUsable(body: object): void {
  if (body instanceof ReadableStream && body.locked) {
    throw new TypeError("message is a ReadableStream that is locked (a reader holds it): it cannot be read");
  }
  const stream = body as { destroyed?: unknown; readableEnded?: unknown; readableFlowing?: unknown };
  if (stream.readableEnded === true) throw new TypeError("message is a stream already read to its end: it would send an empty message (make a new one)");
  // Checked after the end: a Readable that ended is destroyed too (autoDestroy).
  if (stream.destroyed === true) throw new TypeError("message is a stream that was destroyed: it cannot be read (make a new one)");
  if (stream.readableFlowing === true) {
    throw new TypeError("message is a Readable in flowing mode (a \"data\" listener, resume() or pipe() reads it): the chunks it gives them would be missing from the message (pause() it, or give a stream of its own)");
  }
  if (streamsRead.has(body)) throw readAlready();
}

function readAlready(): TypeError {
  return new TypeError("message is a stream that another call has read or is reading: it cannot give the message again (make a new one)");
}

/**
 * The one-shot stream bodies (see {@link claimStream}) that a call has begun to read. A
 * second call given one would read what is left of it (nothing: an empty message sent), or,
 * at the same time on another connection, every other chunk of it.
 */
const streamsRead = new WeakSet<object>();

/**
 * Checks a stream body again as a call begins to read it (see {@link checkStreamUsable}),
 * after a wait for its turn in which another call may have read it, and marks it read when
 * it cannot be read twice: a Node `Readable` (it has `destroy`), a Web `ReadableStream`
 * (`getReader`), an iterator that is its own iterable (an async generator: it has `next`).
 * An iterable that makes a new iterator each time may be given to any number of calls.
 * @throws TypeError
 */
export function claimStream(body: object): void {
  checkStreamUsable(body);
  const stream = body as { next?: unknown; getReader?: unknown; destroy?: unknown };
  if (typeof stream.next === "function" || typeof stream.getReader === "function" || typeof stream.destroy === "function") streamsRead.add(body);
}

/**
 * The iterators of stream bodies that a call has begun to read. An iterable whose
 * `[Symbol.asyncIterator]()` hands out the same iterator each time (a wrapper around one
 * generator, a cursor of its own) is as one-shot as that iterator, which {@link claimStream}
 * cannot see in the iterable: a second call would send what is left of it (nothing, an
 * empty message), or every other chunk of it when two calls read it at once.
 */
const iteratorsRead = new WeakSet<object>();

/**
 * Marks `iterator`, just obtained from a stream body, as read by this call.
 * @throws TypeError when another call has read it or is reading it (see {@link iteratorsRead}).
 */
export function claimIterator(iterator: object): void {
  if (iteratorsRead.has(iterator)) throw readAlready();
  iteratorsRead.add(iterator);
}

/**
 * Turns an in-memory body into bytes: a string has its line endings fixed (every lone CR
 * or LF becomes CRLF, as Python's `_fix_eols`) and is encoded as UTF-8; bytes are viewed
 * as they are.
 * @throws TypeError for anything that is neither a string nor bytes, or a string with a
 * lone surrogate (see {@link checkWellFormed}).
 */
export function bodyBytes(body: string | Uint8Array): Buffer {
  if (typeof body === "string") {
    checkWellFormed(body);
    return Buffer.from(normalizeLineEndings(body), "utf8");
  }
  if (body instanceof Uint8Array) return asBuffer(body);
  throw new TypeError(`message must be a string, bytes, a Readable or an AsyncIterable, got ${describeType(body)}`);
}

/** How {@link streamChunks} reads a stream (each described there). */
export interface StreamChunksOptions {
  /** The caller's stream, when the body reads it through a wrapper (default: the body). */
  source?: object;
  /** BDAT: string chunks are text, their line ends fixed and a last line ended. */
  text?: boolean;
  /** The error for a non-ASCII string chunk where 8-bit data may not go. */
  eightBit?: EightBitRefusal | undefined;
  /** DATA with `onProgress`: string chunks get the line ends the stuffer sends. */
  lines?: boolean;
}

/**
 * Reads a stream body as Buffers, encoding string chunks as UTF-8. A string chunk that ends
 * in the first half of a surrogate pair (text cut at any UTF-16 index, inside an emoji)
 * keeps that half for the next string chunk, so the pair is encoded as one character, not
 * as two U+FFFD; a half with no other half to join is a TypeError, as in a whole string
 * (see {@link checkWellFormed}), thrown before any of its chunk is yielded. A Node
 * `Readable` given an encoding other than UTF-8 (`setEncoding("latin1")`, an `encoding`
 * option) yields its bytes decoded as that: they are encoded back with it, the bytes it read.
 * `source`: the caller's stream, when `body` reads it through a wrapper. With `text` (BDAT,
 * which sends the bytes as they are), string chunks (not the bytes decoded by such a
 * `Readable`) are text, as a string body is (API.md): every lone CR and LF in them becomes
 * CRLF, across chunks too; and a stream that ends in text (its last non-empty chunk a
 * string) gets a final CRLF when its last line has none, as a string body does
 * (`bdatParts`) and as DATA ends every message: what the server stores then does not
 * depend on whether it offers CHUNKING. A stream with no bytes in it (only empty chunks,
 * strings or bytes) is the empty message, with no line to end (`BDAT 0 LAST`, as an empty
 * string body: see `bdatParts`). Byte chunks are left untouched. With `eightBit`, the transaction takes no 8-bit data: a string chunk
 * that is not ASCII (UTF-8 beyond it is 8-bit) throws the error it makes, before any of that
 * chunk is yielded (byte chunks go as given, as in Python). With `lines` (DATA, whose
 * `onProgress` counts a string's bytes with CRLF line ends), string chunks get the line
 * ends that DATA's stuffer would give them (see `StuffedTextLines`): the same bytes go,
 * and each chunk's length is what it sends.
 * @throws TypeError for a chunk that is neither a string nor bytes, or a lone surrogate;
 * `eightBit`'s error.
 */
export async function* streamChunks(body: AsyncIterable<Uint8Array | string>, how: StreamChunksOptions = {}): AsyncGenerator<Buffer> {
  const { source = body, text = false, eightBit, lines = false } = how;
  const decoded = decodedAs(source);
  /** A high surrogate that ended the last string chunk, or "". */
  let half = "";
  /** Fixes the line ends of string chunks, with `text`. */
  const fixer = text ? new LineEndingFixer() : undefined;
  /** Gives string chunks the line ends DATA's stuffer sends, with `lines`. */
  const stuffed = lines && !text ? new StuffedTextLines() : undefined;
  /** With `text`: the last byte yielded (-1 for none), and whether the stream ends in text. */
  let lastByte = -1;
  let endsInText = false;
  const out = (bytes: Buffer, isText: boolean): Buffer => {
    if (fixer === undefined) return bytes;
    if (bytes.length > 0) {
      lastByte = bytes[bytes.length - 1]!;
      endsInText = isText;
      if (!isText) fixer.reset();
    }
    return bytes;
  };
  for await (const chunk of body) {
    if (typeof chunk === "string" && decoded !== undefined) {
      const bytes = Buffer.from(chunk, decoded);
      if (stuffed?.bytes(bytes)) yield Buffer.of(LF); // the LF a text chunk's CR is owed (see StuffedTextLines)
      yield out(bytes, false);
    } else if (typeof chunk === "string") {
      const joined = half === "" ? chunk : half + chunk;
      const end = joined.length - 1;
      half = isHighSurrogate(joined.charCodeAt(end)) ? joined[end]! : "";
      const whole = half === "" ? joined : joined.slice(0, end);
      // One scan: text that is ASCII is well formed too.
      if (eightBit === undefined ? !isWellFormed(whole) : NON_ASCII.test(joined)) throw isWellFormed(whole) ? eightBit!() : loneSurrogate("message stream chunk");
      yield out(Buffer.from(fixer !== undefined ? fixer.push(whole) : stuffed !== undefined ? stuffed.text(whole) : whole, "utf8"), true);
    } else if (chunk instanceof Uint8Array) {
      if (half !== "") throw loneSurrogate("message stream chunk");
      if (stuffed?.bytes(chunk)) yield Buffer.of(LF); // the LF a text chunk's CR is owed (see StuffedTextLines)
      yield out(asBuffer(chunk), false);
    } else throw new TypeError(`message stream yielded ${typeof chunk}: expected bytes or strings`);
  }
  if (half !== "") throw loneSurrogate("message stream chunk");
  if (stuffed?.end()) yield Buffer.of(LF); // the LF a text chunk's CR is owed (see StuffedTextLines)
  // Text chunks have CRLF line ends (the fixer's): one that ends in LF ends in CRLF.
  if (endsInText && lastByte !== LF) yield Buffer.from("\r\n", "latin1");
}

/**
 * The encoding a Node `Readable` decodes its bytes with (`readableEncoding`) when it is not
 * UTF-8, whose strings are encoded as any other; `undefined` for any other body.
 */
function decodedAs(body: object): BufferEncoding | undefined {
  const encoding = (body as { readableEncoding?: unknown }).readableEncoding;
  if (typeof encoding !== "string" || !Buffer.isEncoding(encoding)) return undefined;
  return /^utf-?8$/i.test(encoding) ? undefined : encoding;
}

/** True for the first half of a UTF-16 surrogate pair (NaN, past the end, is not). */
function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
