import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPPool, type PoolOptions } from "../../src/index.js";
import { withScript } from "../helpers/client.js";

// A credential given where an object or a function belongs is a TypeError that says what
// was expected and names the type it got, never the value: a short string there is
// likely the password, the token or their base64 (`loginWith("hunter2")`), and error
// messages end up in logs.

const SECRET = "hunter2-Secret";
const hidesSecret = (err: unknown): boolean => err instanceof TypeError && !err.message.includes(SECRET) && !err.message.includes("12345");

test("loginWith(), auth() and a pool's auth given a secret where an object or a function belongs: TypeError without the secret", async () => {
  await withScript("S: 220 mx.test ESMTP\n", async (client) => {
    await assert.rejects(client.loginWith(SECRET as never), (err: unknown) => hidesSecret(err) && /credentials must be an object, got a string/.test((err as Error).message));
    await assert.rejects(client.loginWith({ user: "u", token: 12345 as never }), (err: unknown) => hidesSecret(err) && /token must be a string or a function returning one, got a number/.test((err as Error).message));
    const encoded = Buffer.from(`\0u\0${SECRET}`).toString("base64");
    await assert.rejects(client.auth("PLAIN", encoded as never), (err: unknown) => hidesSecret(err) && !(err as Error).message.includes(encoded) && /authobject must be a function/.test((err as Error).message));
  });
  assert.throws(() => new SMTPPool({ host: "x", auth: `user:${SECRET}` } as unknown as PoolOptions), (err: unknown) => hidesSecret(err) && /auth must be an object, got a string/.test((err as Error).message));
});

test("credentials with neither a password nor a token (an environment variable not set) are a TypeError before anything is sent, not \"No suitable authentication method found\" from the server", async () => {
  const neither = /^(credentials|auth): a password or a token is needed, and neither was given/;
  await withScript("S: 220 mx.test ESMTP\n", async (client) => {
    await assert.rejects(client.loginWith({ user: "u" }), (err: unknown) => err instanceof TypeError && neither.test(err.message));
    await assert.rejects(client.loginWith({ user: "u", password: undefined, token: null as never }), (err: unknown) => err instanceof TypeError && neither.test(err.message));
  });
  assert.throws(() => new SMTPPool({ host: "x", auth: { user: "u", password: undefined } }), (err: unknown) => err instanceof TypeError && neither.test(err.message));
});
