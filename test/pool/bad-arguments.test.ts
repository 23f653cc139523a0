/**
 * A pool call with a bad argument (an address with a CR, no recipients, a bad option, a
 * negative size, a body that is not one, a message without a sender) is a caller's mistake:
 * it rejects with the client's TypeError or RangeError before it waits for anything, so it
 * takes no rate-limit pass, no place against `maxQueued`, opens no connection and counts
 * against no connection's `maxMessagesPerConnection`.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPPool, type PoolOptions } from "../../src/index.js";
import { acceptingServer } from "../helpers/line-server.js";

/** Each bad call, and the class of error the client itself throws for it. */
const BAD_CALLS: readonly (readonly [string, string, (pool: SMTPPool) => Promise<unknown>])[] = [
  ["sendmail, a CR in a recipient", "TypeError", (p) => p.sendmail("a@x.test", "b\r@y.test", "hi\r\n")],
  ["sendmail, no recipients", "TypeError", (p) => p.sendmail("a@x.test", [], "hi\r\n")],
  ["sendmail, a sender that is not a string", "TypeError", (p) => p.sendmail(42 as unknown as string, "b@y.test", "hi\r\n")],
  ["sendmail, a body that is not one", "TypeError", (p) => p.sendmail("a@x.test", "b@y.test", 42 as unknown as string)],
  ["sendmail, a MAIL option with a LF", "TypeError", (p) => p.sendmail("a@x.test", "b@y.test", "hi\r\n", ["X=1\nRSET"])],
  ["deliver, a negative size", "RangeError", (p) => p.deliver("a@x.test", "b@y.test", "hi\r\n", [], [], { size: -1 })],
  ["sendMessage, no sender in the headers", "TypeError", (p) => p.sendMessage("To: b@y.test\r\n\r\nhi\r\n")],
  ["sendMessage, an RCPT option with a CR", "TypeError", (p) => p.sendMessage("From: a@x.test\r\nTo: b@y.test\r\n\r\nhi\r\n", undefined, undefined, [], ["X=1\rRSET"])],
  ["sendmail, a misspelt call option", "TypeError", (p) => p.sendmail("a@x.test", "b@y.test", "hi\r\n", [], [], { sigal: AbortSignal.abort() } as never)],
  ["deliver, a signal that is not one", "TypeError", (p) => p.deliver("a@x.test", "b@y.test", "hi\r\n", [], [], { signal: 1 } as never)],
  ["sendMessage, null call options", "TypeError", (p) => p.sendMessage("From: a@x.test\r\nTo: b@y.test\r\n\r\nhi\r\n", undefined, undefined, [], [], null as never)],
  ["sendMessage, a size call option (sendmail's and deliver's only)", "TypeError", (p) => p.sendMessage("From: a@x.test\r\nTo: b@y.test\r\n\r\nhi\r\n", undefined, undefined, [], [], { size: 10 } as never)],
];

/** Settles `promise` into "fulfilled", or the rejection's class name. */
const outcome = (promise: Promise<unknown>): Promise<string> => promise.then(() => "fulfilled", (err: unknown) => (err instanceof Error ? err.name : String(err)));

const poolFor = (port: number, options: Partial<PoolOptions> = {}): SMTPPool =>
  new SMTPPool({ host: "127.0.0.1", port, maxConnections: 1, maxInFlight: 1, localHostname: "pool.test", ...options });

for (const [name, expected, call] of BAD_CALLS) {
  test(`pool ${name}: ${expected} before the call waits; no connection opened, no rate-limit pass, no queue place`, { timeout: 20_000 }, async () => {
    const server = await acceptingServer();
    // The window is full and nobody may wait: a call that got as far as the rate limit
    // would be refused with SMTPPoolQueueFull instead of its own error.
    const limited = poolFor(server.port, { rateLimit: { messages: 1, interval: 600_000 }, maxQueued: 0 });
    const fresh = poolFor(server.port, { maxMessagesPerConnection: 1 });
    try {
      assert.equal(await outcome(limited.sendmail("m1@x.test", "b@y.test", "hi\r\n")), "fulfilled");
      assert.equal(await outcome(call(limited)), expected);
      // A fresh pool opens no connection for it (nor, with maxMessagesPerConnection 1, does
      // it use up a connection that the next good call would have had).
      assert.equal(await outcome(call(fresh)), expected);
      assert.equal(fresh.size, 0);
      assert.equal(server.connections(), 1);
      assert.equal(await outcome(fresh.sendmail("m2@x.test", "b@y.test", "hi\r\n")), "fulfilled");
      assert.equal(server.connections(), 2);
      assert.deepEqual(server.mails, ["MAIL FROM:<m1@x.test>", "MAIL FROM:<m2@x.test>"]);
    } finally {
      await Promise.all([limited.close(), fresh.close()]);
      await server.close();
    }
  });
}

/** Pool options a JavaScript caller might get wrong: refused when the pool is made, not at its first send. */
const BAD_POOL_OPTIONS: readonly (readonly [string, unknown, ErrorConstructor, RegExp])[] = [
  ["no options", undefined, TypeError, /SMTPPool needs options/],
  ["no host", { port: 25 }, TypeError, /host must be a string, got undefined/],
  ["an unknown protocol", { host: "x", protocol: "smtpx" }, TypeError, /protocol must be "smtp", "smtps" or "lmtp"/],
  ["a string port", { host: "x", port: "587" }, TypeError, /port must be a number/],
  ["a port out of range", { host: "x", port: 70_000 }, RangeError, /port must be an integer from 0 to 65535/],
  ["a misspelt key", { host: "x", maxConnection: 2 }, TypeError, /unknown SMTPPool option "maxConnection"/],
  ["Nodemailer's secure", { host: "x", secure: true }, TypeError, /^unknown SMTPPool option "secure" \(Nodemailer's: protocol: "smtps" for TLS from the first byte \(port 465\); requireTLS: true for STARTTLS\)/],
  ["a misspelt client option", { host: "x", requireTls: true }, TypeError, /unknown SMTPPool option "requireTls" \(did you mean "requireTLS"\?\)/],
  ["a client timeout out of range", { host: "x", timeout: -1 }, RangeError, /timeout must be a positive number/],
  ["a client boolean as a string", { host: "x", allowInsecureAuth: "false" }, TypeError, /allowInsecureAuth must be true or false/],
  ["a bad debug level", { host: "x", debugLevel: 3 }, RangeError, /debug level must be 0, 1 or 2/],
  ["a bad reply limit", { host: "x", limits: { maxReplyLines: 0 } }, RangeError, /limits.maxReplyLines/],
  ["a white-space localHostname", { host: "x", localHostname: "a b" }, TypeError, /localHostname must not contain whitespace/],
  ["auth as a string", { host: "x", auth: "user:pw" }, TypeError, /auth must be an object/],
  ["auth with a misspelt password key", { host: "x", auth: { user: "u", pass: "pw" } }, TypeError, /unknown credentials key "pass" \(Nodemailer's: password\); known: user, password, token, authzid$/],
  // What login() would refuse before sending anything: refused when the pool is made, not
  // at each connection (opened only to be closed), and never echoing the value.
  ["auth with a password that is not a string", { host: "x", auth: { user: "u", password: 123456 } }, TypeError, /^password must be a string$/],
  ["auth without a user", { host: "x", auth: { password: "pw" } }, TypeError, /^user name must be a string$/],
  ["auth with a CR LF in the password", { host: "x", auth: { user: "u", password: "pw\r\nRSET" } }, TypeError, /^password must not contain CR, LF or NUL$/],
  ["auth with an authzid that is not a string", { host: "x", auth: { user: "u", password: "pw", authzid: 7 } }, TypeError, /^authorization identity must be a string$/],
  ["a misspelt rateLimit key", { host: "x", rateLimit: { messages: 1, intervall: 1000 } }, TypeError, /unknown rateLimit key "intervall"/],
  // A number as a string (from an environment variable, say) is the wrong type, not "got 4".
  ["maxConnections as a string", { host: "x", maxConnections: "4" }, TypeError, /maxConnections must be a number, got the string "4"/],
  ["maxInFlight as a string", { host: "x", maxInFlight: "8" }, TypeError, /maxInFlight must be a number, got the string "8"/],
  ["maxMessagesPerConnection as a string", { host: "x", maxMessagesPerConnection: "100" }, TypeError, /maxMessagesPerConnection must be a number, got the string "100"/],
  ["maxQueued as a string", { host: "x", maxQueued: "5" }, TypeError, /maxQueued must be a number, got the string "5"/],
  // 0 is a value given (not the default), and a limit is a whole number of at least 1.
  ["maxConnections 0", { host: "x", maxConnections: 0 }, RangeError, /^maxConnections must be a positive integer, got 0$/],
  ["maxInFlight -1", { host: "x", maxInFlight: -1 }, RangeError, /^maxInFlight must be a positive integer, got -1$/],
  ["maxMessagesPerConnection 2.5", { host: "x", maxMessagesPerConnection: 2.5 }, RangeError, /^maxMessagesPerConnection must be a positive integer, got 2.5$/],
  ["rateLimit.messages as a string", { host: "x", rateLimit: { messages: "10", interval: 1000 } }, TypeError, /rateLimit.messages must be a number, got the string "10"/],
];

for (const [name, options, type, message] of BAD_POOL_OPTIONS) {
  test(`new SMTPPool() with ${name}: ${type.name} at construction`, () => {
    assert.throws(() => new SMTPPool(options as PoolOptions), (err: unknown) => err instanceof type && message.test((err as Error).message));
  });
}

test("a pool option set to null is one not given, and the pool's own options never reach its clients' check", { timeout: 20_000 }, async () => {
  const server = await acceptingServer();
  const pool = new SMTPPool({ ...({ maxQueued: null, tls: null, signal: null } as unknown as PoolOptions), host: "127.0.0.1", port: server.port, maxConnections: 1, localHostname: "pool.test" });
  try {
    assert.equal(await outcome(pool.sendmail("a@x.test", "b@y.test", "hi\r\n")), "fulfilled");
  } finally {
    await pool.close();
    await server.close();
  }
});

test("a call option set to null is one not given, on a call that opens the pool's first connection", { timeout: 20_000 }, async () => {
  // The client takes `{ signal: null, size: null, onProgress: null }` as no such options
  // (README: "An option set to null is one not given"); the pool used to read `null.aborted`
  // while it opened a connection for the call (a TypeError), leaving that connection counted
  // as opening for ever: close() then never resolved.
  const server = await acceptingServer();
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, maxConnections: 1 });
  const none = { signal: null, size: null, onProgress: null } as never;
  try {
    assert.equal(await outcome(pool.deliver("a@x.test", "b@y.test", "hi\r\n", [], [], none)), "fulfilled");
    assert.equal(await outcome(pool.sendmail("a@x.test", "b@y.test", "hi\r\n", [], [], none)), "fulfilled");
    assert.equal(await outcome(pool.sendMessage("From: a@x.test\r\nTo: b@y.test\r\n\r\nhi\r\n", undefined, undefined, [], [], { signal: null, onProgress: null } as never)), "fulfilled");
    assert.equal(server.mails.length, 3);
  } finally {
    await pool.close();
    await server.close();
  }
});
