/**
 * The test message of `smtplib send --subject/--body/--header/--attach`, with the files it
 * attaches read first: each a regular file or a pipe, all of them together at most
 * {@link ATTACH_MAX_BYTES}, read with that bound (a pipe that never ends is cut there, and
 * refused), so the message, built in memory, stays bounded.
 * @module
 */
import { open } from "node:fs/promises";
import { basename } from "node:path";
import { errorCode } from "../errors.js";
import type { SendCommand } from "./args.js";
import { fileFailure } from "./cli-wording.js";
import { contentTypeOf, type Attachment } from "./attachment-part.js";
import { readMimeTypes } from "./mime-types.js";
import { testMessageBytes } from "./test-message.js";

/** The most bytes `--attach` files may hold together: a larger message is better given whole with `--file`, which is streamed. */
export const ATTACH_MAX_BYTES = 64 * 1024 * 1024;

/** How much is read at a time. */
const READ_BYTES = 1024 * 1024;

/**
 * Reads `paths` in order, at most `max` bytes in all.
 * @throws TypeError (a usage error) for a path that is not a regular file or a pipe, or files
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
      // A regular file's size first: one buffer of it (and the byte past it that tells a file
      // that grew); a pipe, or a file whose size says nothing (/proc), a chunk at a time.
      if (info.isFile() && info.size > left) tooLarge(path, max);
      const chunks: Buffer[] = [];
      let taken = 0;
      let scratch: Buffer | undefined;
      for (;;) {
        // the file's own buffer, kept; else a reused one, of which each read's bytes are copied
        const whole = info.isFile() && info.size > 0 && chunks.length === 0;
        const buffer = whole ? Buffer.allocUnsafeSlow(info.size + 1) : (scratch ??= Buffer.allocUnsafeSlow(READ_BYTES));
        const { bytesRead } = await handle.read({ buffer, length: Math.min(buffer.length, left - taken + 1) }).catch((err: unknown) => { throw readFailure(path, err); });
        if (bytesRead === 0) break;
        taken += bytesRead;
        if (taken > left) tooLarge(path, max);
        chunks.push(whole ? buffer.subarray(0, bytesRead) : Buffer.from(buffer.subarray(0, bytesRead)));
      }
      left -= taken;
      files.push({ name: basename(path), bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) });
    } finally {
      await handle.close();
    }
  }
  return files;
}

/** The usage error for files over `max` bytes in all, found at `path`. */
function tooLarge(path: string, max: number): never {
  throw new TypeError(`--attach: the files come to more than ${max / 1024 / 1024} MiB (at ${path}): give a message this large whole with --file, which is streamed`);
}

/** `--attach PATH: no such file or directory (ENOENT)`, as `--file`'s failures are said. */
function readFailure(path: string, err: unknown): Error {
  return err instanceof Error && errorCode(err) === "" ? err : new Error(fileFailure("--attach", path, err));
}

/** The test message of `cmd` (which has `compose`), its files read, and its size. */
export async function composedMessage(cmd: SendCommand & { compose: NonNullable<SendCommand["compose"]> }): Promise<{ body: Buffer; size: number }> {
  const files = await readAttachments(cmd.compose.attach);
  const system = files.length > 0 ? await readMimeTypes() : undefined;
  const attachments = files.map((file) => ({ ...file, type: contentTypeOf(file.name, system) }));
  const bytes = testMessageBytes({ from: cmd.from, to: cmd.to, ...cmd.compose, attachments });
  return { body: bytes, size: bytes.length };
}
