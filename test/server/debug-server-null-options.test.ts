// An option of the debugging server set to `null` (from plain JavaScript, a config's
// `?? null`) is one not given, as the client's and the pool's are: `tls: null` made it
// crash with an untyped "Cannot read properties of null (reading 'mode')", `auth: null`
// beside `tls` did the same, and `size: null` or a refusal's `code: null` were refused as
// values ("got null").
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { RawClient, withServer } from "../helpers/debug-client.js";
import { getTestCerts } from "../helpers/certs.js";
import type { DebugServerOptions } from "../../src/debug-server.js";

/** The server's reply to EHLO, with `options`. */
async function ehloWith(options: DebugServerOptions): Promise<string> {
  let reply = "";
  await withServer(options, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    reply = await c.cmd("EHLO client.example");
    c.close();
  });
  return reply;
}

test("tls, auth and extensions set to null are not given: no STARTTLS, no AUTH, the default extensions", async () => {
  const reply = await ehloWith({ tls: null, auth: null, extensions: null, size: null, name: null });
  assert.doesNotMatch(reply, /STARTTLS|AUTH|SIZE/);
  assert.match(reply, /^250[- ]PIPELINING\r$/m);
  assert.match(reply, /^250[- ]smtplib-debug/m);
});

test("auth set to null beside tls is not given: STARTTLS offered, AUTH neither before nor after", async () => {
  const certs = await getTestCerts();
  const reply = await ehloWith({ tls: { key: certs.key, cert: certs.cert, mode: null }, auth: null });
  assert.match(reply, /^250[- ]STARTTLS\r$/m);
  assert.doesNotMatch(reply, /AUTH/);
});

test("null inside extensions, auth and a refusal: the defaults", async () => {
  await withServer({
    extensions: { pipelining: null, dsn: null, chunking: null },
    auth: { users: { alice: "pw" }, methods: null, required: null, allowInsecure: true },
    refuseRecipients: [{ address: "no@x.test", code: null, message: null }],
  }, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    const reply = await c.cmd("EHLO client.example");
    assert.match(reply, /^250[- ]PIPELINING\r$/m);
    assert.match(reply, /^250[- ]AUTH PLAIN LOGIN CRAM-MD5\r$/m);
    assert.match(await c.cmd("MAIL FROM:<a@x.test>"), /^250 /);
    assert.match(await c.cmd("RCPT TO:<no@x.test>"), /^550 /);
    c.close();
  });
});

test("a null entry in a list option (a refusal list, auth.methods) is a TypeError naming the option, not a crash reading null", async () => {
  const { startDebugServer } = await import("../../src/server/debug-server.js");
  const lists: [string, DebugServerOptions][] = [
    ["refuseSenders", { refuseSenders: [null as unknown as string] }],
    ["refuseRecipients", { refuseRecipients: ["a@x.test", null as unknown as string] }],
    ["refuseAfterData", { refuseAfterData: [{ address: null as unknown as string }] }],
    ["auth.methods", { auth: { users: { alice: "pw" }, methods: [null as unknown as "PLAIN"] } }],
  ];
  for (const [name, options] of lists) {
    await assert.rejects(startDebugServer(options), (e: unknown) => e instanceof TypeError && e.message.startsWith(`${name}: `) && /null/.test(e.message), name);
  }
});
