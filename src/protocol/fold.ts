/**
 * Folding of header lines too long for RFC 5322 (§2.1.1: at most 998 octets a line), done
 * where unfolding (§2.2.3) undoes it, so that no field changes. Pure: no I/O.
 * @module
 */
import { asBuffer } from "./bytes.js";
import { parseHeaderSection } from "./message.js";

/** Longest line of a message, its CRLF not counted (RFC 5322 §2.1.1, RFC 5321 §4.5.3.1.6). */
export const MAX_LINE_OCTETS = 998;

const isWsp = (byte: number | undefined): boolean => byte === 0x20 || byte === 0x09;

/**
 * Where to fold `line[pos..]`: a space or tab after a byte that is not one, with something
 * other than whitespace after it (so no line is left blank), as late as fits in
 * {@link MAX_LINE_OCTETS}; else the first such place after that; -1 when there is none.
 * Never at or before `floor` (a field's colon: `Subject :` must not lose its colon to the next line).
 */
function foldPoint(line: Buffer, pos: number, lastText: number, floor: number): number {
  const limit = Math.min(pos + MAX_LINE_OCTETS, lastText);
  for (let i = limit; i > Math.max(pos, floor); i--) if (isWsp(line[i]) && !isWsp(line[i - 1])) return i;
  for (let i = Math.max(limit + 1, floor + 1); i < lastText; i++) if (isWsp(line[i]) && !isWsp(line[i - 1])) return i;
  return -1;
}

/**
 * `line` (no line end) in pieces of at most {@link MAX_LINE_OCTETS} where it has room to
 * fold, never at or before offset `floor` (the colon, on a field's first line; else -1).
 */
function foldLine(line: Buffer, floor: number): Buffer[] {
  let lastText = line.length - 1;
  while (lastText >= 0 && isWsp(line[lastText])) lastText--;
  const pieces: Buffer[] = [];
  let pos = 0;
  while (line.length - pos > MAX_LINE_OCTETS) {
    const at = foldPoint(line, pos, lastText, floor);
    if (at < 0) break;
    pieces.push(line.subarray(pos, at));
    pos = at;
  }
  pieces.push(line.subarray(pos));
  return pieces;
}

/**
 * `data` with every header-field line longer than {@link MAX_LINE_OCTETS} folded: CRLF put
 * before a space or tab, as Python's generator refolds long headers, so every field unfolds
 * to what it was. A line with no such place (one 2,000-octet word) is left as it is, and so
 * is everything outside the header fields. `data` must have CRLF line ends; it is returned
 * itself when no line is too long.
 */
export function foldLongHeaderLines(data: Uint8Array): Buffer {
  const text = asBuffer(data);
  const parts: Buffer[] = [];
  let copied = 0;
  for (const field of parseHeaderSection(text).fields) {
    let lineStart = field.start;
    while (lineStart < field.end) {
      const lf = text.indexOf(0x0a, lineStart);
      const next = lf < 0 || lf >= field.end ? field.end : lf + 1;
      const hasEnd = lf >= 0 && lf < field.end;
      const lineEnd = !hasEnd ? next : text[lf - 1] === 0x0d ? lf - 1 : lf;
      if (lineEnd - lineStart > MAX_LINE_OCTETS) {
        const pieces = foldLine(text.subarray(lineStart, lineEnd), lineStart === field.start ? field.valueStart - 1 - lineStart : -1);
        if (pieces.length > 1) {
          parts.push(text.subarray(copied, lineStart));
          pieces.forEach((piece, i) => parts.push(i === 0 ? piece : Buffer.concat([Buffer.from("\r\n"), piece])));
          copied = lineEnd;
        }
      }
      lineStart = next;
    }
  }
  if (parts.length === 0) return text;
  parts.push(text.subarray(copied));
  return Buffer.concat(parts);
}
