/**
 * sendmail with a body stream whose string chunks are not ASCII: encoded as UTF-8, they are
 * 8-bit data, which goes only to a server that advertises 8BITMIME or SMTPUTF8, as for a
 * whole string body. Known only once such a chunk comes, after MAIL (and DATA) went out:
 * the transaction is abandoned so that the server discards it (over DATA the connection
 * closes before the final "."; over BDAT no LAST is sent, and RSET cancels the chunks), and
 * the call fails with SMTPNotSupportedError saying the message was not sent. Byte chunks go
 * as given.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPNotSupportedError } from "../../src/index.js";
import type { ScriptServer } from "../helpers/script-server.js";
import { greeting, LOCK_STEP_TO_DATA, PIPELINED_GROUP, withScript } from "../helpers/client.js";

/** An ASCII header section, then (once the server has it, when `server` is given) a non-ASCII line. */
async function* body(server?: ScriptServer, eightBit: Uint8Array | string = "Grüße\r\n"): AsyncGenerator<Uint8Array | string> {
  yield "Subject: hi\r\n\r\n";
  // Over DATA the first chunk is written at once: wait until it is there, so that the
  // transcript does not depend on when the client closes.
  while (server !== undefined && !server.received().includes("Subject: hi")) await new Promise((resolve) => setImmediate(resolve));
  yield eightBit;
}

const refused = (err: unknown): boolean => err instanceof SMTPNotSupportedError && /8BITMIME/.test(err.message) && /the message was not sent$/.test(err.message) && err.delivery === "not-delivered";

test("sendmail over DATA (lock-step and pipelined): a non-ASCII string chunk to a server without 8BITMIME or SMTPUTF8 closes the connection before the end of data; SMTPNotSupportedError", async () => {
  const scripts = [
    `${greeting(["SIZE 1000"])}${LOCK_STEP_TO_DATA}C: Subject: hi\nC:\n`,
    `${greeting(["PIPELINING"])}${PIPELINED_GROUP}S: 250 ok\nS: 250 ok\nS: 354 go\nC: Subject: hi\nC:\n`,
  ];
  for (const script of scripts) {
    await withScript(script, async (client, server) => {
      await assert.rejects(client.sendmail("a@x.test", "b@y.test", body(server)), refused);
      assert.equal(client.connected, false);
    });
  }
});

test("sendmail over BDAT: a non-ASCII string chunk to a server without 8BITMIME or SMTPUTF8 sends no BDAT LAST: RSET, the connection stays usable; SMTPNotSupportedError", async () => {
  const script = `${greeting(["CHUNKING"])}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: RSET\nS: 250 ok\nC: NOOP\nS: 250 ok\n`;
  await withScript(script, async (client) => {
    await assert.rejects(client.deliver("a@x.test", "b@y.test", body()), refused);
    assert.equal((await client.noop()).code, 250);
  });
});

test("sendmail: non-ASCII string chunks go where 8BITMIME or SMTPUTF8 is offered; byte chunks go as given anywhere", async () => {
  for (const ext of ["8BITMIME", "SMTPUTF8"]) {
    await withScript(`${greeting([ext])}${LOCK_STEP_TO_DATA}C: Subject: hi\nC:\nC: Grüße\nC: .\nS: 250 ok\n`, async (client) => {
      assert.equal((await client.sendmail("a@x.test", "b@y.test", body())).size, 0);
    });
  }
  await withScript(`${greeting(["SIZE 1000"])}${LOCK_STEP_TO_DATA}C: Subject: hi\nC:\nC: Grüße\nC: .\nS: 250 ok\n`, async (client) => {
    assert.equal((await client.sendmail("a@x.test", "b@y.test", body(undefined, Buffer.from("Grüße\r\n")))).size, 0);
  });
});
