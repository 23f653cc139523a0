// One "did you mean" for every unknown option key (src/did-you-mean.ts). checkKnownKeys (the
// client's, a call's, the pool's and the debugging server's options) suggested a key only
// when the case differed: `{ timout: 5 }` said `unknown SMTP option "timout"` and no more,
// while the tls options' check also suggested a key within two edits. Both, and the timeout
// phases, now use the same rule: the same letters in another case first, else the nearest
// known key within two edits (one for a key of four characters or fewer).
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { didYouMean, nearestKey } from "../../src/did-you-mean.js";
import { checkKnownKeys } from "../../src/option-checks.js";
import { SMTP, SMTPPool, type SMTPOptions } from "../../src/index.js";
import { startDebugServer, type DebugServerOptions } from "../../src/debug-server.js";

test("nearestKey: the same letters in another case first, else the nearest within two edits, else none", () => {
  const cases: [string, readonly string[], string | undefined][] = [
    ["timout", ["timeout", "signal"], "timeout"],           // a letter left out
    ["tiemout", ["timeout"], "timeout"],                    // two neighbours swapped: one edit
    ["timeuot", ["timeout"], "timeout"],
    ["requireTls", ["requireTLS", "pipelining"], "requireTLS"],
    ["Timout", ["timeout"], "timeout"],                     // case and an edit
    ["timeoutxx", ["timeout"], "timeout"],                  // two letters more
    ["tmot", ["timeout"], undefined],                       // three edits
    ["sze", ["size", "signal"], "size"],                    // short: one edit
    ["sz", ["size"], undefined],                            // short: two edits is too far
    ["verify", ["rejectUnauthorized", "ca"], undefined],
    // the same letters in another case wins over a key nearer in edits
    ["CA", ["cb", "ca"], "ca"],
    // equally near: the first known
    ["sigx", ["sign", "sigh"], "sign"],
  ];
  for (const [key, known, expected] of cases) assert.equal(nearestKey(key, known), expected, `${key} in ${known.join(",")}`);
});

test("nearestKey: a hostile key millions of characters long is near none, and its edit distance to each known key is not computed (a table of n x m cells)", () => {
  // With the lengths not compared first, this would build tens of millions of cells per key.
  assert.equal(nearestKey("t".repeat(20_000_000), ["timeout", "signal"]), undefined);
  assert.equal(nearestKey(`${"timeout".toUpperCase()}${"x".repeat(3)}`, ["timeout"]), undefined);
  assert.equal(didYouMean("x".repeat(5_000_000), ["timeout"]), "");
});

test("checkKnownKeys: the nearest known key within two edits, as the tls options get; a hint of the caller's own still wins", () => {
  assert.throws(() => checkKnownKeys({ timout: 5 }, ["timeout", "signal"], "wait option"), { name: "TypeError", message: 'unknown wait option "timout" (did you mean "timeout"?); known: timeout, signal' });
  assert.throws(() => checkKnownKeys({ CA: 5 }, ["ca"], "x option"), { message: 'unknown x option "CA" (did you mean "ca"?); known: ca' });
  assert.throws(() => checkKnownKeys({ nothingLikeIt: 5 }, ["timeout"], "x option"), { message: 'unknown x option "nothingLikeIt"; known: timeout' });
  assert.throws(() => checkKnownKeys({ timout: 5 }, ["timeout"], "x option", { timout: "a hint of its own" }), { message: 'unknown x option "timout" (a hint of its own); known: timeout' });
});

test("the client's options: { timout: 5 } says did you mean \"timeout\"", () => {
  assert.throws(() => new SMTP({ timout: 5 } as unknown as SMTPOptions), (err: unknown) => {
    assert.ok(err instanceof TypeError, String(err));
    assert.match(err.message, /^unknown SMTP option "timout" \(did you mean "timeout"\?\); known: localHostname, timeout, /);
    return true;
  });
  assert.throws(() => new SMTP({ sigal: AbortSignal.abort() } as unknown as SMTPOptions), /^TypeError: unknown SMTP option "sigal" \(did you mean "signal"\?\); known: /);
  assert.throws(() => new SMTP({ limits: { maxLineLenght: 100 } } as unknown as SMTPOptions), /^TypeError: unknown limits key "maxLineLenght" \(did you mean "maxLineLength"\?\); known: /);
  assert.throws(() => new SMTP({ timeouts: { dataBlok: 5 } } as unknown as SMTPOptions), /^TypeError: unknown timeout phase "dataBlok" \(did you mean "dataBlock"\?\)$/);
});

test("the pool's options and the debugging server's: the same hint", async () => {
  assert.throws(() => new SMTPPool({ host: "127.0.0.1", port: 1, maxConection: 2 } as never), /unknown SMTPPool option "maxConection" \(did you mean "maxConnections"\?\)/);
  await assert.rejects(startDebugServer({ sise: 10 } as unknown as DebugServerOptions), /^TypeError: unknown debug server option "sise" \(did you mean "size"\?\); known: /);
});
