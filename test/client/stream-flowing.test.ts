/**
 * A Node Readable in flowing mode (a "data" listener, `resume()`, or piped elsewhere) gives
 * its chunks to those readers as they come: the ones that come before the call reads it
 * (after MAIL, RCPT and DATA) would be missing from the message, which would be delivered
 * cut. It is refused as other streams that cannot give the message are: TypeError, nothing
 * sent, at the call and again at its turn.
 */

import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import { GREET, greeting, withScript } from "../helpers/client.js";

const flowing = (err: unknown): boolean => err instanceof TypeError && /flowing/.test(err.message);

test("a Readable in flowing mode (a data listener, resume()) is a TypeError before anything is sent: sendmail, deliver, data", async () => {
  await withScript(GREET, async (client) => {
    const listened = new PassThrough();
    listened.on("data", () => undefined);
    const resumed = new PassThrough();
    resumed.resume();
    for (const body of [listened, resumed]) {
      await assert.rejects(client.sendmail("a@x.test", "b@y.test", body), flowing);
      await assert.rejects(client.deliver("a@x.test", "b@y.test", body), flowing);
      await assert.rejects(client.data(body), flowing);
    }
  });
});

test("a Readable that starts flowing while its call waits for its turn is refused at its turn, nothing of its transaction sent", async () => {
  const script = `${greeting([])}C: NOOP\nS: 250 ok\n`;
  await withScript(script, async (client) => {
    await client.ehlo();
    const noop = client.noop();
    const body = new PassThrough();
    const sending = client.sendmail("a@x.test", "b@y.test", body);
    body.on("data", () => undefined);
    // Its first line goes to the listener, never to be read again.
    body.write("Subject: x\r\n\r\n");
    assert.equal((await noop).code, 250);
    await assert.rejects(sending, flowing);
  });
});

test("a Readable paused again after flowing is read from where it is, and goes whole", async () => {
  const script = `${greeting([])}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: DATA\nS: 354 go\nC: Subject: x\nC:\nC: hello\nC: .\nS: 250 ok\n`;
  await withScript(script, async (client) => {
    const body = new PassThrough();
    body.resume();
    body.pause();
    body.end("Subject: x\r\n\r\nhello\r\n");
    assert.equal((await client.sendmail("a@x.test", "b@y.test", body)).size, 0);
  });
});
