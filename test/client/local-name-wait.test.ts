/**
 * EHLO/HELO with no `localHostname` first looks up this host's name (Python's getfqdn). A
 * resolver that does not answer must not hold the call beyond what the client promises:
 * `close()` and the `signal` option end the wait at once, and the command timeout bounds it
 * (SMTPTimeoutError, connection closed), as every other blocking step.
 *
 * The lookup is made to hang by replacing `os.hostname` (a name without a dot, so that it
 * is looked up) and `dns.promises.lookup`; each test file runs in its own process, and the
 * name is computed once per process, so every test here meets the same pending lookup.
 */

import assert from "node:assert/strict";
import dnsPromises from "node:dns/promises";
import os from "node:os";
import { after, describe, it } from "node:test";
import { SMTP, SMTPServerDisconnected, SMTPTimeoutError } from "../../src/index.js";
import { startScriptServer } from "../helpers/script-server.js";

const realHostname = os.hostname;
const realLookup = dnsPromises.lookup;
let answer: (value: { address: string; family: number }) => void = () => undefined;
os.hostname = () => "nodots";
dnsPromises.lookup = (() => new Promise((resolve) => { answer = resolve; })) as typeof dnsPromises.lookup;

after(() => {
  answer({ address: "127.0.0.1", family: 4 });
  os.hostname = realHostname;
  dnsPromises.lookup = realLookup;
});

/** Settles to the outcome of `call`, or to "pending" if it has not settled after `ms`. */
async function outcome(call: Promise<unknown>, ms = 5000): Promise<unknown> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const guard = new Promise((resolve) => { timer = setTimeout(() => resolve("pending"), ms); });
  try {
    return await Promise.race([call.then(() => "resolved", (err: unknown) => err), guard]);
  } finally {
    clearTimeout(timer);
  }
}

/** Connects to a server that greets and then expects nothing; runs `fn`; checks that nothing was sent. */
async function whileLookingUp(options: ConstructorParameters<typeof SMTP>[0], fn: (client: SMTP) => Promise<void>): Promise<void> {
  const server = await startScriptServer("S: 220 mx.test ESMTP\n");
  const client = await SMTP.connect("127.0.0.1", server.port, { timeout: 5000, ...options });
  try {
    await fn(client);
    assert.equal(server.received(), "", "no EHLO was sent");
  } finally {
    client.close();
    await server.close();
  }
}

describe("EHLO waiting for this host's name", () => {
  it("close() meanwhile: ehlo() rejects at once with SMTPServerDisconnected", async () => {
    await whileLookingUp({}, async (client) => {
      const call = client.ehlo();
      await new Promise((resolve) => setImmediate(resolve));
      client.close();
      const err = await outcome(call);
      assert.ok(err instanceof SMTPServerDisconnected, `expected SMTPServerDisconnected, got ${String(err)}`);
    });
  });

  it("the signal option aborted meanwhile: ehlo() rejects with its reason, the connection closed", async () => {
    const ac = new AbortController();
    const reason = new Error("shutting down");
    await whileLookingUp({ signal: ac.signal }, async (client) => {
      const call = client.ehlo();
      await new Promise((resolve) => setImmediate(resolve));
      ac.abort(reason);
      assert.equal(await outcome(call), reason);
      assert.equal(client.connected, false);
    });
  });

  it("the lookup outlasting the command timeout: SMTPTimeoutError (phase command, that limit), the connection closed", async () => {
    await whileLookingUp({ timeouts: { command: 200 } }, async (client) => {
      const err = await outcome(client.sendmail("a@x.test", "b@y.test", "hi"));
      assert.ok(err instanceof SMTPTimeoutError, `expected SMTPTimeoutError, got ${String(err)}`);
      assert.equal(err.phase, "command");
      assert.equal(err.timeout, 200);
      assert.match(err.message, /looking up this host's name/);
      assert.equal(client.connected, false);
    });
  });
});
