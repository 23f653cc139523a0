/**
 * `tls` options that Node cannot build a TLS context from (an unknown cipher list, a key or
 * certificate that is not PEM, an unknown curve) are the caller's mistake: a TypeError
 * before anything is sent (API.md), with Node's error as cause. Node itself finds them only
 * in `tls.connect`, which for `starttls()` runs after the server's 220: the connection was
 * then lost to a plain Error, its STARTTLS already agreed.
 */

import assert from "node:assert/strict";
import type tls from "node:tls";
import { test } from "node:test";
import { SMTP, SMTP_SSL } from "../../src/index.js";
import { GREET, withScript } from "../helpers/client.js";

/** Options Node refuses when it builds the TLS context, each with what Node's error says. */
const BAD: readonly (readonly [string, tls.ConnectionOptions])[] = [
  ["an unknown cipher list", { ciphers: "NOT-A-CIPHER" }],
  ["a key and certificate that are not PEM", { key: "junk", cert: "junk" }],
  ["an unknown ECDH curve", { ecdhCurve: "no-such-curve" }],
];

for (const [what, options] of BAD) {
  test(`starttls() with ${what} -> TypeError before EHLO or STARTTLS is sent; the session goes on`, async () => {
    await withScript(`${GREET}C: NOOP\nS: 250 ok\n`, async (client) => {
      const err = await client.starttls(options).catch((e: unknown) => e);
      assert.ok(err instanceof TypeError, String(err));
      assert.match(err.message, /^tls options cannot make a TLS context: /);
      assert.ok(err.cause instanceof Error);
      assert.equal(client.connected, true);
      assert.equal((await client.noop()).code, 250);
    });
  });

  test(`the tls option with ${what} -> TypeError at construction (SMTP and SMTP_SSL), before any connection`, () => {
    assert.throws(() => new SMTP({ tls: options }), TypeError);
    assert.throws(() => new SMTP_SSL({ tls: options }), TypeError);
  });
}
