/**
 * `close()` right after a call aborted once its message was all written: the abort closed
 * the connection gracefully (what was written goes first, bounded by `dataBlock`: README
 * "Cancelling"), and a server that stopped reading never takes it. A caller calling
 * `close()` wants the socket gone (Python's `close()` closes it at once), and the process
 * free to exit: the graceful end gets at most `CLOSE_GRACE_MS` more (the shorter of that and
 * `dataBlock`). It used to keep the socket, and with it the process, for the whole
 * `dataBlock` timeout (3 minutes by default).
 *
 * The stall is the client socket's own (its writes held, never completed), so the bytes are
 * still in it when the abort comes, whatever the system's buffer sizes. Timers are mocked:
 * the grace is stepped through, not waited for.
 */

import assert from "node:assert/strict";
import net from "node:net";
import { after, test } from "node:test";
import { SMTP } from "../../src/index.js";
import { CLOSE_GRACE_MS } from "../../src/constants.js";
import { LOCAL } from "../helpers/client.js";
import { lineServer } from "../helpers/line-server.js";

/** Closed after the test, even when it fails (a socket left open would keep this file's process alive). */
const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const cleanup of cleanups) await cleanup();
});

test("lock-step: close() right after a call aborted with its end of data still in a socket the server no longer reads destroys that socket within CLOSE_GRACE_MS, not the dataBlock timeout", { timeout: 20_000 }, async (t) => {
  let socket: net.Socket | undefined;
  /** From now on the client's socket takes writes and never completes them (a peer that stopped reading). */
  const stall = (): void => {
    const held = socket as unknown as { _write: unknown; _writev: unknown };
    held._write = (): void => undefined;
    held._writev = (): void => undefined;
  };
  const server = await lineServer((sock, line) => {
    if (line.startsWith("EHLO")) sock.write("250-mx.test\r\n250 HELP\r\n");
    else if (line === "DATA") {
      stall();
      sock.write("354 go\r\n");
    } else if (line.startsWith("MAIL") || line.startsWith("RCPT")) sock.write("250 ok\r\n");
  });
  cleanups.push(() => socket?.destroy(), () => server.close());
  // Every timer of the client mocked (a real one would be cleared by the mocked clearTimeout in vain).
  t.mock.timers.enable({ apis: ["setTimeout"] });
  // dataBlock far past the grace: only close() can end the socket within it.
  const client = await SMTP.connect("127.0.0.1", server.port, {
    localHostname: LOCAL, timeout: 600_000, socketFactory: ({ host, port }) => (socket = net.connect(port, host)),
  });
  const ac = new AbortController();
  const reason = new Error("caller gave up");
  const call = client.sendmail("a@x.test", ["b@y.test"], "hi", [], [], { signal: ac.signal });
  while (socket!.writableLength === 0) await new Promise((r) => setImmediate(r));
  ac.abort(reason);
  await assert.rejects(call, (err) => err === reason);
  assert.equal(client.connected, false);
  t.mock.timers.tick(CLOSE_GRACE_MS);
  assert.equal(socket!.destroyed, false, "without close(), the graceful end waits as long as dataBlock");
  client.close();
  t.mock.timers.tick(CLOSE_GRACE_MS - 1);
  assert.equal(socket!.destroyed, false, "what was written still gets its grace");
  t.mock.timers.tick(1);
  assert.equal(socket!.destroyed, true, "destroyed once the grace is over");
});
