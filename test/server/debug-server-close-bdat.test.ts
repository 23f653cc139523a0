// close() with a message left in the middle of BDAT: like one in the middle of DATA, it is
// over (transcript line, onMessageEnd) by the time close() resolves.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { formatEntry, startDebugServer } from "../../src/server/debug-server.js";
import { RawClient } from "../helpers/debug-client.js";

test("close() mid-BDAT: the message's 'not received in full' line and onMessageEnd come before close() resolves, and before 'connection closed'", async () => {
  for (const command of ["BDAT 10 LAST", "DATA"]) {
    const ends: (string | undefined)[] = [];
    let started!: () => void;
    const begun = new Promise<void>((resolve) => started = resolve);
    const server = await startDebugServer({ extensions: { chunking: true }, onMessageStart: () => started(), onMessageEnd: (_s, refused) => void ends.push(refused) });
    const c = await RawClient.open(server);
    await c.reply();
    await c.cmd("EHLO client.example");
    await c.cmd("MAIL FROM:<a@example.org>");
    await c.cmd("RCPT TO:<b@example.org>");
    c.socket.write(`${command}\r\nabc`);
    await begun;
    await server.close();
    const lines = server.transcript.map((e) => formatEntry(e));
    assert.equal(ends.length, 1, command);
    assert.match(String(ends[0]), /^Error reading data/, command);
    const discarded = lines.findIndex((l) => l.startsWith("* message not received in full, discarded"));
    assert.ok(discarded !== -1 && discarded < lines.indexOf("* connection closed"), `${command}: ${lines.join(" | ")}`);
    c.close();
  }
});
