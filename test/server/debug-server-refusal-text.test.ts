// A refusal's message (refuseSenders, refuseRecipients, refuseAfterData) is sent as one reply
// line. A CR LF in it went out as a space (smtp-server's backstop), not as the caller wrote
// it, and a 1 MB text as a 1 MB line (RFC 5321 §4.5.3.1.5: 512 octets): both are refused
// when the server starts.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { startDebugServer, type DebugServerOptions } from "../../src/debug-server.js";
import { RawClient } from "../helpers/debug-client.js";

const LISTS = ["refuseSenders", "refuseRecipients", "refuseAfterData"] as const;

for (const list of LISTS) {
  const cases: readonly [string, string, ErrorConstructor, RegExp][] = [
    ["CR LF", "no\r\n250 ok", TypeError, new RegExp(`^${list}: the message of a refusal is one reply line, without CR, LF or another control character, got "no\\\\r\\\\n250 ok"$`)],
    ["a TAB", "no\tway", TypeError, /is one reply line/],
    ["1 MB", "x".repeat(1 << 20), RangeError, new RegExp(`^${list}: the message of a refusal has 1048576 octets, over the 499 a reply line leaves it`)],
    ["500 octets of UTF-8 (250 two-octet characters)", "é".repeat(250), RangeError, /has 500 octets, over the 499/],
  ];
  for (const [what, message, type, pattern] of cases) {
    test(`${list}: a refusal message with ${what}: ${type.name} when the server starts, nothing started`, async () => {
      const options = { [list]: [{ address: "b@x.test", message }] } as DebugServerOptions;
      const err = await startDebugServer(options).then(async (server) => { await server.close(); return undefined; }, (e: unknown) => e);
      assert.ok(err instanceof type, `expected a ${type.name}, got ${String(err)}`);
      assert.match(err.message, pattern);
      assert.ok(err.message.length < 400);
    });
  }
}

test("a refusal message of 499 octets goes as one line of 512 octets with the code whose enhanced status code is smtp-server's longest", async () => {
  const message = "y".repeat(499);
  const server = await startDebugServer({ refuseSenders: [{ address: "a@x.test", code: 556, message }] });
  const client = await RawClient.open(server);
  try {
    await client.reply();
    await client.cmd("EHLO client.example");
    const reply = await client.cmd("MAIL FROM:<a@x.test>");
    assert.equal(reply, `556 5.1.10 ${message}\r\n`);
    assert.equal(Buffer.byteLength(reply), 512);
  } finally {
    client.socket.destroy();
    await server.close();
  }
});
