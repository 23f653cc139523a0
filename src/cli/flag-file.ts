/**
 * Reading a file named on the command line, with an error that names the flag and the file.
 * @module
 */
import { constants, open, type FileHandle } from "node:fs/promises";
import type { Stats } from "node:fs";
import { errorCode } from "../errors.js";

/**
 * Most bytes read from a file named on the command line: 1 MiB, over four times the system
 * CA bundle (about 215 KiB: /etc/ssl/certs/ca-certificates.crt), so `--auth-file /dev/zero`
 * or a log file given by mistake cannot fill memory.
 */
export const MAX_FLAG_FILE_BYTES = 1024 * 1024;

/**
 * O_NONBLOCK: opening a FIFO that no one writes would wait for a writer forever (Windows has
 * no such flag: undefined there, which `|` reads as 0).
 */
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

/**
 * The bytes of the file `path` given with `flag`: a regular file of at most `maxBytes`.
 * The limit is kept while reading, not taken from the size the file reports.
 * @throws `Kind` (the caller's choice: a TypeError is a usage error) saying
 *   "`flag` `path`: cannot read it (ENOENT)", with the read error as `cause`; "not a regular
 *   file (a FIFO)" for a FIFO, device, socket or directory (its end cannot be known: a FIFO
 *   may never give one); "larger than `maxBytes` bytes".
 */
export async function readFlagFile(flag: string, path: string, Kind: new (message: string, options: ErrorOptions) => Error = Error, maxBytes = MAX_FLAG_FILE_BYTES): Promise<Buffer> {
  const fail = (why: string, cause?: unknown): Error => new Kind(`${flag} ${path}: ${why}`, cause === undefined ? {} : { cause });
  const cannotRead = (err: unknown): Error => fail(`cannot read it (${errorCode(err) || String(err)})`, err);
  const file = await open(path, OPEN_FLAGS).catch((err: unknown) => { throw cannotRead(err); });
  try {
    const stats = await file.stat().catch((err: unknown) => { throw cannotRead(err); });
    if (!stats.isFile()) throw fail(`not a regular file (${fileType(stats)})`);
    const data = await readAtMost(file, maxBytes + 1).catch((err: unknown) => { throw cannotRead(err); });
    if (data.length > maxBytes) throw fail(`larger than ${maxBytes} bytes`);
    return data;
  } finally {
    await file.close();
  }
}

/** Up to `limit` bytes from the start of `file`: fewer at its end. */
async function readAtMost(file: FileHandle, limit: number): Promise<Buffer> {
  const buffer = Buffer.alloc(limit);
  let length = 0;
  while (length < limit) {
    const { bytesRead } = await file.read(buffer, length, limit - length, length);
    if (bytesRead === 0) break;
    length += bytesRead;
  }
  // a copy, so the rest of the buffer is not kept alive with it
  return length === limit ? buffer : Buffer.from(buffer.subarray(0, length));
}

function fileType(stats: Stats): string {
  if (stats.isDirectory()) return "a directory";
  if (stats.isFIFO()) return "a FIFO";
  if (stats.isSocket()) return "a socket";
  return stats.isCharacterDevice() || stats.isBlockDevice() ? "a device" : "not a file";
}
