// The debugging server against hostile or broken clients: what its transcript shows, and
// how it lets go of them.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { formatEntry } from "../../src/server/debug-server.js";
import { RawClient, withServer } from "../helpers/debug-client.js";

test("AUTH with tabs between its words (refused as unknown) still has its credentials masked in the transcript", async () => {
  await withServer({ auth: { users: { alice: "s3cret-pw" } } }, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    await c.cmd("EHLO client.example");
    const secret = Buffer.from("\0alice\0s3cret-pw").toString("base64");
    assert.match(await c.cmd(`AUTH\tPLAIN\t${secret}`), /^500 /);
    assert.match(await c.cmd(`auth  plain   ${secret}`), /^235 /);
    await c.cmd("QUIT");
    c.close();
    const text = server.transcript.map((e) => formatEntry(e)).join("\n");
    assert.ok(!text.includes(secret), text);
    assert.match(text, /^C: AUTH PLAIN \*\*\*$/m);
    assert.match(text, /^C: auth plain \*\*\*$/m);
  });
});
