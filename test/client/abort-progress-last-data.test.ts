/**
 * A call aborted from its `onProgress` report of the whole size, over DATA: the caller was
 * told that all of its message had been handed over, so the message goes whole (its "."
 * too) and the connection then closes gracefully, its final reply being due, as over BDAT
 * (README "Cancelling"). Over DATA the report of a streamed message's last chunk (or a
 * large message's last 128 KiB piece) used to come before its "." was written: an abort
 * from it closed the connection half sent, and the message, all given, never went.
 */

import assert from "node:assert/strict";
import type net from "node:net";
import { Readable } from "node:stream";
import { test } from "node:test";
import { SMTP } from "../../src/index.js";
import { LOCAL } from "../helpers/client.js";
import { lineServer } from "../helpers/line-server.js";

/** A server (with `extensions`) that never answers the end of data; `lines` holds what it got. */
async function silentEnd(extensions: readonly string[]): Promise<{ port: number; lines: string[]; idle(): Promise<void>; close(): Promise<void> }> {
  const lines: string[] = [];
  const inData = new WeakSet<net.Socket>();
  const server = await lineServer((sock, line) => {
    lines.push(line);
    if (inData.has(sock)) {
      if (line === ".") inData.delete(sock);
      return;
    }
    if (line.startsWith("EHLO")) sock.write(["250-mx.test", ...extensions.map((e) => `250-${e}`), "250 HELP"].join("\r\n") + "\r\n");
    else if (line === "DATA") {
      inData.add(sock);
      sock.write("354 go\r\n");
    } else sock.write("250 ok\r\n");
  });
  const idle = async (): Promise<void> => {
    while (server.sockets.size > 0) await new Promise((r) => setTimeout(r, 5));
  };
  return { port: server.port, lines, idle, close: () => server.close() };
}

/** 2,000 lines of 100 bytes (200,000 bytes: two pieces of 128 KiB over DATA). */
const LINE = "x".repeat(98);
const LARGE = `${LINE}\r\n`.repeat(2000);

const BODIES: [string, () => string | Readable, number, number][] = [
  ["a stream of two chunks", () => Readable.from(["first line\r\n", "second line\r\n"]), 25, 2],
  ["a large message in memory (two pieces)", () => LARGE, LARGE.length, 2000],
];

for (const [way, extensions] of [["lock-step", []], ["pipelined", ["PIPELINING"]]] as const) {
  for (const [name, body, size, count] of BODIES) {
    test(`DATA (${way}), ${name}: a call aborted from its report of the whole size rejects with the reason, and its message still goes whole with its end of data, then the connection closes`, { timeout: 20_000 }, async () => {
      const server = await silentEnd(extensions);
      const client = await SMTP.connect("127.0.0.1", server.port, { localHostname: LOCAL, timeout: 5000 });
      try {
        const ac = new AbortController();
        const reason = new Error("caller gave up");
        const told: number[] = [];
        const onProgress = (sent: number): void => {
          told.push(sent);
          if (sent === size) ac.abort(reason);
        };
        await assert.rejects(client.sendmail("a@x.test", ["b@y.test"], body(), [], [], { signal: ac.signal, onProgress }), (err) => err === reason);
        assert.equal(told.at(-1), size, "told the whole size");
        assert.equal(client.connected, false, "its final reply was due: the connection closes");
        await server.idle();
        const data = server.lines.indexOf("DATA");
        assert.equal(server.lines.length - data - 1, count + 1, "every line of the message, then its end");
        assert.equal(server.lines.at(-1), ".", "the end of data went");
      } finally {
        client.close();
        await server.close();
      }
    });
  }
}
