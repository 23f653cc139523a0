// close() while onMessage still decides a message: the client gets 421 and the connection
// goes; the message must not then turn up in `messages` (a test counting deliveries, or a
// retry, would see one the client was told failed).
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { startDebugServer } from "../../src/server/debug-server.js";
import { RawClient } from "../helpers/debug-client.js";

test("a message whose onMessage settles after close() (the client got 421) is not kept", async () => {
  let decide = (): void => undefined;
  let called = (): void => undefined;
  const inHook = new Promise<void>((resolve) => called = resolve);
  const server = await startDebugServer({ closeTimeout: 1, onMessage: () => new Promise<void>((resolve) => { decide = resolve; called(); }) });
  const client = await RawClient.inData(server);
  try {
    client.socket.write("Subject: x\r\n\r\nbody\r\n.\r\n");
    await inHook;
    await server.close();
    assert.match(await client.reply(), /^421 /);
    decide();
    // the hook's continuation runs on the next turns
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(server.messages.length, 0);
    assert.ok(!server.transcript.some((e) => e.line.startsWith("message accepted")), "no 'message accepted' line either");
  } finally {
    client.close();
  }
});
