/**
 * `localHostname: ""` is the default, as `null` is (Python's `if local_hostname:`): HELO/EHLO
 * gives the computed name, and `localHostname` then reads that name (README, "Where we
 * differ from Python": "reads `null` until then, the computed name after it"), the name the
 * server was given; it used to read `""` for ever, though the computed name went out.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { localHostname } from "../../src/transport/local-name.js";
import { withScript } from "../helpers/client.js";

test("localHostname \"\" reads null before the first EHLO and the computed name, as sent, after it", async () => {
  const name = await localHostname("127.0.0.1");
  await withScript(`S: 220 mx.test ESMTP\nC: EHLO ${name}\nS: 250 mx.test\n`, async (client) => {
    assert.equal(client.localHostname, null);
    assert.equal((await client.ehlo()).code, 250);
    assert.equal(client.localHostname, name);
  }, { localHostname: "" });
});

test("localHostname set to \"\" after a name: the computed name is sent and read back", async () => {
  const name = await localHostname("127.0.0.1");
  await withScript(`S: 220 mx.test ESMTP\nC: EHLO ${name}\nS: 250 mx.test\n`, async (client) => {
    client.localHostname = "";
    assert.equal(client.localHostname, null);
    await client.ehlo();
    assert.equal(client.localHostname, name);
  });
});
