/**
 * AUTH takes 334 (a challenge), 235 or a failure (RFC 4954 §4, §6). A 1yz to the AUTH
 * line or to an answer is followed by another reply, which the next command (login()'s next
 * mechanism, the caller's MAIL) would take for its own; another 3yz than 334 (354) makes
 * the server read what follows as input: the connection closes on either, and the call
 * fails with SMTPAuthenticationError for that reply.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPAuthenticationError, SMTPServerDisconnected } from "../../src/index.js";
import { greeting, withScript } from "../helpers/client.js";

const AUTH = greeting(["AUTH X-TEST"]);
const answer = (challenge?: Buffer): string | null => (challenge === undefined ? null : "answer");

for (const reply of ["150 hold on", "354 go ahead"]) {
  test(`AUTH answered "${reply}" -> SMTPAuthenticationError with it; the connection is closed`, async () => {
    await withScript(`${AUTH}C: AUTH X-TEST\nS: ${reply}\n`, async (client) => {
      await client.ehlo();
      const err = await client.auth("X-TEST", answer).catch((e: unknown) => e);
      assert.ok(err instanceof SMTPAuthenticationError, String(err));
      assert.equal(err.smtpCode, Number(reply.slice(0, 3)));
      assert.equal(client.connected, false);
      await assert.rejects(client.noop(), SMTPServerDisconnected);
    });
  });
}

test(`an answer to a challenge answered "150 hold on" -> the same`, async () => {
  await withScript(`${AUTH}C: AUTH X-TEST\nS: 334 \nC: ${Buffer.from("answer").toString("base64")}\nS: 150 hold on\n`, async (client) => {
    await client.ehlo();
    const err = await client.auth("X-TEST", answer).catch((e: unknown) => e);
    assert.ok(err instanceof SMTPAuthenticationError, String(err));
    assert.equal(err.smtpCode, 150);
    assert.equal(client.connected, false);
  });
});

test(`login(): PLAIN answered "150 hold on" -> SMTPAuthenticationError with it; LOGIN is not tried on the closed connection`, async () => {
  const plain = Buffer.from("\0u\0p").toString("base64");
  await withScript(`${greeting(["AUTH PLAIN LOGIN"])}C: AUTH PLAIN ${plain}\nS: 150 hold on\n`, async (client) => {
    const err = await client.login("u", "p").catch((e: unknown) => e);
    assert.ok(err instanceof SMTPAuthenticationError, String(err));
    assert.equal(err.smtpCode, 150);
    assert.equal(client.connected, false);
  });
});
