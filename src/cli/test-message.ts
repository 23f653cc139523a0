/**
 * The message `smtplib send --subject/--body/--header/--attach` makes, so that testing a
 * server needs no message file: RFC 5322 headers and a plain-text body (with files attached,
 * the first part of a multipart/mixed one), always 7-bit unless an addr-spec is not ASCII (a
 * non-ASCII subject or display name as RFC 2047 encoded words, a non-ASCII body, or one with
 * a line over 998 characters, and every file, in base64), so no server extension is needed.
 * Pure: no I/O.
 * @module
 */
import { randomUUID } from "node:crypto";
import { quoteaddr } from "../protocol/address.js";
import { displayNameOf } from "../protocol/address-list.js";
import { isAscii } from "../protocol/commands.js";
import { attachmentHead, base64LineBlocks, base64Lines, encodedLength, writeBase64Lines, type Attachment } from "./attachment-part.js";
import type { HeaderFlag } from "./header-flag.js";

/** What `send` uses when only one of `--subject` and `--body` is given. */
export const DEFAULT_SUBJECT = "smtplib test message";
/** The body of a test message without `--body`. */
export const DEFAULT_BODY = "This is a test message sent with smtplib send.";

/** What a test message is made of. */
export interface TestMessageParts {
  /** The envelope sender, also the From field (`<>` for the null sender: then no From domain). */
  readonly from: string;
  /** The envelope recipients, also the To field. */
  readonly to: readonly string[];
  readonly subject: string;
  readonly body: string;
  /** The time for the Date field; default now. */
  readonly date?: Date;
  /** The unique part of the Message-ID; default a random UUID. */
  readonly id?: string;
  /**
   * `--header` fields, ready for the wire (see `parseHeaderFlag`): one named as a field made
   * here (any case) takes its place, under the name as given; the others follow the Subject,
   * in order.
   */
  readonly headers?: readonly HeaderFlag[];
  /** `--attach` files: the message is then multipart/mixed, the body its first part. */
  readonly attachments?: readonly Attachment[];
  /** The multipart boundary; default one made of a random UUID. */
  readonly boundary?: string;
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
/** Longest encoded word (RFC 2047 §2: 75 characters). */
const MAX_WORD = 75;
/**
 * Longest line of a header field holding encoded words, field name included (RFC 2047 §2:
 * 76 characters).
 */
const MAX_ENCODED_LINE = 76;
/** Longest line of a field, CRLF not counted (RFC 5322 §2.1.1). */
const MAX_FIELD_LINE = 998;
/** What an encoded word adds to its base64 text: "=?UTF-8?B?" and "?=". */
const WORD_PREFIX = "=?UTF-8?B?";
/** The shortest word worth starting on the field name's line: room for 6 bytes (any character, 4 at most). */
const MIN_FIRST_WORD = WORD_PREFIX.length + 2 + 8;

/**
 * `text` as the value of the field `fieldName` (default `Subject`): as it is when printable
 * ASCII that fits one line and holds no "=?" (which a reader could take for an encoded
 * word), else as RFC 2047 "B" encoded words of at most 75 characters, each holding whole
 * characters, folded one to a line, each line at most 76 characters, the first with
 * `fieldName` and ": " (RFC 2047 §2). After a name too long to leave room for a word, the
 * value starts on the next line.
 */
export function encodeHeaderText(text: string, fieldName = "Subject"): string {
  const lead = fieldName.length + 2;
  if (PRINTABLE_ASCII.test(text) && lead + text.length <= MAX_FIELD_LINE && !text.includes("=?")) return text;
  const words: string[] = [];
  // After "Subject: " (67 left): 67 - 12 characters of framing leave 55 of base64, at most
  // 39 bytes (13 groups of 3). Every word of a value has the size of the first line's.
  const room = MAX_ENCODED_LINE - lead;
  const folded = room < MIN_FIRST_WORD;
  const maxWord = folded ? MAX_WORD : Math.min(MAX_WORD, room);
  const maxBytes = Math.floor((maxWord - WORD_PREFIX.length - 2) / 4) * 3;
  let chunk = "";
  for (const char of text) {
    if (Buffer.byteLength(chunk + char) > maxBytes) {
      words.push(chunk);
      chunk = "";
    }
    chunk += char;
  }
  words.push(chunk);
  const value = words.map((w) => `${WORD_PREFIX}${Buffer.from(w, "utf8").toString("base64")}?=`).join("\r\n ");
  return folded ? `\r\n ${value}` : value;
}

/**
 * `address` as it stands in the From or To field. As given when it is ASCII, or when its
 * addr-spec is not (that needs SMTPUTF8, which allows UTF-8 headers too: RFC 6532). Else the
 * non-ASCII text is a display name or a comment, which go in no envelope: the display name
 * as RFC 2047 encoded words (quoted when ASCII) and `<addr-spec>` on the next line, comments
 * dropped, so the message stays 7-bit without any extension.
 * @throws TypeError when `address` is not one address (see `quoteaddr`).
 */
export function headerMailbox(address: string): string {
  if (isAscii(address)) return address;
  const path = quoteaddr(address);
  if (!isAscii(path)) return address;
  const name = displayNameOf(address);
  if (name === null) return path;
  const phrase = isAscii(name) ? `"${name.replace(/["\\]/g, "\\$&")}"` : encodeHeaderText(name);
  return `${phrase}\r\n ${path}`;
}

/** The domain part of `address` for the Message-ID, or "localhost". */
function domainOf(address: string): string {
  const at = address.lastIndexOf("@");
  const domain = at === -1 ? "" : address.slice(at + 1).replace(/[>\s]/g, "");
  return /^[A-Za-z0-9.-]+$/.test(domain) ? domain : "localhost";
}

/** The type of the text: the message's, or its first part's when files are attached. */
const TEXT_TYPE = "text/plain; charset=utf-8";

/** Longest line of a 7bit body, CRLF not counted (RFC 5322 §2.1.1, RFC 2045 §2.7). */
const MAX_LINE = 998;

/**
 * The body's lines with CRLF endings; base64 (76-character lines) when it is not ASCII or
 * has a line too long for 7bit.
 */
function encodeBody(body: string): { encoding: "7bit" | "base64"; text: string } {
  const lines = body.split(/\r\n|\r|\n/);
  if (isAscii(body) && lines.every((line) => line.length <= MAX_LINE)) return { encoding: "7bit", text: `${lines.join("\r\n")}\r\n` };
  const base64 = Buffer.from(`${lines.join("\r\n")}\r\n`, "utf8").toString("base64");
  return { encoding: "base64", text: `${base64.replace(/.{1,76}/g, "$&\r\n")}` };
}

/** A piece of a test message: text, or a file's bytes, which go in base64 lines. */
type Piece = string | Attachment;

/**
 * The whole message, CRLF line endings, in pieces: text, and each attached file, whose bytes
 * go in base64 lines.
 */
function testMessagePieces(parts: TestMessageParts): Piece[] {
  const date = (parts.date ?? new Date()).toUTCString().replace(/GMT$/, "+0000");
  const body = encodeBody(parts.body);
  const from = parts.from === "" ? "<>" : headerMailbox(parts.from);
  const made: [string, string][] = [
    ["Date", date],
    ["Message-ID", `<${parts.id ?? randomUUID()}@${domainOf(parts.from)}>`],
    ["From", from],
    ["To", parts.to.map(headerMailbox).join(",\r\n ")],
    ["Subject", encodeHeaderText(parts.subject)],
  ];
  const attachments = parts.attachments ?? [];
  // "=_" never stands in base64 or in a 7bit body of ours that does not hold it (checked).
  let boundary = parts.boundary ?? `=_smtplib_${randomUUID()}`;
  while (body.text.includes(boundary)) boundary = `=_smtplib_${randomUUID()}`;
  const mime: [string, string][] = attachments.length === 0
    ? [["MIME-Version", "1.0"], ["Content-Type", TEXT_TYPE], ["Content-Transfer-Encoding", body.encoding]]
    : [["MIME-Version", "1.0"], ["Content-Type", `multipart/mixed;\r\n boundary="${boundary}"`]];
  const added: [string, string][] = [];
  for (const field of parts.headers ?? []) {
    const key = field.name.toLowerCase();
    const own = made.find(([name]) => name.toLowerCase() === key) ?? mime.find(([name]) => name.toLowerCase() === key);
    if (own !== undefined) [own[0], own[1]] = [field.name, field.value];
    else added.push([field.name, field.value]);
  }
  const head = [...made, ...added, ...mime].map(([name, value]) => `${name}: ${value}`);
  if (attachments.length === 0) return [[...head, "", body.text].join("\r\n")];
  // Each part's text ends with CRLF; the delimiter after it brings its own (RFC 2046 §5.1.1),
  // so the text keeps its last line end and an empty file its blank line.
  const pieces: Piece[] = [`${head.join("\r\n")}\r\n\r\n--${boundary}\r\nContent-Type: ${TEXT_TYPE}\r\nContent-Transfer-Encoding: ${body.encoding}\r\n\r\n${body.text}`];
  for (const file of attachments) pieces.push(`\r\n--${boundary}\r\n${attachmentHead(file)}`, file);
  pieces.push(`\r\n--${boundary}--\r\n`);
  return pieces;
}

/** The bytes of a file held in memory. @throws TypeError for one read as the message is sent (see {@link testMessageStream}). */
function inMemory(file: Attachment): Uint8Array {
  if (file.bytes instanceof Uint8Array) return file.bytes;
  throw new TypeError(`${file.name} is read as the message is sent: use testMessageStream`);
}

/** How many bytes `pieces` make as sent. */
function piecesSize(pieces: readonly Piece[]): number {
  return pieces.reduce((sum, piece) => sum + (typeof piece === "string" ? Buffer.byteLength(piece, "utf8") : encodedLength(piece.bytes)), 0);
}

/** The whole message as text (see {@link testMessagePieces}); its files in memory. */
export function testMessage(parts: TestMessageParts): string {
  return testMessagePieces(parts).map((piece) => (typeof piece === "string" ? piece : base64Lines(inMemory(piece)).toString("latin1"))).join("");
}

/**
 * The whole message as it goes out (see {@link testMessagePieces}), its size, and the offset
 * of its first 8-bit byte if any (only text can hold one: a header field past ASCII; the
 * files go as base64): the files read from disk in blocks, each block encoded as it comes
 * (see base64LineBlocks), so that a file of any size takes a few blocks of memory.
 */
export function testMessageStream(parts: TestMessageParts): { size: number; chunks: AsyncIterable<Uint8Array>; eightBitAt?: number } {
  const pieces = testMessagePieces(parts);
  const eightBitAt = firstEightBitOf(pieces);
  return { size: piecesSize(pieces), chunks: streamPieces(pieces), ...(eightBitAt === undefined ? {} : { eightBitAt }) };
}

/** The offset of the first 8-bit byte of `pieces` as sent, if any: only text can hold one (files go as base64). */
function firstEightBitOf(pieces: readonly Piece[]): number | undefined {
  let offset = 0;
  for (const piece of pieces) {
    if (typeof piece !== "string") {
      offset += encodedLength(piece.bytes);
      continue;
    }
    // the text before the first character past ASCII is ASCII: as many bytes as characters
    const at = piece.search(/[\u0080-\uffff]/);
    if (at !== -1) return offset + at;
    offset += piece.length;
  }
  return undefined;
}

async function* streamPieces(pieces: readonly Piece[]): AsyncGenerator<Uint8Array> {
  for (const piece of pieces) {
    if (typeof piece === "string") yield Buffer.from(piece, "utf8");
    else if (piece.bytes instanceof Uint8Array) yield base64Lines(piece.bytes);
    else yield* base64LineBlocks(piece.bytes.blocks());
  }
}

/**
 * The whole message as UTF-8 bytes (see {@link testMessagePieces}), in one buffer of its
 * size, into which each file goes as base64 at once: no other copy of a large file is made.
 */
export function testMessageBytes(parts: TestMessageParts): Buffer {
  const pieces = testMessagePieces(parts);
  const out = Buffer.allocUnsafe(piecesSize(pieces));
  let at = 0;
  for (const piece of pieces) at = typeof piece === "string" ? at + out.write(piece, at, "utf8") : writeBase64Lines(inMemory(piece), out, at);
  return out;
}
