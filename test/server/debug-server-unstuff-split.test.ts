// The debugging server undoes dot-stuffing the same however the client's data is cut: a
// "." or CR at the edge of a segment, the end marker split in two. The two parts are
// written apart (Nagle off, the second after the first has been flushed), so the server
// mostly reads them apart; together, the message must come out the same anyway.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { setTimeout as sleep } from "node:timers/promises";
import { RawClient, withServer } from "../helpers/debug-client.js";

const MESSAGE = "a\r\n.b\r\n\r\n.\r\n..\r\n.x\r\nend\r\n";
/** The message on the wire: every line that starts with "." gets another, then the end marker. */
const WIRE = Buffer.from(`${MESSAGE.replace(/^\./gm, "..")}.\r\n`, "latin1");

test("DATA split in two at every index gives the message with the dots un-stuffed, as when sent whole", async () => {
  await withServer({}, async (server) => {
    for (let cut = 0; cut < WIRE.length; cut++) {
      const c = await RawClient.inData(server);
      c.socket.setNoDelay(true);
      await new Promise<void>((resolve) => c.socket.write(WIRE.subarray(0, cut), () => resolve()));
      await sleep(2);
      c.socket.write(WIRE.subarray(cut));
      assert.match(await c.reply(), /^250 /, `cut at ${cut}`);
      c.close();
      assert.equal(server.messages.at(-1)?.data.toString("latin1"), MESSAGE, `cut at ${cut}`);
    }
    assert.equal(server.messages.length, WIRE.length);
  });
});
