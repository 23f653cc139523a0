/**
 * The MIME part of one `smtplib send --attach` file (RFC 2045, RFC 2183): its content type
 * guessed from the file name's extension (a built-in table, then the system's), its name as
 * a parameter (RFC 2231 when it is not plain ASCII), its bytes in base64 lines of 76
 * characters (held, or encoded a block at a time as they are read), so the message stays 7-bit.
 * Pure: no I/O.
 * @module
 */

/** A regular file's bytes, read as the message goes out: never held whole. */
export interface FileContent {
  /** Its size when it was opened: exactly that many bytes are sent. */
  readonly size: number;
  /** Its bytes in order, a block at a time. @throws when it cannot be read, or no longer holds `size` bytes. */
  blocks(): AsyncIterable<Uint8Array>;
}

/** A file to attach: its name as shown to the recipient (no directory) and its bytes (in memory, or read as sent). */
export interface Attachment {
  readonly name: string;
  readonly bytes: Uint8Array | FileContent;
  /** Its content type; else {@link contentTypeOf} its name with the built-in table alone. */
  readonly type?: string;
}

/** Content types by lower-case extension; anything else is application/octet-stream. */
const TYPES: Readonly<Record<string, string>> = {
  txt: "text/plain", csv: "text/csv", htm: "text/html", html: "text/html", ics: "text/calendar", xml: "text/xml",
  json: "application/json", pdf: "application/pdf", zip: "application/zip", gz: "application/gzip",
  doc: "application/msword", docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xls: "application/vnd.ms-excel", xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg", gif: "image/gif", webp: "image/webp", svg: "image/svg+xml",
};

/**
 * The content type of a file called `name`, by its extension: the built-in table's (the same
 * on every machine), else `system`'s (the system's `/etc/mime.types`: see mime-types.ts),
 * else `application/octet-stream`.
 */
export function contentTypeOf(name: string, system?: ReadonlyMap<string, string>): string {
  const dot = name.lastIndexOf(".");
  if (dot <= 0) return "application/octet-stream";
  const extension = name.slice(dot + 1).toLowerCase();
  return (Object.hasOwn(TYPES, extension) ? TYPES[extension] : undefined) ?? system?.get(extension) ?? "application/octet-stream";
}

/** A parameter value RFC 2045's quoted-string takes as it is (no quote, backslash or control). */
const PLAIN_VALUE = /^[\x20\x21\x23-\x5b\x5d-\x7e]+$/;
/** Bytes RFC 2231 §7's attribute-char leaves as they are (no `*`, `'`, `%` or tspecials). */
const ATTRIBUTE_CHAR = /[A-Za-z0-9!#$&+\-.^_`|~]/;

/**
 * The parameter `key` = `value`: `key="value"` for printable ASCII, else the RFC 2231 form
 * `key*=utf-8''percent-encoded`, which holds any name (a line break in a file name too)
 * without reaching the header as one.
 */
export function nameParameter(key: string, value: string): string {
  if (PLAIN_VALUE.test(value)) return `${key}="${value}"`;
  let encoded = "";
  for (const byte of Buffer.from(value, "utf8")) {
    const c = String.fromCharCode(byte);
    encoded += ATTRIBUTE_CHAR.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return `${key}*=utf-8''${encoded}`;
}

/** Characters in a base64 line (RFC 2045 §6.8). */
const LINE = 76;
/** Bytes in a full base64 line. */
const LINE_BYTES = 57;
/** Bytes encoded at a time: whole lines (57 bytes each), so that only the last block has a short line or padding. */
const BLOCK = 57 * 1024;

/** How many bytes {@link base64Lines} makes of `size` bytes. */
export function base64LinesLength(size: number): number {
  const chars = Math.ceil(size / 3) * 4;
  return chars + 2 * Math.ceil(chars / LINE);
}

/**
 * Writes `bytes` in base64, 76 characters a line, each line ended by CRLF (RFC 2045 §6.8),
 * into `out` from `at` (which has room for {@link base64LinesLength}), a block at a time (no
 * string of the whole); returns where it ended.
 */
export function writeBase64Lines(bytes: Uint8Array, out: Buffer, at: number): number {
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < input.length; i += BLOCK) {
    const text = input.subarray(i, i + BLOCK).toString("base64");
    for (let j = 0; j < text.length; j += LINE) {
      at += out.write(text.slice(j, j + LINE), at, "latin1");
      out[at++] = 13;
      out[at++] = 10;
    }
  }
  return at;
}

/** `bytes` in base64 lines (see {@link writeBase64Lines}), as ASCII bytes. */
export function base64Lines(bytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(base64LinesLength(bytes.byteLength));
  writeBase64Lines(bytes, out, 0);
  return out;
}

/** How many bytes `bytes` make in base64 lines. */
export function encodedLength(bytes: Uint8Array | FileContent): number {
  return base64LinesLength(bytes instanceof Uint8Array ? bytes.byteLength : bytes.size);
}

/**
 * `blocks` (of any sizes) in base64 lines as they come: the bytes {@link base64Lines} makes of
 * them all, a block's whole lines at a time, the bytes short of a line kept for the next
 * block (57 bytes a line: a multiple of 3, so no padding but at the end). Each block is
 * encoded before the next is asked for, and nothing of it is kept but that remainder (copied).
 */
export async function* base64LineBlocks(blocks: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  let rest = Buffer.alloc(0);
  for await (const block of blocks) {
    const bytes = Buffer.from(block.buffer, block.byteOffset, block.byteLength);
    const input = rest.length === 0 ? bytes : Buffer.concat([rest, bytes]);
    const whole = input.length - (input.length % LINE_BYTES);
    rest = Buffer.from(input.subarray(whole));
    if (whole > 0) yield base64Lines(input.subarray(0, whole));
  }
  if (rest.length > 0) yield base64Lines(rest);
}

/** The header fields of `file`'s part and the blank line after them (its bytes follow in base64 lines). */
export function attachmentHead(file: Attachment): string {
  return [
    `Content-Type: ${file.type ?? contentTypeOf(file.name)};\r\n ${nameParameter("name", file.name)}`,
    `Content-Disposition: attachment;\r\n ${nameParameter("filename", file.name)}`,
    "Content-Transfer-Encoding: base64",
    "",
    "",
  ].join("\r\n");
}
