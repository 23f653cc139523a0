/**
 * Reading a file named on the command line, with an error that names the flag and the file.
 * @module
 */
import { close, constants, fstat, open, read, type Stats } from "node:fs";
import { promisify } from "node:util";
import { errorCode } from "../errors.js";
import { PipeWaitError, readPipeAtMost } from "./read-pipe.js";

/**
 * Most bytes read from a file named on the command line: 1 MiB, over four times the system
 * CA bundle (about 215 KiB: /etc/ssl/certs/ca-certificates.crt), so `--auth-file /dev/zero`
 * or a log file given by mistake cannot fill memory.
 */
export const MAX_FLAG_FILE_BYTES = 1024 * 1024;

/**
 * Longest wait, in milliseconds, for a pipe given as a flag file to end (its writers all
 * closing it): 10 s, ample for `<(openssl ...)`, while a FIFO that no one writes ends in an
 * error instead of a hang.
 */
export const FLAG_PIPE_WAIT_MS = 10_000;

/**
 * O_NONBLOCK: opening a FIFO that no one writes would wait for a writer forever (Windows has
 * no such flag: undefined there, which `|` reads as 0). The descriptor is kept and read as
 * it is: closing a FIFO's only reader would drop what a writer has already written.
 */
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

/** How {@link readFlagFile} reads: limits, and the pipes the same command has read already. */
export interface FlagFileReading {
  /** Most bytes accepted (default {@link MAX_FLAG_FILE_BYTES}). */
  readonly maxBytes?: number;
  /** Longest wait in milliseconds for a pipe to end (default {@link FLAG_PIPE_WAIT_MS}). */
  readonly waitMs?: number;
  /**
   * The pipes read so far by one command (keyed by device and inode, valued `flag path`),
   * added to as each is read: a second flag naming a pipe already read to its end would get
   * nothing, and its error then says which flag read it first.
   */
  readonly pipesRead?: Map<string, string>;
}

const openFd = promisify(open);
const fstatFd = promisify(fstat);
const closeFd = promisify(close);
const readFd = promisify(read);

/**
 * The bytes of the file `path` given with `flag`: a regular file or a pipe (a FIFO, such as the
 * shell's process substitution `<(command)` or `/dev/stdin` fed by `|`) of at most `how.maxBytes`.
 * The limit is kept while reading, not taken from the size the file reports; a pipe is read
 * until its writers close it, for at most `how.waitMs` milliseconds.
 * @throws `Kind` (the caller's choice: a TypeError is a usage error) saying
 *   "`flag` `path`: cannot read it (ENOENT)", with the read error as `cause`; "not a regular
 *   file (a device)" for a device, socket or directory, refused before reading (`/dev/zero`
 *   has no end); "larger than `how.maxBytes` bytes"; "nothing ended it within 10 s (a FIFO no one
 *   writes?)" for a pipe still open after `how.waitMs`. A TypeError (a usage error, whatever `Kind`)
 *   when `how.pipesRead` shows that an earlier flag read the same pipe and this read got
 *   nothing from it (`--auth-file /dev/stdin --auth-file /dev/stdin`): the error names that flag.
 */
export async function readFlagFile(flag: string, path: string, Kind: new (message: string, options: ErrorOptions) => Error = Error, how: FlagFileReading = {}): Promise<Buffer> {
  const { maxBytes = MAX_FLAG_FILE_BYTES, waitMs = FLAG_PIPE_WAIT_MS, pipesRead } = how;
  const fail = (why: string, cause?: unknown): Error => new Kind(`${flag} ${path}: ${why}`, cause === undefined ? {} : { cause });
  const cannotRead = (err: unknown): Error => err instanceof PipeWaitError
    ? fail(`nothing ended it within ${err.waitMs / 1000} s (a FIFO no one writes?)`, err)
    : fail(`cannot read it (${errorCode(err) || String(err)})`, err);
  const fd = await openFd(path, OPEN_FLAGS).catch((err: unknown) => { throw cannotRead(err); });
  const stats = await fstatFd(fd).catch(async (err: unknown) => { await closeFd(fd); throw cannotRead(err); });
  if (!stats.isFile() && !stats.isFIFO()) {
    await closeFd(fd);
    throw fail(`not a regular file (${fileType(stats)})`);
  }
  const pipe = stats.isFIFO() ? `${stats.dev}:${stats.ino}` : undefined;
  const earlier = pipe === undefined ? undefined : pipesRead?.get(pipe);
  const readAgain = (why: string): TypeError => new TypeError(`${flag} ${path}: ${why}: ${earlier} named the same pipe and read it to its end (a pipe can be read only once)`);
  const data = await readAtMost(fd, stats, maxBytes + 1, waitMs).catch((err: unknown) => {
    throw earlier !== undefined && err instanceof PipeWaitError ? readAgain(`nothing came within ${err.waitMs / 1000} s`) : cannotRead(err);
  });
  if (data.length > maxBytes) throw fail(`larger than ${maxBytes} bytes`);
  if (earlier !== undefined && data.length === 0) throw readAgain("nothing left to read");
  if (pipe !== undefined) pipesRead?.set(pipe, `${flag} ${path}`);
  return data;
}

/** Up to `limit` bytes of the regular file or pipe open as `fd`, which is closed after. */
function readAtMost(fd: number, stats: Stats, limit: number, waitMs: number): Promise<Buffer> {
  if (stats.isFIFO()) return readPipeAtMost(fd, limit, waitMs); // closes fd
  return readFileAtMost(fd, limit).finally(() => closeFd(fd));
}

/** Up to `limit` bytes from the start of the regular file open as `fd`: fewer at its end. The caller closes `fd`. */
export async function readFileAtMost(fd: number, limit: number): Promise<Buffer> {
  const buffer = Buffer.alloc(limit);
  let length = 0;
  while (length < limit) {
    const { bytesRead } = await readFd(fd, buffer, length, limit - length, length);
    if (bytesRead === 0) break;
    length += bytesRead;
  }
  // a copy, so the rest of the buffer is not kept alive with it
  return length === limit ? buffer : Buffer.from(buffer.subarray(0, length));
}

function fileType(stats: Stats): string {
  if (stats.isDirectory()) return "a directory";
  if (stats.isSocket()) return "a socket";
  return stats.isCharacterDevice() || stats.isBlockDevice() ? "a device" : "not a file";
}
