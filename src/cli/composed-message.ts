/**
 * The test message of `smtplib send --subject/--body/--header/--attach`, with the files it
 * attaches opened first, before connecting: each a regular file or a pipe. A regular file is
 * read as the message goes out (opened again then), never held whole, so a file of any size
 * takes a few blocks of memory; pipes are read now, all of them together at most {@link ATTACH_MAX_BYTES}, read
 * with that bound (a pipe that never ends is cut there, and refused).
 * @module
 */
import type { Stats } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { basename } from "node:path";
import { errorCode } from "../errors.js";
import type { SendCommand } from "./args.js";
import { fileFailure } from "./cli-wording.js";
import { contentTypeOf, type Attachment, type FileContent } from "./attachment-part.js";
import type { EightBitScan } from "./eight-bit.js";
import { readMimeTypes } from "./mime-types.js";
import { testMessageBytes, testMessageStream } from "./test-message.js";

/** The most bytes `--attach` pipes (held in memory) may hold together; regular files are read as sent, with no such bound. */
export const ATTACH_MAX_BYTES = 64 * 1024 * 1024;

/** How much is read at a time. */
const READ_BYTES = 1024 * 1024;

/**
 * How much of a regular file is read at a time as it is sent: about 1 MiB, whole base64 lines
 * (57 bytes each), so that each block is encoded as it is, with no bytes carried over to be
 * joined with the next (see base64LineBlocks).
 */
const FILE_BLOCK_BYTES = 57 * 18 * 1024;

/**
 * Opens `paths` in order. A regular file with a size is read as the message is sent (see
 * {@link fileContent}): it is not held, and has no bound here (the server's SIZE has its
 * say). A pipe, or a file whose size says nothing (`/proc`), is read now, into memory: at
 * most `max` bytes of those in all.
 * @throws TypeError (a usage error) for a path that is not a regular file or a pipe, or pipes
 *   over `max`; Error `--attach PATH: reason (CODE)` for a file that cannot be read.
 */
export async function readAttachments(paths: readonly string[], max = ATTACH_MAX_BYTES): Promise<Attachment[]> {
  const files: Attachment[] = [];
  let left = max;
  for (const path of paths) {
    const handle = await open(path, "r").catch((err: unknown) => { throw readFailure(path, err); });
    try {
      const info = await handle.stat();
      if (!info.isFile() && !info.isFIFO()) throw new TypeError(`--attach ${path} is not a file (${info.isDirectory() ? "a directory" : "a device or socket"})`);
      if (info.isFile() && info.size > 0) {
        files.push({ name: basename(path), bytes: fileContent(path, info) });
        continue;
      }
      const bytes = await readWhole(handle, path, left, max);
      left -= bytes.length;
      files.push({ name: basename(path), bytes });
    } finally {
      await handle.close();
    }
  }
  return files;
}

/** A pipe's bytes (or a file's without a size), read a chunk at a time, at most `left` of `max`. */
async function readWhole(handle: FileHandle, path: string, left: number, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const scratch = Buffer.allocUnsafeSlow(READ_BYTES);
  let taken = 0;
  for (;;) {
    const { bytesRead } = await handle.read({ buffer: scratch, length: Math.min(scratch.length, left - taken + 1) }).catch((err: unknown) => { throw readFailure(path, err); });
    if (bytesRead === 0) break;
    taken += bytesRead;
    if (taken > left) tooLarge(path, max);
    chunks.push(Buffer.from(scratch.subarray(0, bytesRead)));
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

/**
 * The bytes of the regular file at `path`, as `opened` found it, read from its start as the
 * message goes out, {@link FILE_BLOCK_BYTES} at a time. It is opened again then (nothing is held open
 * meanwhile, nor left open by a send that ends before its data), and closed once read or
 * once reading stops. A file that has changed since (another file at the path, fewer bytes,
 * or more: one byte past its size is asked for) fails the message rather than sending other
 * bytes than its size announced.
 */
function fileContent(path: string, opened: Stats): FileContent {
  const size = opened.size;
  const changed = (): Error => new Error(`--attach ${path}: the file changed while it was being sent (it had ${size} bytes)`);
  return {
    size,
    async *blocks() {
      const handle = await open(path, "r").catch((err: unknown) => { throw readFailure(path, err); });
      try {
        const now = await handle.stat();
        if (now.dev !== opened.dev || now.ino !== opened.ino) throw changed();
        let position = 0;
        for (;;) {
          const buffer = Buffer.allocUnsafe(Math.min(FILE_BLOCK_BYTES, size - position + 1));
          const { bytesRead } = await handle.read(buffer, 0, buffer.length, position).catch((err: unknown) => { throw readFailure(path, err); });
          if (bytesRead === 0 && position === size) return;
          if (bytesRead === 0 || position + bytesRead > size) throw changed();
          position += bytesRead;
          yield buffer.subarray(0, bytesRead);
        }
      } finally {
        await handle.close();
      }
    },
  };
}

/** The usage error for files over `max` bytes in all, found at `path`. */
function tooLarge(path: string, max: number): never {
  throw new TypeError(`--attach: the pipes (and files without a size) come to more than ${max / 1024 / 1024} MiB, all held in memory (at ${path}): attach a regular file, which is read as it is sent, or give the message whole with --file`);
}

/** `--attach PATH: no such file or directory (ENOENT)`, as `--file`'s failures are said. */
function readFailure(path: string, err: unknown): Error {
  return err instanceof Error && errorCode(err) === "" ? err : new Error(fileFailure("--attach", path, err));
}

/** The test message: in memory when its files are (none, or pipes), else read as it is sent; its size as sent either way. */
export type ComposedMessage = { readonly body: Buffer; readonly size: number } | { readonly stream: AsyncIterable<Uint8Array>; readonly size: number; readonly scan: EightBitScan };

/** The test message of `cmd` (which has `compose`), its files opened (pipes read), and its size. */
export async function composedMessage(cmd: SendCommand & { compose: NonNullable<SendCommand["compose"]> }): Promise<ComposedMessage> {
  const files = await readAttachments(cmd.compose.attach);
  const system = files.length > 0 ? await readMimeTypes() : undefined;
  const attachments = files.map((file) => ({ ...file, type: contentTypeOf(file.name, system) }));
  const parts = { from: cmd.from, to: cmd.to, ...cmd.compose, attachments };
  if (attachments.every((file) => file.bytes instanceof Uint8Array)) {
    const bytes = testMessageBytes(parts);
    return { body: bytes, size: bytes.length };
  }
  const { size, chunks, eightBitAt } = testMessageStream(parts);
  // what a file's size pass finds, known here: the whole message, its first 8-bit byte if any
  return { stream: chunks, size, scan: { done: true, ...(eightBitAt === undefined ? {} : { eightBitAt }) } };
}
