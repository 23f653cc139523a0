/**
 * A string body with a lone surrogate (half of a UTF-16 pair, without the other) has no
 * UTF-8 form: encoded, it would become U+FFFD, another message than the one given. As for
 * credentials and addresses, it is a TypeError: for a whole string (sendmail, deliver,
 * data, sendMessage and its asRaw() text) before anything is sent; for a stream's string
 * chunk when it comes, the transaction abandoned (over DATA the connection closes before
 * the final "."; over BDAT no LAST goes, and RSET cancels it). A pair cut between two
 * string chunks is whole, and goes.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { GREET, greeting, LOCK_STEP_TO_DATA, withScript } from "../helpers/client.js";
import type { ScriptServer } from "../helpers/script-server.js";

const lone = (err: unknown): boolean => err instanceof TypeError && /lone surrogate/.test(err.message);

test("a whole string body with a lone surrogate is a TypeError before anything is sent: sendmail, deliver, sendMessage (string and asRaw())", async () => {
  await withScript(GREET, async (client) => {
    for (const text of ["Subject: x\r\n\r\nbad \ud800 half\r\n", "Subject: x\r\n\r\nbad \udc00 half\r\n", "Subject: x\r\n\r\nends in \ud83d"]) {
      await assert.rejects(client.sendmail("a@x.test", "b@y.test", text), lone);
      await assert.rejects(client.deliver("a@x.test", "b@y.test", text), lone);
      const message = `From: a@x.test\r\nTo: b@y.test\r\n${text.replace("Subject: x\r\n", "")}`;
      await assert.rejects(client.sendMessage(message), lone);
      await assert.rejects(client.sendMessage({ asRaw: () => message }), lone);
    }
  });
});

test("data() with a string holding a lone surrogate is a TypeError before DATA", async () => {
  const script = `${greeting(["8BITMIME"])}C: MAIL FROM:<a@x.test> BODY=8BITMIME\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: RSET\nS: 250 ok\n`;
  await withScript(script, async (client) => {
    await client.ehlo();
    await client.mail("a@x.test", ["BODY=8BITMIME"]);
    await client.rcpt("b@y.test");
    await assert.rejects(client.data("bad \udc00\r\n"), lone);
    assert.equal((await client.rset()).code, 250);
  });
});

/** A first line, then (once the server has it, when `server` is given) `bad`. */
async function* stream(bad: readonly string[], server?: ScriptServer): AsyncGenerator<string> {
  yield "first line\r\n";
  while (server !== undefined && !server.received().includes("first line")) await new Promise((resolve) => setImmediate(resolve));
  yield* bad;
}

/** Bad string chunks: a lone low half, a lone high half in the middle, a high half that ends the stream, one before a byte chunk. */
const BAD: readonly (readonly string[])[] = [["x \udc00\r\n"], ["x \ud800 y\r\n"], ["x \ud83d"]];

test("sendmail over DATA: a stream's string chunk with a lone surrogate closes the connection before the end of data; TypeError", async () => {
  for (const bad of BAD) {
    await withScript(`${greeting(["8BITMIME"])}${LOCK_STEP_TO_DATA}C: first line\n`, async (client, server) => {
      await assert.rejects(client.sendmail("a@x.test", "b@y.test", stream(bad, server)), lone);
      assert.equal(client.connected, false);
    });
  }
});

test("sendmail over BDAT: a stream's string chunk with a lone surrogate sends no BDAT LAST: RSET, the connection stays; TypeError", async () => {
  const script = `${greeting(["CHUNKING", "8BITMIME"])}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: RSET\nS: 250 ok\n`;
  for (const bad of BAD) {
    await withScript(script, async (client) => {
      await assert.rejects(client.sendmail("a@x.test", "b@y.test", stream(bad)), lone);
      assert.equal(client.connected, true);
    });
  }
});

test("a high half that ends a string chunk before a byte chunk is lone: TypeError", async () => {
  async function* mixed(): AsyncGenerator<string | Uint8Array> {
    yield "x \ud83d";
    yield Buffer.from("\r\n");
  }
  const script = `${greeting(["CHUNKING", "8BITMIME"])}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: RSET\nS: 250 ok\n`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", mixed()), lone);
  });
});
