/**
 * For the small hand-written servers of some tests: the CRLF-terminated lines a socket receives.
 */

import type net from "node:net";

/** Calls `handle` with each CRLF-terminated line that `sock` receives, in order. */
export function onLines(sock: net.Socket, handle: (line: string) => void): void {
  let buffered = "";
  sock.on("data", (d: Buffer) => {
    buffered += d.toString("latin1");
    for (let i = buffered.indexOf("\r\n"); i !== -1; i = buffered.indexOf("\r\n")) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 2);
      handle(line);
    }
  });
}

/** What {@link onCommands} reports besides command lines. */
export interface ChunkEvents {
  /** `n` bytes of a BDAT chunk arrived. */
  payload?(n: number): void;
  /** A BDAT chunk arrived whole. */
  chunkEnd?(): void;
}

/**
 * {@link onLines} for a server that takes BDAT (RFC 3030): each line goes to `handle`,
 * and after a `BDAT n` line its `n` bytes are read as data, not lines.
 */
export function onCommands(sock: net.Socket, handle: (line: string) => void, events: ChunkEvents = {}): void {
  let buffered: Buffer = Buffer.alloc(0);
  let left = 0;
  sock.on("data", (d: Buffer) => {
    buffered = buffered.length > 0 ? Buffer.concat([buffered, d]) : d;
    for (;;) {
      if (left > 0) {
        const n = Math.min(left, buffered.length);
        left -= n;
        buffered = buffered.subarray(n);
        events.payload?.(n);
        if (left > 0) return;
        events.chunkEnd?.();
        continue;
      }
      const i = buffered.indexOf("\r\n");
      if (i < 0) return;
      const line = buffered.subarray(0, i).toString("latin1");
      buffered = buffered.subarray(i + 2);
      const bdat = /^BDAT (\d+)/i.exec(line);
      if (bdat) left = Number(bdat[1]);
      handle(line);
      if (bdat && left === 0) events.chunkEnd?.();
    }
  });
}
