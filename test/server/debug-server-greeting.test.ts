// When the debugging server greets (greetingDelay): at once by default, where smtp-server
// paused 100 ms on every connection; after the delay asked for, with a client that talks
// first refused ("421 You talk too soon"); once only, although smtp-server's own timer still
// runs; and never on a connection refused as one client too many.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { once } from "node:events";
import { connect } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { startDebugServer } from "../../src/server/debug-server.js";
import { RawClient, withServer } from "../helpers/debug-client.js";

/** Everything the server sends to a client that writes `lines` as soon as it connects, until the server closes or `QUIT` is answered. */
async function talkFirst(server: { host: string; port: number }, lines: string): Promise<string> {
  const socket = connect({ host: server.host, port: server.port });
  socket.write(lines); // queued before the connection is up: the server reads it before any greeting it waits to send
  let received = "";
  socket.setEncoding("latin1").on("data", (chunk: string) => received += chunk);
  await once(socket, "close");
  return received;
}

test("greetingDelay not given: the greeting is sent at once, so a client that writes EHLO before it is answered, not refused", async () => {
  await withServer({}, async (server) => {
    const received = await talkFirst(server, "EHLO early.example\r\nQUIT\r\n");
    assert.match(received, /^220 smtplib-debug ESMTP [^\r\n]*\r\n250-smtplib-debug [^\r\n]*\r\n(?:250-[^\r\n]*\r\n)*250 [^\r\n]*\r\n221 2\.0\.0 Bye\r\n$/);
  });
});

test("greetingDelay: a client that talks before the greeting gets 421 and is closed; one that waits is greeted", async () => {
  await withServer({ greetingDelay: 60_000 }, async (server) => {
    assert.match(await talkFirst(server, "EHLO early.example\r\n"), /^421 [^\r\n]*You talk too soon\r\n$/);
  });
  await withServer({ greetingDelay: 30 }, async (server) => {
    const c = await RawClient.open(server);
    assert.match(await c.reply(), /^220 smtplib-debug ESMTP /);
    assert.match(await c.cmd("NOOP"), /^250 /);
    c.close();
  });
});

test("the greeting is sent once: smtp-server's own 100 ms timer, which still runs, greets nobody again", async () => {
  await withServer({}, async (server) => {
    const c = await RawClient.open(server);
    assert.match(await c.reply(), /^220 /);
    await sleep(250); // past smtp-server's timer
    assert.match(await c.cmd("NOOP"), /^250 /, "the reply after the greeting is NOOP's, not a second 220");
    c.close();
  });
});

test("a client refused as one too many gets the 421 alone, with or without a greeting delay", async () => {
  for (const greetingDelay of [0, 20]) {
    await withServer({ maxClients: 1, greetingDelay }, async (server) => {
      const first = await RawClient.open(server);
      assert.match(await first.reply(), /^220 /);
      const refused = await talkFirst(server, "");
      assert.match(refused, /^421 [^\r\n]*Too many connected clients[^\r\n]*\r\n$/, `greetingDelay ${greetingDelay}`);
      first.close();
    });
  }
});

test("greetingDelay: a whole number of milliseconds from 0 to 2^31 - 1", async () => {
  for (const [value, error] of [[-1, RangeError], [1.5, RangeError], [2 ** 31, RangeError], [Infinity, RangeError], [Number.NaN, RangeError], ["10", TypeError], [true, TypeError]] as const) {
    await assert.rejects(startDebugServer({ greetingDelay: value as number }), (err: Error) => err instanceof error && /^greetingDelay must be /.test(err.message), String(value));
  }
  const server = await startDebugServer({ greetingDelay: 2 ** 31 - 1 });
  await server.close();
});

test("an smtp-server without the methods the greeting (or CHUNKING) wraps: the start fails, naming them, before listening", async (t) => {
  const { SMTPConnection } = await import("smtp-server/lib/smtp-connection.js");
  const proto = SMTPConnection.prototype as unknown as Record<string, unknown>;
  const saved = proto["connectionReady"];
  t.after(() => { proto["connectionReady"] = saved; });
  delete proto["connectionReady"];
  await assert.rejects(startDebugServer({}), /^Error: smtp-server's connections have no connectionReady, which the debugging server's greeting uses \(written for smtp-server 3\.21\)/);
  const send = proto["send"];
  t.after(() => { proto["send"] = send; });
  proto["connectionReady"] = saved;
  delete proto["send"];
  await assert.rejects(startDebugServer({ extensions: { chunking: true } }), /^Error: extensions\.chunking: smtp-server's connections have no send, which the debugging server's BDAT wraps/);
});

test("greetingDelay: a client gone before its greeting, and close() while one waits for it: no greeting is written, and close() ends the wait", async () => {
  const server = await startDebugServer({ greetingDelay: 30 });
  const gone = connect({ host: server.host, port: server.port });
  await once(gone, "connect");
  gone.destroy();
  await sleep(80); // past its greeting's time: written to nobody, and nothing thrown
  const c = await RawClient.open(server);
  assert.match(await c.reply(), /^220 /, "the next client is greeted");
  c.close();
  await server.close();
  const slow = await startDebugServer({ greetingDelay: 60_000, closeTimeout: 0 });
  const waiting = await RawClient.open(slow);
  await slow.close(); // the client is told 421 and let go, not held for the minute
  assert.match(await waiting.reply(), /^421 /);
  assert.ok(!slow.transcript.some((e) => e.direction === "S" && e.line.startsWith("220")), "never greeted");
});
