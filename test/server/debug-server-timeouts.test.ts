// The debugging server's socketTimeout and closeTimeout as smtp-server takes them: a value it
// cannot use is a RangeError from startDebugServer, not a crash at the first connection, and
// closeTimeout 0 means at once (smtp-server takes 0 for "not set": 30 s).
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { startDebugServer } from "../../src/server/debug-server.js";
import type { DebugServerOptions } from "../../src/server/options.js";
import { toSmtpServerOptions } from "../../src/server/smtp-server-options.js";

/** What startDebugServer(options) rejects with (a server it starts is closed: undefined). */
async function startError(options: DebugServerOptions): Promise<unknown> {
  try {
    await (await startDebugServer(options)).close();
    return undefined;
  } catch (err) {
    return err;
  }
}

for (const socketTimeout of [Infinity, -5, 0, Number.NaN, 2 ** 31]) {
  test(`socketTimeout ${socketTimeout}: startDebugServer rejects with a RangeError before listening (not a crash at the first client)`, async () => {
    const err = await startError({ socketTimeout });
    assert.ok(err instanceof RangeError, String(err));
    assert.match(err.message, /^socketTimeout must be a positive number of milliseconds/);
  });
}

for (const closeTimeout of [Infinity, -1, Number.NaN, 2 ** 31]) {
  test(`closeTimeout ${closeTimeout}: startDebugServer rejects with a RangeError (smtp-server would wait 30 s, or not at all)`, async () => {
    const err = await startError({ closeTimeout });
    assert.ok(err instanceof RangeError, String(err));
    assert.match(err.message, /^closeTimeout must be/);
  });
}

test("closeTimeout 0 is handed to smtp-server as 1 ms, not as 0, which it takes for its default of 30 s", () => {
  assert.equal(toSmtpServerOptions({ closeTimeout: 0 }).closeTimeout, 1);
  assert.equal(toSmtpServerOptions({ closeTimeout: 250 }).closeTimeout, 250);
  assert.equal(toSmtpServerOptions({}).closeTimeout, 500);
  assert.equal(toSmtpServerOptions({ socketTimeout: 1000 }).socketTimeout, 1000);
});
