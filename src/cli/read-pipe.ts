/**
 * Reading a pipe (a FIFO, the shell's `<(command)`, `/dev/stdin` fed by `|`) to its end
 * without blocking a thread: through the event loop, with a byte limit and a deadline.
 * @module
 */
import { close } from "node:fs";
import { Socket } from "node:net";

/** A pipe that gave no end (its writers all closing it) within `waitMs`. */
export class PipeWaitError extends Error {
  /**
   * @param waitMs how long the pipe was waited on, in milliseconds.
   */
  constructor(readonly waitMs: number) {
    super(`no end within ${waitMs} ms`);
    this.name = "PipeWaitError";
  }
}

/**
 * Up to `limit` bytes of the pipe open as `fd` (non-blocking), fewer at its end. Reading stops
 * at `limit` bytes, so memory stays bounded whatever the writer sends; the writer then gets
 * EPIPE. libuv reads the pipe with epoll, never a blocking read in the threadpool, so giving
 * up after `waitMs` really ends the wait.
 *
 * `fd` becomes the pipe's: it is closed before the promise settles, by the socket reading it
 * (libuv closes it with the handle; do not close it again), or here if no socket could be made.
 * On Linux a FIFO opened for reading before any writer reports no end until a writer has come
 * and gone, so a named FIFO whose writer comes later is waited for, and an anonymous pipe whose
 * writer already wrote and exited gives its data, then its end. Only a FIFO that another
 * process holds open for reading, whose writer came and went before `fd` was opened, shows no
 * end: reading it runs out of time.
 * @throws PipeWaitError if the pipe gave no end within `waitMs`; the read error otherwise.
 */
export function readPipeAtMost(fd: number, limit: number, waitMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let pipe: Socket;
    try {
      pipe = new Socket({ fd, readable: true, writable: false });
    } catch (err) {
      close(fd, () => reject(err));
      return;
    }
    const chunks: Buffer[] = [];
    let length = 0;
    let settle: (() => void) | undefined;
    // Settled once, when the socket has closed (and so has the fd).
    const finish = (outcome: () => void): void => {
      settle ??= outcome;
      clearTimeout(timer);
      pipe.destroy();
    };
    const timer = setTimeout(() => finish(() => reject(new PipeWaitError(waitMs))), waitMs);
    pipe.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= limit) finish(() => resolve(Buffer.concat(chunks, limit)));
    });
    pipe.on("end", () => finish(() => resolve(Buffer.concat(chunks, length))));
    pipe.on("error", (err) => finish(() => reject(err)));
    pipe.on("close", () => {
      finish(() => reject(new Error("the pipe closed before its end")));
      settle?.();
    });
  });
}
