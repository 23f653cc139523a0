/**
 * The message `smtplib send` sends: a test message, or a file or stdin streamed (never read
 * whole), with its size when it can be known, and the bound of the server's SIZE limit.
 * @module
 */
import { close, constants, createReadStream, fstat, fstatSync, open, read, readFileSync, type Stats } from "node:fs";
import { stat } from "node:fs/promises";
import { Socket } from "node:net";
import { Readable } from "node:stream";
import { isatty } from "node:tty";
import { promisify } from "node:util";
import { escapeControl } from "../errors.js";
import { EightBitError, firstEightBit, type EightBitScan } from "./eight-bit.js";
import { asBuffer } from "../protocol/bytes.js";
import { LF, LineEndingFixer, NormalizedLength } from "../protocol/dot-stuff.js";
import { paramValue } from "../protocol/params.js";
import { BlindFieldScan } from "../protocol/blind-field-scan.js";
import type { SendCommand } from "./args.js";
import { blindFieldWarner } from "./blind-field-warning.js";
import { GivenBytes } from "./given-bytes.js";
import { ReadAhead, type AheadScan } from "./read-ahead.js";
import type { Stall } from "./stalled-input.js";
import { ENDLESS_DEVICE, isEndlessDevice, isTerminalPath } from "./input-device.js";
import type { Progress } from "./progress.js";
import { composedMessage } from "./composed-message.js";
const openFd = promisify(open);
const fstatFd = promisify(fstat);
const closeFd = promisify(close);
const readFd = promisify(read);
/** The piece a file is scanned in for its size with CRLF line ends (see {@link sizeOf}). */
const SCAN_PIECE = 1024 * 1024;

/**
 * Shows the pass over a file that counts its size as sent (`what`: what is read, `length`:
 * its bytes), told the bytes read as they are and stopped at its end; undefined: not shown.
 */
export type ScanDisplay = (what: string, length: number) => Progress | undefined;

/** The message could not be read (exit code 7), even once sending had begun. */
export class MessageReadError extends Error {}

/**
 * The message read so far is over the limit the server advertised with SIZE (RFC 1870): it
 * would refuse it once it had all of it, so sending stops (an endless pipe would otherwise
 * be streamed forever). Its bytes only grow on the wire (CRLF, dot-stuffing).
 */
export class MessageTooLargeError extends Error {
  /**
   * @param limit the server's SIZE, in bytes.
   * @param bytesRead how much of the message had been read when sending stopped.
   * @param bytesSent how much that is as sent (line ends made CRLF): what passed the limit.
   */
  constructor(readonly limit: number, readonly bytesRead: number, readonly bytesSent = bytesRead) {
    // the size as sent is what passed the limit: the bytes read alone may be under it
    const read = bytesSent === bytesRead ? "" : ` (${bytesRead} bytes read)`;
    super(`the message is larger than the server's limit (SIZE ${limit} bytes): sending stopped at ${bytesSent} bytes as sent${read}, and nobody got it`);
    this.name = "MessageTooLargeError";
  }
}

/** Whether a message stream is being waited on (set while its next chunk has not come), and how much it gave. */
interface ReadState {
  waiting: boolean;
  bytes: number;
  /** True once the stream has ended (every byte of it read). */
  ended: boolean;
  /**
   * Most bytes read before {@link MessageTooLargeError} (undefined: no bound), asked when the
   * first chunk comes: the server's SIZE is known only once it has been greeted.
   */
  limit?: () => number | undefined;
  /** True when 8-bit bytes may not go (the server lacks 8BITMIME): asked as {@link limit}, and {@link EightBitError} at the first. */
  sevenBitOnly?: () => boolean;
  /** Called when it ends. */
  onEnd?: () => void;
  /** The bytes yielded, as bytes read (line ends made CRLF add some). */
  readonly given: GivenBytes;
  /** How many bytes have been yielded: what the server's SIZE limit bounds. */
  yielded: number;
  /**
   * The bytes a regular file had when sending began (its size is declared from them): a file
   * that ends with another count changed while it was sent (being written, or cut), and is
   * not sent as if whole. Undefined: not known (a pipe).
   */
  readonly expected?: number | undefined;
  /** Told the name of a Bcc or Resent-Bcc field in the header section, before any byte is yielded (see {@link readOrFail}). */
  readonly onBlindField?: ((name: string) => void) | undefined;
  /** True while the bytes read are held for {@link onBlindField}'s scan, none yielded yet. */
  holding: boolean;
}

/**
 * Reads `body`, turning a read error into a {@link MessageReadError}; `state.waiting` while a
 * chunk is awaited; {@link MessageTooLargeError} once more than `state.limit` bytes came.
 * With `lines` (any message but a `BODY=BINARYMIME` one), every lone CR and LF becomes CRLF
 * and an unended last line is ended (RFC 5322 §2.3), as DATA sends any message: BDAT sends
 * bytes as they are, and a file with Unix line ends would reach a server that offers
 * CHUNKING with bare LFs. Its other bytes (8-bit ones too) are kept; `state.bytes` counts
 * the bytes read, and `state.given` maps what is yielded back to them. With
 * `state.onBlindField`, the first bytes are held (at most the header section, or 64 KiB of
 * it: {@link BlindFieldScan}) until it is known whether a Bcc field is among them, which it
 * is told of before any of them is yielded: sent as they are, they go to every recipient.
 */
async function* readOrFail(body: AsyncIterable<Uint8Array>, state: ReadState, lines: boolean): AsyncGenerator<Uint8Array> {
  const chunks = body[Symbol.asyncIterator]();
  const fixer = lines ? new LineEndingFixer() : undefined;
  let lastByte = -1;
  let limit: number | undefined;
  let sevenBit = false;
  let held: { readonly scan: BlindFieldScan; readonly chunks: Uint8Array[] } | undefined = state.onBlindField === undefined ? undefined : { scan: new BlindFieldScan(), chunks: [] };
  state.holding = held !== undefined;
  // the chunks held, once the scan is over (the field named first, when it found one)
  const release = (): Uint8Array[] => {
    const { scan, chunks } = held!;
    held = undefined;
    state.holding = false;
    scan.end();
    if (scan.found !== undefined) state.onBlindField?.(scan.found);
    return chunks;
  };
  // `given` bytes about to be yielded for `read` bytes read: mapped back for the progress
  // display, and counted against the server's SIZE (the message as it goes, CRLF line ends)
  const yielding = (given: number, read: number): void => {
    state.given.add(given, read);
    state.yielded += given;
    if (limit !== undefined && state.yielded > limit) throw new MessageTooLargeError(limit, state.bytes, state.yielded);
  };
  try {
    for (;;) {
      state.waiting = true;
      const next = await chunks.next();
      state.waiting = false;
      if (next.done === true) {
        if (state.expected !== undefined && state.bytes !== state.expected) {
          throw new Error(`it changed size while it was sent (${state.expected} bytes when sending began, ${state.bytes > state.expected ? "more" : state.bytes} read): it was not sent whole`);
        }
        if (held !== undefined) yield* release();
        state.ended = true;
        if (fixer !== undefined && lastByte !== -1 && lastByte !== LF) {
          yielding(2, 0);
          yield Buffer.from("\r\n", "latin1");
        }
        state.onEnd?.();
        return;
      }
      const chunk = fixer === undefined ? next.value : withCrlf(fixer, next.value);
      if (chunk.length > 0) lastByte = chunk[chunk.length - 1]!;
      if (state.bytes === 0) {
        limit = state.limit?.();
        sevenBit = state.sevenBitOnly?.() === true;
      }
      const eightBit = sevenBit ? firstEightBit(next.value) : -1;
      if (eightBit !== -1) throw new EightBitError(state.bytes + eightBit, true);
      state.bytes += next.value.length;
      yielding(chunk.length, next.value.length);
      if (held === undefined) {
        yield chunk;
        continue;
      }
      held.chunks.push(chunk);
      if (held.scan.push(chunk)) yield* release();
    }
  } catch (e) {
    state.waiting = false;
    if (e instanceof MessageTooLargeError || e instanceof EightBitError) throw e;
    throw new MessageReadError(`cannot read the message: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  } finally {
    await chunks.return?.();
  }
}

/**
 * `bytes` with the line ends `fixer` gives them: read as latin1, one character per byte, so
 * that only line ends change; the same bytes, uncopied, when none does (a file with CRLF
 * line ends).
 */
function withCrlf(fixer: LineEndingFixer, bytes: Uint8Array): Uint8Array {
  const text = asBuffer(bytes).toString("latin1");
  const fixed = fixer.push(text);
  return fixed === text ? bytes : Buffer.from(fixed, "latin1");
}

/** A message read from a stream: its chunks (read errors as {@link MessageReadError}) and the stream itself. */
export interface StreamedMessage extends AsyncIterable<Uint8Array> {
  /**
   * Destroys the stream. The library calls it on a body that stalls (a wait for its next chunk
   * cannot be ended otherwise), and send when it ends: a stream left reading (stdin kept open
   * by its writer) would keep the process alive after send has failed.
   */
  destroy(): void;
  /** Set once the stream was destroyed while its next chunk was awaited (the message stopped coming): how far it had come. */
  stalled(): Stall | undefined;
  /** How many bytes have been read from it. */
  bytesRead(): number;
  /** How many bytes read the first `given` bytes it yielded come from (its line ends made CRLF add some): for the progress display. */
  readFor(given: number): number;
  /** True once it has ended: {@link bytesRead} is the whole message. */
  ended(): boolean;
  /** Calls `listener` when it ends. */
  onEnd(listener: () => void): void;
  /**
   * Reading more than `bytes()` bytes fails with {@link MessageTooLargeError} (the server's
   * SIZE; undefined: no bound), asked when the first chunk has been read.
   */
  limit(bytes: () => number | undefined): void;
  /** `only()` true (asked when the first chunk has been read): its first 8-bit byte fails it with {@link EightBitError}. */
  sevenBitOnly(only: () => boolean): void;
  /** Reads up to `limit` bytes ahead, before it is iterated, until `stop` aborts (see {@link ReadAhead.fill}). */
  readAhead(limit: number, stop: AbortSignal): Promise<AheadScan>;
}

/**
 * `stream` as the message; `lines`: with CRLF line ends, `warn`: writes the warning for a Bcc field (see {@link readOrFail}); `expected`:
 * the bytes it has (a regular file's), any other count failing it at its end.
 */
function streamedMessage(stream: Readable, lines: boolean, warn: ((text: string) => void) | undefined, expected?: number): StreamedMessage {
  const state: ReadState = { waiting: false, bytes: 0, ended: false, given: new GivenBytes(), yielded: 0, expected, onBlindField: warn === undefined ? undefined : blindFieldWarner(warn), holding: false };
  let stalled: Stall | undefined;
  const source = new ReadAhead(stream);
  return {
    [Symbol.asyncIterator]: () => readOrFail(source, state, lines),
    destroy: () => {
      if (state.waiting) stalled ??= { read: state.bytes, held: state.holding };
      stream.destroy();
    },
    stalled: () => stalled,
    bytesRead: () => state.bytes,
    readFor: (given) => state.given.read(given),
    ended: () => state.ended,
    onEnd: (listener) => { state.onEnd = listener; },
    limit: (bytes) => { state.limit = bytes; },
    sevenBitOnly: (only) => { state.sevenBitOnly = only; },
    readAhead: (limit, stop) => source.fill(limit, stop),
  };
}

/**
 * The message body and its size: a test message made from --subject/--body, or a file or
 * stdin, both streamed, never read whole. A directory (as --file or on stdin) is refused
 * before connecting; stdin redirected from a file has a size too: what is left of it from
 * the position stdin is at (when it can be known: Linux), not the whole file's.
 * `scan` shows the pass over a regular file that counts its size (see {@link sizeOf}); `warn` writes a warning line (for a Bcc field in the header section of a file or stdin: see {@link readOrFail}).
 * With `defer`, that pass is not awaited: it runs meanwhile (the caller connects), and
 * `sizing` resolves to the size (rejecting with what reading failed with, or the signal's
 * reason once `defer` aborts: the pass stops then); no `size` is given.
 * @throws TypeError (a usage error) for a device other than a terminal or /dev/null, as
 *   --file or on stdin: `/dev/zero` and `/dev/urandom` have no end, the message none either.
 */
export async function openMessage(cmd: SendCommand, stdinStats: Stats | undefined, scan?: ScanDisplay, defer?: AbortSignal, warn?: (text: string) => void): Promise<OpenedMessage> {
  const file = cmd.file;
  // a binary body (RFC 3030 §3) goes as given; any other gets CRLF line ends
  const lines = paramValue(cmd.mailOptions, "BODY")?.toUpperCase() !== "BINARYMIME";
  // a test message; with files read as sent, streamed as --file is, its size and 8-bit bytes known (any other count fails it)
  const composed = cmd.compose === undefined ? undefined : await composedMessage({ ...cmd, compose: cmd.compose });
  if (composed !== undefined) return "stream" in composed ? { body: streamedMessage(Readable.from(composed.stream, { objectMode: false }), false, undefined, composed.size), size: composed.size, scan: composed.scan } : composed;
  if (file !== undefined) {
    const info = await stat(file);
    if (info.isDirectory()) throw new Error(`${file} is a directory`);
    if (info.isFIFO()) return { body: streamedMessage(await openFifo(file), lines, warn) };
    if (isEndlessDevice(info, () => isTerminalPath(file))) throw new TypeError(`--file ${file} is ${ENDLESS_DEVICE}`);
    // A regular file: one byte past its size is read at most, enough to tell that it grew.
    // One of size 0 may have text all the same (/proc/version): its size is not known.
    const sized = info.isFile() && info.size > 0;
    const stream = createReadStream(file, { highWaterMark: 64 * 1024, ...(sized ? { end: info.size } : {}) });
    await new Promise<void>((resolve, reject) => stream.once("open", () => resolve()).once("error", reject));
    const body = streamedMessage(stream, lines, warn, sized ? info.size : undefined);
    if (!sized) return { body };
    const found: EightBitScan = { done: false };
    return sizeResult(body, fileSize(file, 0, info.size, lines, () => scan?.(`reading ${escapeControl(file)} for its size as sent`, info.size), found, defer), found, defer);
  }
  // fstat again only when the first look failed, for its error
  const stdin = stdinStats ?? fstatSync(0);
  // Node gives a directory on stdin (`< dir`) as an empty stream: an empty message, sent as if read.
  if (stdin.isDirectory()) throw new Error("stdin is a directory");
  if (isEndlessDevice(stdin, () => isatty(0))) throw new TypeError(`stdin is ${ENDLESS_DEVICE}`);
  // (a regular file of size 0 may have text all the same: /proc/version)
  const left = stdin.isFile() && stdin.size > 0 ? sizeFromPosition(stdin.size, stdinPosition()) : undefined;
  const body = streamedMessage(process.stdin, lines, warn, left);
  if (left === undefined) return { body };
  const found: EightBitScan = { done: false };
  return sizeResult(body, sizeOf(0, stdin.size - left, left, lines, () => scan?.("reading stdin for its size as sent", left), found, defer), found, defer);
}

/** What {@link openMessage} opened: the body, and its size as sent when known (or being counted). */
export interface OpenedMessage {
  /** The message: bytes (a test message) or streamed (a file, a pipe, stdin). */
  readonly body: Uint8Array | StreamedMessage;
  /** The size as sent, when known now. */
  readonly size?: number;
  /** The size as sent, being counted (openMessage's `defer`): rejects as the pass fails or is stopped. */
  readonly sizing?: Promise<number>;
  /** What the pass over a file found of 8-bit bytes, once its size is known (done: false when it did not read it all). */
  readonly scan?: EightBitScan;
}

/** `counting` awaited (no `defer`) as `size`, or handed on as `sizing`. */
async function sizeResult(body: StreamedMessage, counting: Promise<number>, scan: EightBitScan, defer: AbortSignal | undefined): Promise<OpenedMessage> {
  if (defer === undefined) return { body, size: await counting, scan };
  // awaited later, or never (the connection failed first): not an unhandled rejection meanwhile
  counting.catch(() => undefined);
  return { body, sizing: counting, scan };
}

/**
 * The size of `length` bytes of the regular file `file` as they are sent (see {@link sizeOf}),
 * declared as SIZE= and shown as the progress bar's total.
 */
async function fileSize(file: string, start: number, length: number, lines: boolean, display: () => Progress | undefined, found: EightBitScan, stop?: AbortSignal): Promise<number> {
  if (!lines || length === 0) return length;
  const fd = await openFd(file, constants.O_RDONLY);
  try {
    return await sizeOf(fd, start, length, lines, display, found, stop);
  } finally {
    await closeFd(fd);
  }
}

/**
 * The size of `length` bytes of the regular file open as `fd` from `start`, as they are sent:
 * with `lines`, its lone CRs and LFs made CRLF and an unended last line ended, as
 * {@link readOrFail} sends them (a file with Unix line ends goes out larger than it is, and
 * a SIZE= of its length would let a server whose limit lies between the two refuse it only
 * once it had all of it). One scan, {@link SCAN_PIECE} at a time (a file of gigabytes is
 * never held), read at positions (stdin's position is left where it is). It takes seconds
 * for gigabytes (about 0.5 s a GB from the page cache, a disk's speed otherwise, more for
 * short lines): `display` (called once the pass begins) shows it. `stop` ends it between
 * pieces (rejecting with its reason), and erases the display at once. `found` is given the
 * offset of its first 8-bit byte (see ./eight-bit.ts), and `done` once it read them all.
 */
async function sizeOf(fd: number, start: number, length: number, lines: boolean, display: () => Progress | undefined, found: EightBitScan, stop?: AbortSignal): Promise<number> {
  if (!lines || length === 0) return length;
  const counter = new NormalizedLength();
  const piece = Buffer.allocUnsafe(Math.min(SCAN_PIECE, length));
  const shown = display();
  // erased at once when stopped (send is about to write an error line), not after a piece more
  const erase = (): void => shown?.stop();
  stop?.addEventListener("abort", erase, { once: true });
  try {
    for (let done = 0; done < length;) {
      stop?.throwIfAborted();
      const { bytesRead } = await readFd(fd, piece, 0, Math.min(piece.length, length - done), start + done);
      // a file cut short meanwhile: what is left of it is what goes
      if (bytesRead === 0) break;
      counter.push(piece.subarray(0, bytesRead));
      const eightBit = found.eightBitAt === undefined ? firstEightBit(piece.subarray(0, bytesRead)) : -1;
      if (eightBit !== -1) found.eightBitAt = done + eightBit;
      done += bytesRead;
      shown?.add(bytesRead);
    }
  } finally {
    stop?.removeEventListener("abort", erase);
    shown?.stop();
  }
  found.done = true;
  return counter.ended();
}

/**
 * Where stdin is in the file it reads (`{ head -c 100 >/dev/null; smtplib send; } < file`
 * leaves it past 100 bytes, and the message is what follows): Linux's /proc/self/fdinfo/0
 * says; undefined where nothing says.
 */
function stdinPosition(): number | undefined {
  try {
    const pos = /^pos:\s*(\d+)$/m.exec(readFileSync("/proc/self/fdinfo/0", "latin1"))?.[1];
    return pos === undefined ? undefined : Number(pos);
  } catch {
    return undefined;
  }
}

/** The bytes left of a file of `size` read from `position`; undefined when the position is unknown. */
function sizeFromPosition(size: number, position: number | undefined): number | undefined {
  if (position === undefined) return undefined;
  return Math.max(0, size - position);
}

/**
 * A named pipe given as --file, read through the event loop as a socket (as stdin is when it
 * is a pipe), not with `createReadStream`: its blocking reads in libuv's threadpool could not
 * be ended, so a writer that stalls with the pipe held open kept the process alive after send
 * had failed (and its open waited for a writer forever, before anything was sent). Opened
 * non-blocking, it is waited on like any stream: a writer that never comes, or stops writing,
 * meets the library's `dataBlock` limit once the message is due (exit 7), and destroying the
 * socket closes the descriptor at once. Its writer closing it, even mid-line, ends the message.
 */
async function openFifo(file: string): Promise<Readable> {
  // A bare descriptor, not a FileHandle: one garbage-collected would close it under the socket.
  const fd = await openFd(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    // The path may have changed between stat and open: only a pipe is read this way.
    if (!(await fstatFd(fd)).isFIFO()) throw new Error(`${file} changed while it was opened`);
    // The socket owns the descriptor from here (libuv closes it with the handle).
    return new Socket({ fd, readable: true, writable: false });
  } catch (e) {
    await closeFd(fd);
    throw e;
  }
}
