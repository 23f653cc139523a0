/**
 * The test messages, written once per run to bench/.run/ so that every client sends the
 * same bytes: a CRLF file for the libraries and an LF twin for `smtp-source -F` (which
 * appends CRLF to every line it reads, so a CRLF file would go out as CR CR LF).
 * @module
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface MessageFiles {
  /** CRLF line endings: what the libraries are given. */
  readonly crlf: string;
  /** LF line endings: for smtp-source -F. */
  readonly lf: string;
  /** Size of the CRLF form in bytes. */
  readonly size: number;
}

export const FROM = "sender@bench.example";
export const RCPT_DOMAIN = "bench.example";

/** Recipient addresses `rcpt1@bench.example` ... */
export function recipients(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `rcpt${i + 1}@${RCPT_DOMAIN}`);
}

function headers(subject: string): string {
  return [
    `From: Bench Sender <${FROM}>`,
    `To: Bench Recipient <rcpt1@${RCPT_DOMAIN}>`,
    `Subject: ${subject}`,
    "Date: Thu, 01 Jan 2026 00:00:00 +0000",
    "Message-ID: <bench.0@bench.example>",
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=us-ascii",
    "",
    "",
  ].join("\r\n");
}

/** A line of `width` characters (CRLF excluded); when `dot` is set it starts with ".". */
function line(i: number, width: number, dot: boolean): string {
  const start = dot ? "." : "L";
  const label = `${start}${String(i).padStart(7, "0")} `;
  return (label + "abcdefghijklmnopqrstuvwxyz0123456789".repeat(4)).slice(0, width);
}

/** A 1 KiB text message (1,024 bytes with CRLF endings, headers included); no leading dots. */
export function message1k(): Buffer {
  let text = headers("bench 1 KiB");
  let i = 0;
  while (text.length + 80 <= 1024) text += line(i++, 78, false) + "\r\n";
  const rest = 1024 - text.length - 2;
  if (rest > 0) text += line(i, rest, false) + "\r\n";
  const b = Buffer.from(text, "latin1");
  if (b.length !== 1024) throw new Error(`1 KiB message is ${b.length} bytes`);
  return b;
}

/** The dot-heavy body line pattern: 80-byte lines (78 + CRLF), every second one starting with ".". */
export function dotHeavyBlock(lines: number, firstIndex = 0): Buffer {
  const parts: string[] = [];
  for (let i = 0; i < lines; i++) parts.push(line(firstIndex + i, 78, (firstIndex + i) % 2 === 1), "\r\n");
  return Buffer.from(parts.join(""), "latin1");
}

/** A 10 MiB (10,485,760 bytes) message whose body has a "." at the start of every second line. */
export function message10m(): Buffer {
  const head = Buffer.from(headers("bench 10 MiB dot-heavy"), "latin1");
  const total = 10 * 1024 * 1024;
  const bodyLines = Math.floor((total - head.length) / 80);
  const body = dotHeavyBlock(bodyLines);
  const padLen = total - head.length - body.length;
  const pad = padLen >= 2 ? Buffer.from("P".repeat(padLen - 2) + "\r\n", "latin1") : Buffer.alloc(0);
  const b = Buffer.concat([head, body, pad]);
  if (b.length !== total) throw new Error(`10 MiB message is ${b.length} bytes`);
  return b;
}

/** Header block used in front of the streamed 1 GiB message. */
export function streamHeader(): Buffer {
  return Buffer.from(headers("bench 1 GiB streamed"), "latin1");
}

/** One chunk of the streamed body: 1,024 dot-heavy lines = 80 KiB. */
export const STREAM_CHUNK_LINES = 1024;
export const STREAM_CHUNK_BYTES = STREAM_CHUNK_LINES * 80;
/** 13,107 chunks of 80 KiB: 1,073,725,440 bytes of body (just under 1 GiB). */
export const STREAM_CHUNKS = 13107;

/** Writes the message files to `dir` and returns their paths. */
export function writeMessages(dir: string): { m1k: MessageFiles; m10m: MessageFiles } {
  mkdirSync(dir, { recursive: true });
  const out = (name: string, b: Buffer): MessageFiles => {
    const crlf = join(dir, `${name}.eml`);
    const lf = join(dir, `${name}.lf.eml`);
    writeFileSync(crlf, b);
    writeFileSync(lf, Buffer.from(b.toString("latin1").replace(/\r\n/g, "\n"), "latin1"));
    return { crlf, lf, size: b.length };
  };
  return { m1k: out("msg-1k", message1k()), m10m: out("msg-10m-dots", message10m()) };
}

/**
 * The streamed message: the header block, then `chunks` freshly allocated 80 KiB chunks of
 * dot-heavy lines (a new buffer each time, as a file or socket stream would give, so a
 * client that buffers instead of applying back-pressure shows it in its peak RSS).
 */
export async function* streamMessage(chunks: number): AsyncGenerator<Uint8Array> {
  const template = dotHeavyBlock(STREAM_CHUNK_LINES);
  yield streamHeader();
  for (let i = 0; i < chunks; i++) yield Buffer.from(template);
}

/** Size in bytes of the streamed message of `chunks` chunks. */
export function streamMessageSize(chunks: number): number {
  return streamHeader().length + chunks * STREAM_CHUNK_BYTES;
}
