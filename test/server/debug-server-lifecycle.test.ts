// The debugging server's public lifecycle as README documents it: close() twice (and
// asyncDispose) is one close, waits pending and later are rejected, the messages stay
// readable; listening on IPv6 loopback.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { startDebugServer } from "../../src/server/debug-server.js";
import { RawClient } from "../helpers/debug-client.js";

test("close() called twice and [Symbol.asyncDispose]() return the same promise; a wait pending then, or made after, rejects; the messages stay readable", async () => {
  const server = await startDebugServer();
  const c = await RawClient.inData(server);
  assert.match(await c.cmd("hi\r\n."), /^250 /);
  const pending = server.waitForMessages(2, { timeout: 60_000 });
  const first = server.close();
  assert.equal(server.close(), first);
  assert.equal(server[Symbol.asyncDispose](), first);
  await assert.rejects(pending, /was closed before 2 messages arrived \(1 received\)/);
  await first;
  c.close();
  assert.equal(server.messages.length, 1);
  assert.deepEqual((await server.waitForMessages(1)).map((m) => m.data.toString()), ["hi\r\n"]);
  await assert.rejects(server.waitForMessages(2), /was closed before 2 messages arrived/);
});

test("host ::1: listens on IPv6 loopback (port 0: a free one), names it [::1]:port in errors, and takes a message there", async () => {
  await using server = await startDebugServer({ host: "::1" });
  assert.equal(server.host, "::1");
  assert.ok(server.port > 0);
  await assert.rejects(server.waitForMessages(1, { timeout: 1 }), (err: Error) => err.name === "TimeoutError" && err.message.includes(`at [::1]:${server.port}`));
  const c = await RawClient.inData(server);
  assert.match(await c.cmd("hi\r\n."), /^250 /);
  await c.cmd("QUIT");
  c.close();
  assert.equal(server.messages.length, 1);
  assert.ok(server.transcript.some((e) => e.line.startsWith("connection from ::1:")), server.transcript.map((e) => e.line).join("\n"));
});
