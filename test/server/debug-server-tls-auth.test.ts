// The debugging server with STARTTLS and AUTH: AUTH is offered only once TLS is up (smtp-server
// would advertise it in clear text and then answer 538), unless insecure AUTH is allowed.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { connect as tlsConnect } from "node:tls";
import { once } from "node:events";
import { RawClient, withServer } from "../helpers/debug-client.js";
import { getTestCerts } from "../helpers/certs.js";

const USERS = { users: { alice: "pw" } };

/** STARTTLS on `c`, as a raw client on the TLS socket. */
async function upgrade(c: RawClient, ca: string): Promise<RawClient> {
  assert.match(await c.cmd("STARTTLS"), /^220 /);
  const secure = tlsConnect({ socket: c.socket, ca, servername: "localhost" });
  await once(secure, "secureConnect");
  return new RawClient(secure);
}

test("STARTTLS and AUTH: AUTH is not offered (nor taken) in clear text, and is offered once TLS is up", async () => {
  const certs = await getTestCerts();
  await withServer({ tls: { key: certs.key, cert: certs.cert }, auth: USERS }, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    const clear = await c.cmd("EHLO client.example");
    assert.match(clear, /^250[- ]STARTTLS\r$/m);
    assert.doesNotMatch(clear, /AUTH/);
    assert.match(await c.cmd("AUTH PLAIN AGFsaWNlAHB3"), /^5\d\d /);
    const t = await upgrade(c, certs.ca);
    assert.match(await t.cmd("EHLO client.example"), /^250[- ]AUTH PLAIN LOGIN CRAM-MD5\r$/m);
    assert.match(await t.cmd("AUTH PLAIN AGFsaWNlAHB3"), /^235 /);
    t.close();
    await once(t.socket, "close");
  });
});

test("STARTTLS and AUTH required: MAIL in clear text is refused with 530 (STARTTLS first), and taken after TLS and login", async () => {
  const certs = await getTestCerts();
  await withServer({ tls: { key: certs.key, cert: certs.cert }, auth: { ...USERS, required: true } }, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    await c.cmd("EHLO client.example");
    assert.match(await c.cmd("MAIL FROM:<a@x.test>"), /^530 .*Must issue a STARTTLS command first/);
    const t = await upgrade(c, certs.ca);
    await t.cmd("EHLO client.example");
    assert.match(await t.cmd("MAIL FROM:<a@x.test>"), /^530 /, "still no login");
    assert.match(await t.cmd("AUTH PLAIN AGFsaWNlAHB3"), /^235 /);
    assert.match(await t.cmd("MAIL FROM:<a@x.test>"), /^250 /);
    t.close();
    await once(t.socket, "close");
  });
});

test("STARTTLS with insecure AUTH allowed: AUTH is offered in clear text too", async () => {
  const certs = await getTestCerts();
  await withServer({ tls: { key: certs.key, cert: certs.cert }, auth: { ...USERS, allowInsecure: true } }, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    assert.match(await c.cmd("EHLO client.example"), /^250[- ]AUTH PLAIN LOGIN CRAM-MD5\r$/m);
    assert.match(await c.cmd("AUTH PLAIN AGFsaWNlAHB3"), /^235 /);
    c.close();
  });
});
