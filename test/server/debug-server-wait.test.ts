// DebugServer.waitForMessages's defaults and what it leaves behind (the built package's own
// tests are in test/package/debug-server-entry.test.ts).
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { getEventListeners } from "node:events";
import { RawClient, withServer } from "../helpers/debug-client.js";

test("waitForMessages() without a count resolves with the first message as soon as one arrives", async () => {
  await withServer({}, async (server) => {
    const waiting = server.waitForMessages();
    const c = await RawClient.inData(server);
    assert.match(await c.cmd("one\r\n."), /^250 /);
    const got = await waiting;
    assert.deepEqual(got.map((m) => m.data.toString()), ["one\r\n"]);
    assert.equal((await server.waitForMessages()).length, 1);
    c.close();
  });
});

test("waitForMessages: a timeout of 0 (or not a positive number of milliseconds) is a RangeError, not the default", async () => {
  await withServer({}, async (server) => {
    for (const timeout of [0, -5, Number.NaN, Infinity, 2 ** 31]) {
      await assert.rejects(server.waitForMessages(1, { timeout }), RangeError, String(timeout));
    }
    await assert.rejects(server.waitForMessages(1, { timeout: "5" as unknown as number }), TypeError);
    await assert.rejects(server.waitForMessages(1.5), RangeError);
  });
});

test("waitForMessages: a signal shared by many waits keeps no listener of those that settled", async () => {
  await withServer({}, async (server) => {
    const controller = new AbortController();
    const waits = [server.waitForMessages(1, { signal: controller.signal }), server.waitForMessages(1, { signal: controller.signal })];
    assert.equal(getEventListeners(controller.signal, "abort").length, 2);
    const c = await RawClient.inData(server);
    assert.match(await c.cmd("x\r\n."), /^250 /);
    c.close();
    await Promise.all(waits);
    await assert.rejects(server.waitForMessages(2, { signal: controller.signal, timeout: 1 }), { name: "TimeoutError" });
    assert.equal(getEventListeners(controller.signal, "abort").length, 0);
  });
});

test("waitForMessages: a timeout under 1000 ms rejects with the client's unit hint (a Python porter's seconds), its words exact", async () => {
  await withServer({}, async (server) => {
    await assert.rejects(server.waitForMessages(1, { timeout: 5 }), (err: Error) => {
      assert.equal(err.name, "TimeoutError");
      assert.equal(err.message, `No message within 5 ms (0 received) on the debugging server at 127.0.0.1:${server.port} (timeouts are in milliseconds here, not seconds as in Python's smtplib: for 5 s, give 5000)`);
      return true;
    });
  });
});

test("waitForMessages: a count or options of the wrong type, a signal that is not one or an unknown option is a TypeError naming it, at once (options as a number waited 5 s for nothing; a null was \"Cannot read properties of null\"); null is not given", async () => {
  await withServer({}, async (server) => {
    const bad: readonly (readonly [string, () => Promise<unknown>, RegExp])[] = [
      ["the timeout given second", () => server.waitForMessages(1, 50 as never), /^wait options must be an object, got number 50$/],
      ["options a string", () => server.waitForMessages(1, "fast" as never), /^wait options must be an object, got the string "fast"$/],
      ["count a string", () => server.waitForMessages("2" as never), /^count must be a number, got the string "2"$/],
      ["count a bigint", () => server.waitForMessages(2n as never), /^count must be a number, got bigint 2$/],
      ["a signal that is a number", () => server.waitForMessages(1, { signal: 5 as never }), /^signal must be an AbortSignal, got number 5$/],
      ["a misspelt timeout", () => server.waitForMessages(1, { timout: 50 } as never), /^unknown wait option "timout" \(did you mean "timeout"\?\); known: timeout, signal$/],
    ];
    for (const [name, call, message] of bad) {
      await assert.rejects(call(), (err: unknown) => err instanceof TypeError && message.test(err.message), name);
    }
    const c = await RawClient.inData(server);
    assert.match(await c.cmd("one\r\n."), /^250 /);
    assert.equal((await server.waitForMessages(null, null)).length, 1);
    assert.equal((await server.waitForMessages(1, { timeout: null, signal: null })).length, 1);
    c.close();
  });
});
