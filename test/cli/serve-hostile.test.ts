// `smtplib serve` as a child process against broken or hostile clients: what it prints for a
// message cut off by a disconnect and for 8-bit data, and how it stops with a client that
// keeps its side open.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { Serve } from "../helpers/cli-process.js";
import { RawClient } from "../helpers/debug-client.js";

test("serve: a message cut off by a disconnect is not printed (the transcript says it was discarded); the next one is message 1, its 8-bit bytes shown as \\xNN", async () => {
  const serve = await Serve.start();
  try {
    const server = { host: "127.0.0.1", port: serve.port };
    const cut = await RawClient.inData(server);
    cut.socket.write("Subject: cut\r\n\r\nhalf a messa");
    cut.close();
    await serve.waitFor(/message not received in full, discarded/);
    const whole = await RawClient.inData(server);
    whole.socket.write(Buffer.from("Subject: caf\xe9\r\nX-A: 1\rX-B: 2\r\n.\r\n", "latin1"));
    assert.match(await whole.reply(), /^250 /);
    whole.close();
    await serve.waitFor(/end of message 1/);
    assert.doesNotMatch(serve.stdout, /half a messa/);
    assert.match(serve.stdout, /message 1 \(\d+ bytes, session [^)]*\) -+\nMAIL FROM: <a@example\.org>\nRCPT TO: {3}<b@example\.org>\n\nSubject: caf\\xe9\r\nX-A: 1\\rX-B: 2\r\n-+ end of message 1/);
    assert.doesNotMatch(serve.stdout, /message 2/);
  } finally {
    assert.equal(await serve.stop("SIGTERM"), 0);
  }
});

test("serve: SIGINT with a client that keeps its side open in the middle of DATA: the client gets 421 and serve exits 0", async () => {
  const serve = await Serve.start();
  const client = await RawClient.inData({ host: "127.0.0.1", port: serve.port }, { allowHalfOpen: true });
  client.socket.write("Subject: never ends\r\n\r\n");
  try {
    assert.equal(await serve.stop("SIGINT"), 0);
    assert.match(await client.reply(), /^421 /);
    assert.match(serve.stdout, /SIGINT, closing \(0 message\(s\) received\)/);
    assert.match(serve.stdout, /message not received in full, discarded/);
  } finally {
    client.close();
  }
});
