/**
 * The DATA transparency procedure (RFC 5321 §4.5.2) as a streaming transform: every lone
 * CR and lone LF becomes CRLF, and a line that starts with "." gets another ".", with the
 * state carried across chunk boundaries. Normalising bare CR/LF closes the SMTP-smuggling
 * shapes (a "." after a bare CR or LF) that Python lets through. Pure: no I/O.
 *
 * Text that already has CRLF endings and no leading dots passes through without a copy.
 * @module
 */

import { asBuffer } from "./bytes.js";
import { loadKernel, type StuffKernel } from "./dot-stuff-wasm.js";
import { allocFromSlab } from "./slab.js";

/** The carriage return and line feed octets. */
export const CR = 0x0d;
/** See {@link CR}. */
export const LF = 0x0a;
const DOT = 0x2e;
const END_AT_LINE_START = Buffer.from(".\r\n", "latin1");
const END_MID_LINE = Buffer.from("\r\n.\r\n", "latin1");

/** State bit: the next byte starts a line. */
const LINE_START = 1;
/** State bit: the last byte was a CR, already sent as CRLF (an LF next is dropped). */
const AFTER_CR = 2;

export { asBuffer };

/** Where a stuffed chunk is copied: a buffer of exactly `length` bytes (contents undefined). */
export type Allocate = (length: number) => Buffer;

/** An edit: insert byte `kind` (0 ".", 1 CR, 2 LF) before position `pos`, packed as pos * 4 + kind. */
const INSERTED = [DOT, CR, LF];

/** Options of a {@link DotStuffer}. */
export interface DotStufferOptions {
  /**
   * Use the WebAssembly kernel (dot-stuff.wat) when the runtime has WebAssembly; default
   * true. `false` forces the portable JavaScript scan (the same output, slower).
   */
  kernel?: boolean;
}

/**
 * Streaming dot-stuffer. Feed chunks with {@link DotStuffer.push}; finish with
 * {@link DotStuffer.end}, which returns the bytes that close the data (the final CRLF if
 * the text did not end with one, then ".\r\n"). An empty message ends as "\r\n.\r\n",
 * as Python sends it.
 *
 * Two implementations give the same bytes. The kernel (a small WebAssembly module, 16
 * bytes at a time with SIMD) copies the chunk in, stuffs it, and copies the result out
 * (see bench/dot-stuff-bench.ts for its speed). The portable scan, used where
 * WebAssembly is unavailable, reads each chunk as a one-byte (latin1) string with
 * `String#indexOf` and applies the edits with one output buffer and native copies.
 */
export class DotStuffer {
  /** {@link LINE_START} and {@link AFTER_CR} bits. */
  #state = LINE_START;
  #empty = true;
  readonly #kernel: StuffKernel | null;

  /** Bytes written so far, after stuffing (for progress and SIZE checks). */
  outputBytes = 0;

  /** A stuffer at the start of a message; `kernel: false` uses the portable scan. */
  constructor(options: DotStufferOptions = {}) {
    this.#kernel = options.kernel === false ? null : loadKernel();
  }

  /**
   * Returns the stuffed form of `chunk` (the same bytes, uncopied, when nothing changes).
   * A changed chunk is copied into a buffer from `allocate` (by default a new one, or a
   * view of a shared slab from 4 KiB to 128 KiB: see slab.ts), which a writer may take from
   * buffers it reuses; a chunk too large for one kernel call is
   * joined into a new buffer whatever `allocate` is.
   */
  push(chunk: Uint8Array, allocate: Allocate = allocFromSlab): Buffer {
    const b = asBuffer(chunk);
    if (b.length === 0) return b;
    this.#empty = false;
    const out = this.#kernel ? this.#pushKernel(this.#kernel, b, allocate) : this.#pushPortable(b, allocate);
    this.outputBytes += out.length;
    return out;
  }

  /** Returns the closing bytes: CRLF if needed, then ".\r\n". */
  end(): Buffer {
    const tail = this.#state & LINE_START && !this.#empty ? END_AT_LINE_START : END_MID_LINE;
    this.outputBytes += tail.length;
    return tail;
  }

  #pushKernel(kernel: StuffKernel, b: Buffer, allocate: Allocate): Buffer {
    const window = kernel.inMax;
    if (b.length <= window) {
      const out = kernel.stuff(b, this.#state, allocate);
      this.#state = kernel.state;
      return out;
    }
    const parts: Buffer[] = [];
    let changed = false;
    for (let off = 0; off < b.length; off += window) {
      const piece = b.subarray(off, off + window);
      const out = kernel.stuff(piece, this.#state);
      this.#state = kernel.state;
      if (out !== piece) changed = true;
      parts.push(out);
    }
    return changed ? Buffer.concat(parts) : b;
  }

  #pushPortable(b: Buffer, allocate: Allocate): Buffer {
    const n = b.length;
    const s = b.toString("latin1", 0, n);
    const edits: number[] = [];
    let skip = 0;
    if (this.#state & AFTER_CR) {
      if (s.charCodeAt(0) === LF) skip = 1; // the CR was already sent as CRLF
    }
    let state = skip === n ? this.#state & LINE_START : 0;
    if (this.#state & LINE_START && skip < n && s.charCodeAt(skip) === DOT) edits.push(skip * 4);
    let nextCR = s.indexOf("\r", skip);
    let nextLF = s.indexOf("\n", skip);
    while (nextCR !== -1 || nextLF !== -1) {
      let lineEnd: number;
      if (nextCR !== -1 && (nextLF === -1 || nextCR < nextLF)) {
        if (nextLF === nextCR + 1) {
          lineEnd = nextCR + 2;
        } else {
          lineEnd = nextCR + 1;
          edits.push(lineEnd * 4 + 2);
          if (lineEnd === n) state |= AFTER_CR;
        }
      } else {
        edits.push(nextLF * 4 + 1);
        lineEnd = nextLF + 1;
      }
      if (lineEnd === n) {
        state |= LINE_START;
        break;
      }
      if (s.charCodeAt(lineEnd) === DOT) edits.push(lineEnd * 4);
      if (nextCR !== -1 && nextCR < lineEnd) nextCR = s.indexOf("\r", lineEnd);
      if (nextLF !== -1 && nextLF < lineEnd) nextLF = s.indexOf("\n", lineEnd);
    }
    this.#state = state;
    return edits.length === 0 ? (skip === 0 ? b : b.subarray(skip)) : applyEdits(b, skip, edits, allocate);
  }
}

/** Copies `b[skip..]` into a buffer from `allocate` with each edit's byte inserted. */
function applyEdits(b: Buffer, skip: number, edits: number[], allocate: Allocate): Buffer {
  const n = b.length;
  const out = allocate(n - skip + edits.length);
  let o = 0;
  let seg = skip;
  for (const edit of edits) {
    const pos = Math.floor(edit / 4);
    if (pos > seg) o += b.copy(out, o, seg, pos);
    seg = pos;
    out[o++] = INSERTED[edit % 4]!;
  }
  if (seg < n) b.copy(out, o, seg, n);
  return out;
}

/**
 * Stuffs a whole message at once: the bytes to send after a 354, end marker included.
 * (Python's `_quote_periods` + `_fix_eols` + the final ".", for a message in memory.)
 */
export function stuffMessage(message: Uint8Array): Buffer {
  const stuffer = new DotStuffer();
  const body = stuffer.push(message);
  return Buffer.concat([body, stuffer.end()]);
}

/**
 * Normalises line endings only (every lone CR or LF becomes CRLF), without dot-stuffing
 * or an end marker: for BDAT callers that ask for CRLF normalisation.
 */
export function normalizeLineEndings(text: string): string {
  return LONE_LINE_END.test(text) ? text.replace(/\r\n|\r|\n/g, "\r\n") : text;
}

/**
 * {@link normalizeLineEndings} for text that comes in pieces: a CR that ends one piece (made
 * CRLF) and an LF that starts the next are one line end, not two.
 */
export class LineEndingFixer {
  /** True when the last piece ended in a CR, already made CRLF (an LF next is dropped). */
  #afterCr = false;

  /** `text` with every lone CR and LF made CRLF, given the pieces before it. */
  push(text: string): string {
    if (text === "") return text;
    const rest = this.#afterCr && text.charCodeAt(0) === LF ? text.slice(1) : text;
    this.#afterCr = rest.endsWith("\r");
    return normalizeLineEndings(rest);
  }

  /** Forgets the last piece: what came between (bytes, sent untouched) ended its line, or not, as it is. */
  reset(): void {
    this.#afterCr = false;
  }
}

/**
 * Fixes the line ends of a stream's text pieces on their way to a {@link DotStuffer}, which
 * would fix them the same way: the bytes it sends do not change, but each piece has the
 * length it has once sent (a count of the message with CRLF line ends). Bytes between the
 * text pieces are left as given. A CR that ends a piece is left for the stuffer, which
 * takes an LF that starts the next piece as the same line end; when the CR was text's and
 * the next piece starts otherwise, an LF is owed first ({@link text} puts it in front of
 * the text, {@link bytes} and {@link end} say so), which the stuffer drops.
 */
export class StuffedTextLines {
  /** The last piece ended in a CR (which the stuffer sends as CRLF, taking in an LF that follows). */
  #crEnded = false;
  /** That CR was text's, so its LF is owed. */
  #owed = false;

  /** `text` with its line ends as the stuffer sends them (see the class). */
  text(text: string): string {
    if (text === "") return text;
    let lead = "";
    let rest = text;
    if (this.#crEnded && text.charCodeAt(0) === LF) {
      lead = "\n";
      rest = text.slice(1);
    } else if (this.#owed) lead = "\n";
    const cr = rest.endsWith("\r");
    this.#crEnded = this.#owed = cr;
    return lead + normalizeLineEndings(cr ? rest.slice(0, -1) : rest) + (cr ? "\r" : "");
  }

  /** Takes bytes as they are; true when an LF is owed before them. */
  bytes(bytes: Uint8Array): boolean {
    const n = bytes.length;
    if (n === 0) return false;
    const owed = this.#owed && bytes[0] !== LF;
    this.#crEnded = bytes[n - 1] === CR;
    this.#owed = false;
    return owed;
  }

  /** True when an LF is owed at the end. */
  end(): boolean {
    return this.#owed;
  }
}

/** True when `data` ends in CRLF (an empty one does not). */
export function endsInCrlf(data: Uint8Array): boolean {
  const n = data.length;
  return n >= 2 && data[n - 2] === CR && data[n - 1] === LF;
}

/** A CR not followed by LF, or an LF not preceded by CR. */
const LONE_LINE_END = /\r(?!\n)|(?<!\r)\n/;

/**
 * {@link normalizeLineEndings} for bytes (RFC 5322 §2.3: lines end in CRLF), as Python's
 * `send_message` serialises with `linesep="\r\n"`: read one char per byte, so every other
 * byte is kept as it is; the same bytes, uncopied, when nothing changes.
 */
export function normalizeLineEndingBytes(data: Uint8Array): Buffer {
  const bytes = asBuffer(data);
  const text = bytes.toString("latin1");
  return LONE_LINE_END.test(text) ? Buffer.from(normalizeLineEndings(text), "latin1") : bytes;
}

/**
 * The length of `data` once every lone CR and lone LF has become CRLF, as the stuffer
 * sends it (dots not counted): the message size for `SIZE=` (RFC 1870) of a bytes body.
 * Two native searches per line; no copy.
 */
export function normalizedLength(data: Uint8Array): number {
  const bytes = asBuffer(data);
  let extra = 0;
  let start = 0;
  let cr = bytes.indexOf(CR);
  for (;;) {
    const lf = bytes.indexOf(LF, start);
    const end = lf === -1 ? bytes.length : lf;
    // Every CR before this line's end is lone, except one just before its LF.
    for (; cr !== -1 && cr < end; cr = bytes.indexOf(CR, cr + 1)) {
      if (lf === -1 || cr !== lf - 1) extra++;
    }
    if (lf === -1) return bytes.length + extra;
    if (lf === 0 || bytes[lf - 1] !== CR) extra++;
    start = lf + 1;
  }
}

/**
 * {@link normalizedLength} of data given in pieces (a file read a piece at a time, never
 * whole): a CR that ends one piece and an LF that starts the next are one line end, which
 * each piece alone counts as lone. With {@link NormalizedLength.ended}, a last line without
 * a line end gets one, as a message sent with CRLF line ends does (RFC 5322 §2.3).
 */
export class NormalizedLength {
  /** The length so far, once every lone CR and LF is CRLF. */
  length = 0;
  /** The last byte of the last non-empty piece; -1 before any. */
  #last = -1;

  /** Counts `piece`, after the pieces before it. */
  push(piece: Uint8Array): void {
    if (piece.length === 0) return;
    this.length += normalizedLength(piece);
    // that CR and this LF were each counted one byte short of their CRLF
    if (this.#last === CR && piece[0] === LF) this.length -= 2;
    this.#last = piece[piece.length - 1]!;
  }

  /** The length with an unended last line ended (nothing added to empty data). */
  ended(): number {
    return this.#last === -1 || this.#last === CR || this.#last === LF ? this.length : this.length + 2;
  }
}
