/**
 * A raw AUTH command (`send()`) starts the masking of the answers that follow it in debug
 * output however the caller cut its bytes into `send()` calls: the command's words split
 * over two calls mask the same lines as the command sent whole.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { GREET, withScript } from "../helpers/client.js";

const USER = Buffer.from("user").toString("base64");
const PASS = Buffer.from("hunter2-S3cret").toString("base64");

/** Sends `raw` as two `send()` calls cut at `cut` (whole when 0), then answers LOGIN's two challenges with `putcmd`. */
async function loginRaw(raw: string, cut: number, before: number): Promise<string[]> {
  const lines: string[] = [];
  const script = `${GREET}${raw.split("\r\n").filter(Boolean).map((l) => `C: ${l}\n`).join("")}${"S: 250 ok\n".repeat(before)}`
    + `S: 334 VXNlcm5hbWU6\nC: ${USER}\nS: 334 UGFzc3dvcmQ6\nC: ${PASS}\nS: 235 ok\nC: NOOP\nS: 250 ok\n`;
  await withScript(script, async (client) => {
    if (cut > 0) await client.send(raw.slice(0, cut));
    await client.send(raw.slice(cut));
    for (let i = 0; i < before; i++) assert.equal((await client.getreply()).code, 250);
    assert.equal((await client.getreply()).code, 334);
    await client.putcmd(USER);
    assert.equal((await client.getreply()).code, 334);
    await client.putcmd(PASS);
    assert.equal((await client.getreply()).code, 235);
    await client.noop();
  }, { debugLevel: 1, debugOutput: (l) => lines.push(l) });
  return lines;
}

for (const [raw, before] of [["AUTH LOGIN\r\n", 0], ["NOOP\r\n  auth LOGIN\r\n", 1]] as const) {
  test(`send(): ${JSON.stringify(raw)} split in two at every index masks the answers as when sent whole`, async () => {
    for (let cut = 0; cut < raw.length; cut++) {
      const lines = await loginRaw(raw, cut, before);
      const all = lines.join("\n");
      assert.ok(!all.includes(USER) && !all.includes(PASS), `cut at ${cut}:\n${all}`);
      // The masking ends with the exchange: the NOOP after it shows.
      assert.equal(lines.at(-2), "C: NOOP", `cut at ${cut}:\n${all}`);
    }
  });
}

test("send() then docmd(): an AUTH command whose first letters went raw is masked in traces as when sent whole", async () => {
  const secret = Buffer.from("\0user\0hunter2-S3cret").toString("base64");
  const lines: string[] = [];
  await withScript(`${GREET}C: AUTH PLAIN ${secret}\nS: 235 ok\nC: NOOP\nS: 250 ok\n`, async (client) => {
    await client.send("AU");
    assert.equal((await client.docmd("TH", `PLAIN ${secret}`)).code, 235);
    await client.noop();
  }, { debugLevel: 1, debugOutput: (l) => lines.push(l) });
  const all = lines.join("\n");
  assert.ok(!all.includes(secret), all);
  assert.ok(lines.includes("C: AUTH PLAIN ****"), all);
  assert.equal(lines.at(-2), "C: NOOP", all);
});
