// The debugging server's `onMessageData` may return a promise: the rest of the data (and the
// client's socket) is not read until it settles, so that a caller writing the data somewhere
// slower than the network (serve --save's Maildir) holds the client back instead of buffering
// the message. Without it every piece was handed on at once, whatever the caller could take.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { setTimeout as sleep } from "node:timers/promises";
import { SMTP, SMTPDataError } from "../../src/index.js";
import { withServer } from "../helpers/debug-client.js";

for (const chunking of [false, true]) test(`onMessageData returning a pending promise${chunking ? " (BDAT)" : ""}: no further piece is handed on, nor the 250 sent, until it settles; then the message arrives whole`, async () => {
  const message = Buffer.from("0123456789abcdef\r\n".repeat(250_000));
  let calls = 0;
  let bytes = 0;
  let release!: () => void;
  const held = new Promise<void>((resolve) => { release = resolve; });
  await withServer({
    size: 0,
    keepBytes: 0,
    extensions: { chunking },
    onMessageData: (_session, chunk) => {
      calls++;
      bytes += chunk.length;
      return calls === 1 ? held : undefined;
    },
  }, async (server) => {
    const client = await SMTP.connect(server.host, server.port);
    let sent = false;
    const sending = client.sendmail("a@x.test", ["b@x.test"], message).then(() => { sent = true; });
    while (calls === 0) await sleep(5);
    // held: whatever more the client wrote waits in the socket buffers
    await sleep(200);
    assert.deepEqual({ calls, sent }, { calls: 1, sent: false });
    release();
    await sending;
    await client.quit();
    assert.ok(calls > 1, `${calls} pieces`);
    assert.equal(bytes, message.length);
    assert.equal(server.messages[0]?.size, message.length);
  });
});

test("onMessageData whose promise rejects (a failed write): that message is refused with 451 naming the error, and the session goes on", async () => {
  let calls = 0;
  await withServer({ onMessageData: () => (++calls === 1 ? Promise.reject(new Error("disk gone")) : undefined) }, async (server) => {
    const client = await SMTP.connect(server.host, server.port);
    await assert.rejects(client.sendmail("a@x.test", ["b@x.test"], "Subject: 1\r\n\r\none\r\n"), (err: unknown) => err instanceof SMTPDataError && err.smtpCode === 451 && /disk gone/.test(err.message));
    assert.deepEqual(await client.sendmail("a@x.test", ["b@x.test"], "Subject: 2\r\n\r\ntwo\r\n"), new Map());
    await client.quit();
    assert.deepEqual(server.messages.map((m) => m.data.toString()), ["Subject: 2\r\n\r\ntwo\r\n"]);
  });
});
