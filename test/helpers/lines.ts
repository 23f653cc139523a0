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
