// The debugging server's `name` and `auth.methods`, checked when it starts. A 1 MB name
// started a server whose greeting was one 1 MB line (RFC 5321 §4.5.3.1.5: 512 octets), an
// empty one greeted "220  ESMTP"; `auth.methods` was handed to smtp-server as given: an
// unknown mechanism was offered and then refused (504), "PLAIN LOGIN" offered two, a CR LF
// put a line of its own in the EHLO reply, a duplicate was offered twice, and no name at
// all offered LOGIN and PLAIN.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { startDebugServer, type DebugServerOptions } from "../../src/debug-server.js";
import { RawClient } from "../helpers/debug-client.js";

const USERS = { bob: "pw" };
const KNOWN = "known: PLAIN, LOGIN, CRAM-MD5, XOAUTH2$";

const BAD: readonly (readonly [string, DebugServerOptions, ErrorConstructor, RegExp])[] = [
  ["a 1 MB name", { name: "a".repeat(1 << 20) }, RangeError, /^name must be a domain of 1 to 255 octets \(RFC 5321 §4\.5\.3\.1\.2\), got 1048576; leave it out for smtplib-debug$/],
  ["a name of 256 octets", { name: `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(64)}` }, RangeError, /got 256;/],
  ["an empty name", { name: "" }, RangeError, /^name must be a domain of 1 to 255 octets .*got 0;/],
  ["a name starting with a hyphen", { name: "-mx.test" }, TypeError, /^name must be a domain .* got "-mx\.test"$/],
  ["a name with an empty label", { name: "mx..test" }, TypeError, /^name must be a domain /],
  ["a name with a trailing dot", { name: "mx.test." }, TypeError, /^name must be a domain /],
  ["a name with a label of 64 octets", { name: `${"a".repeat(64)}.test` }, TypeError, /^name must be a domain /],
  ["a name with an angle bracket", { name: "<mx>" }, TypeError, /^name must be a domain /],
  ["a name with a bracket inside an address literal", { name: "[1.2[3]" }, TypeError, /^name must be a domain /],
  ["auth.methods empty (smtp-server would offer LOGIN and PLAIN)", { auth: { users: USERS, methods: [] } }, TypeError, /^auth\.methods names no mechanism \(smtp-server would offer LOGIN and PLAIN\)/],
  ["an unknown mechanism", { auth: { users: USERS, methods: ["PLAIN", "SCRAM-SHA-256" as never] } }, TypeError, new RegExp(`^auth\\.methods: unknown mechanism "SCRAM-SHA-256" \\(the server would offer it and refuse it\\); ${KNOWN}`)],
  ["XCLIENT, which smtp-server has a handler for but is no mechanism", { auth: { users: USERS, methods: ["XCLIENT" as never] } }, TypeError, /^auth\.methods: unknown mechanism "XCLIENT"/],
  ["two names in one", { auth: { users: USERS, methods: ["PLAIN LOGIN" as never] } }, TypeError, new RegExp(`^auth\\.methods: "PLAIN LOGIN" is no mechanism name: it holds whitespace or a control character .*; ${KNOWN}`)],
  ["a name with CR LF", { auth: { users: USERS, methods: ["PLAIN\r\n250 X" as never] } }, TypeError, /^auth\.methods: "PLAIN\\r\\n250 X" is no mechanism name/],
  ["a name with a space around it", { auth: { users: USERS, methods: [" PLAIN" as never] } }, TypeError, /^auth\.methods: " PLAIN" is no mechanism name/],
  ["a name given twice", { auth: { users: USERS, methods: ["PLAIN", "LOGIN", "plain" as never] } }, TypeError, /^auth\.methods names PLAIN twice$/],
];

for (const [what, options, type, message] of BAD) {
  test(`startDebugServer with ${what}: ${type.name}, nothing started`, async () => {
    const err = await startDebugServer(options).then(async (server) => {
      await server.close(); // started: the test fails below, with no server left listening
      return undefined;
    }, (e: unknown) => e);
    assert.ok(err instanceof type, `expected a ${type.name}, got ${String(err)}`);
    assert.match(err.message, message);
    assert.ok(err.message.length < 600, "the message does not quote a long value whole");
  });
}

test("a name of 255 octets, an address literal, and mechanisms in any case start: the greeting within 512 octets, AUTH as smtp-server upper-cases it", async () => {
  const long = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(63)}`;
  assert.equal(long.length, 255);
  for (const name of [long, "[127.0.0.1]", "[IPv6:::1]", "mx-1.test"]) {
    const server = await startDebugServer({ name, auth: { users: USERS, methods: ["plain", "XOAUTH2"] as never, allowInsecure: true } });
    const client = await RawClient.open(server);
    try {
      const greeting = await client.reply();
      assert.ok(greeting.startsWith(`220 ${name} `), greeting);
      assert.ok(Buffer.byteLength(greeting) <= 512, `${Buffer.byteLength(greeting)} octets`);
      const ehlo = await client.cmd("EHLO client.example");
      assert.match(ehlo, /^250[- ]AUTH PLAIN XOAUTH2\r$/m);
    } finally {
      client.socket.destroy();
      await server.close();
    }
  }
});
