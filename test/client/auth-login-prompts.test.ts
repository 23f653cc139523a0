/**
 * LOGIN with prompts in plain text (`334 Username:`, `334 Password:`), as some servers send
 * them instead of base64: LOGIN answers by position, as Python's auth_login does (whose
 * lenient base64 decoder turns such a prompt into bytes it ignores), so the exchange goes
 * on; an auth object is given the prompt's text as bytes, as base64's decoding would have
 * given it. Mechanisms whose challenges matter (CRAM-MD5: see auth-challenge-paths) still
 * cancel a challenge that is not base64.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { greeting, withScript } from "../helpers/client.js";

const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");

test("login(): LOGIN with a plain-text 'Password:' prompt after the user name as initial response", async () => {
  const script = `${greeting(["AUTH LOGIN"])}C: AUTH LOGIN ${b64("u")}\nS: 334 Password:\nC: ${b64("p")}\nS: 235 2.7.0 ok\n`;
  await withScript(script, async (client) => {
    assert.equal((await client.login("u", "p")).code, 235);
  });
});

test("login() without an initial response: plain-text 'Username:' then 'Password:' prompts", async () => {
  const script = `${greeting(["AUTH LOGIN"])}C: AUTH LOGIN\nS: 334 Username:\nC: ${b64("u")}\nS: 334 Password:\nC: ${b64("p")}\nS: 235 2.7.0 ok\n`;
  await withScript(script, async (client) => {
    assert.equal((await client.login("u", "p", { initialResponseOk: false })).code, 235);
  });
});

test("auth('LOGIN', authLogin) and a caller's auth object: plain-text prompts, each given as its text's bytes", async () => {
  const script = `${greeting(["AUTH LOGIN"])}C: AUTH LOGIN\nS: 334 Username:\nC: ${b64("u")}\nS: 334 Password:\nC: ${b64("p")}\nS: 235 2.7.0 ok\n`;
  await withScript(script, async (client) => {
    await client.ehlo();
    client.user = "u";
    client.password = "p";
    assert.equal((await client.auth("LOGIN", client.authLogin, { initialResponseOk: false })).code, 235);
  });
  const seen: string[] = [];
  await withScript(script, async (client) => {
    await client.ehlo();
    const reply = await client.auth("login", (challenge) => {
      if (challenge === undefined) return null;
      seen.push(challenge.toString("utf8"));
      return challenge.toString("utf8") === "Username:" ? "u" : "p";
    });
    assert.equal(reply.code, 235);
  });
  assert.deepEqual(seen, ["Username:", "Password:"]);
});
