/**
 * The DATA transparency procedure (RFC 5321 §4.5.2) as a streaming transform: every lone
 * CR and lone LF becomes CRLF, and a line that starts with "." gets another ".", with the
 * state carried across chunk boundaries. Normalising bare CR/LF closes the SMTP-smuggling
 * shapes (a "." after a bare CR or LF) that Python lets through. Pure: no I/O.
 *
 * The hot path scans with `Buffer.indexOf` (memchr) and emits slices of the input: text
 * that already has CRLF endings and no leading dots passes through without a copy.
 * @module
 */

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
const CRLF_BYTES = Buffer.from("\r\n", "latin1");
const DOT_BYTES = Buffer.from(".", "latin1");
const END_AT_LINE_START = Buffer.from(".\r\n", "latin1");
const END_MID_LINE = Buffer.from("\r\n.\r\n", "latin1");

/** Views any `Uint8Array` as a `Buffer` without copying. */
export function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * Streaming dot-stuffer. Feed chunks with {@link DotStuffer.push}; finish with
 * {@link DotStuffer.end}, which returns the bytes that close the data (the final CRLF if
 * the text did not end with one, then ".\r\n"). An empty message ends as "\r\n.\r\n",
 * as Python sends it.
 */
export class DotStuffer {
  #atLineStart = true;
  #pendingCR = false;
  #empty = true;

  /** Bytes written so far, after stuffing (for progress and SIZE checks). */
  outputBytes = 0;

  /** Returns the stuffed form of `chunk` (the same bytes, uncopied, when nothing changes). */
  push(chunk: Uint8Array): Buffer {
    const b = asBuffer(chunk);
    const n = b.length;
    if (n === 0) return b;
    this.#empty = false;
    const parts: Buffer[] = [];
    let segStart = 0;
    let i = 0;
    if (this.#pendingCR) {
      this.#pendingCR = false;
      if (b[0] === LF) segStart = i = 1; // the CR was already sent as CRLF
    }
    if (this.#atLineStart && i < n && b[i] === DOT) parts.push(DOT_BYTES);
    let nextCR = b.indexOf(CR, i);
    let nextLF = b.indexOf(LF, i);
    let atLineStart = i === n && this.#atLineStart;
    while (nextCR !== -1 || nextLF !== -1) {
      let lineEnd: number;
      if (nextCR !== -1 && (nextLF === -1 || nextCR < nextLF)) {
        const p = nextCR;
        if (p + 1 < n && b[p + 1] === LF) {
          lineEnd = p + 2;
        } else {
          parts.push(b.subarray(segStart, p), CRLF_BYTES);
          segStart = lineEnd = p + 1;
          if (p + 1 === n) this.#pendingCR = true;
        }
      } else {
        parts.push(b.subarray(segStart, nextLF), CRLF_BYTES);
        segStart = lineEnd = nextLF + 1;
      }
      if (lineEnd === n) {
        atLineStart = true;
        break;
      }
      if (b[lineEnd] === DOT) {
        parts.push(b.subarray(segStart, lineEnd), DOT_BYTES);
        segStart = lineEnd;
      }
      if (nextCR !== -1 && nextCR < lineEnd) nextCR = b.indexOf(CR, lineEnd);
      if (nextLF !== -1 && nextLF < lineEnd) nextLF = b.indexOf(LF, lineEnd);
    }
    this.#atLineStart = atLineStart;
    if (parts.length === 0) {
      this.outputBytes += n - segStart;
      return segStart === 0 ? b : b.subarray(segStart);
    }
    parts.push(b.subarray(segStart));
    const out = Buffer.concat(parts);
    this.outputBytes += out.length;
    return out;
  }

  /** Returns the closing bytes: CRLF if needed, then ".\r\n". */
  end(): Buffer {
    const tail = this.#atLineStart && !this.#empty ? END_AT_LINE_START : END_MID_LINE;
    this.outputBytes += tail.length;
    return tail;
  }
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
  return text.replace(/\r\n|\r|\n/g, "\r\n");
}
