// The debugging server's options given with the wrong type (plain JavaScript, a parsed
// config): a TypeError (RangeError for a port out of range) naming the option when it starts,
// and no server left listening. Each of these started before: `onTranscript: "x"` then threw
// an uncaught TypeError from the first transcript line (the process crashed), `lmtp: "false"`
// served LMTP, `refuseSenders: "a@x.test"` refused each of its characters, `name` with CR LF
// sent a reply line of its own in the greeting, `tls: {}` served smtp-server's public key,
// `onMessage: 5` answered every message 451, and a number option given as a string was a
// RangeError that showed it as a number ("got 100").
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { startDebugServer, type DebugServerOptions } from "../../src/debug-server.js";
import { getTestCerts } from "../helpers/certs.js";

const BAD: readonly (readonly [string, unknown, ErrorConstructor, RegExp])[] = [
  ["null options", null, TypeError, /^debug server options must be an object, got null$/],
  ["a number for options", 5, TypeError, /^debug server options must be an object, got number 5$/],
  ["an array for options", [], TypeError, /^debug server options must be an object, got an array$/],
  ["host a number", { host: 5 }, TypeError, /^host must be a string, got number 5$/],
  ["port a string", { port: "0" }, TypeError, /^port must be a number, got the string "0"$/],
  ["port out of range", { port: 70_000 }, RangeError, /^port must be an integer from 0 to 65535, got 70000$/],
  ["lmtp the string \"false\"", { lmtp: "false" }, TypeError, /^lmtp must be true or false, got the string "false"$/],
  ["keepMessages a string", { keepMessages: "no" }, TypeError, /^keepMessages must be true or false/],
  ["keepTranscript 0", { keepTranscript: 0 }, TypeError, /^keepTranscript must be true or false, got number 0$/],
  ["name a number", { name: 5 }, TypeError, /^name must be a string, got number 5$/],
  ["name with CR LF (a reply line of its own in the greeting)", { name: "mx\r\n250 fake" }, TypeError, /^name must not contain whitespace, CR, LF or NUL$/],
  ["size a string", { size: "100" }, TypeError, /^size must be a number, got the string "100"$/],
  ["maxClients a string", { maxClients: "2" }, TypeError, /^maxClients must be a number, got the string "2"$/],
  ["maxRecipients a bigint", { maxRecipients: 5n }, TypeError, /^maxRecipients must be a number, got bigint 5$/],
  ["keepBytes a string", { keepBytes: "10" }, TypeError, /^keepBytes must be a number/],
  ["onMessage a number", { onMessage: 5 }, TypeError, /^onMessage must be a function, got number 5$/],
  ["onTranscript a string (an uncaught TypeError at the first line)", { onTranscript: "x" }, TypeError, /^onTranscript must be a function, got the string "x"$/],
  ["refuseSenders one string", { refuseSenders: "a@x.test" }, TypeError, /^refuseSenders must be an array of addresses or refusals \(\{ address, code, message \}\), got the string "a@x\.test"$/],
  ["refuseRecipients a number", { refuseRecipients: 5 }, TypeError, /^refuseRecipients must be an array/],
  ["a refusal's code a string", { refuseAfterData: [{ address: "a@x.test", code: "550" }] }, TypeError, /^refuseAfterData: the code of a refusal must be a number, got the string "550"$/],
  ["a refusal's message a number", { refuseSenders: [{ address: "a@x.test", message: 5 }] }, TypeError, /^refuseSenders: the message of a refusal must be a string, got number 5$/],
  ["extensions a number", { extensions: 5 }, TypeError, /^extensions must be an object, got number 5$/],
  ["an extension the string \"yes\"", { extensions: { chunking: "yes" } }, TypeError, /^extensions\.chunking must be true or false, got the string "yes"$/],
  ["auth a number", { auth: 5 }, TypeError, /^auth must be an object, got number 5$/],
  ["auth without users", { auth: {} }, TypeError, /^auth\.users must be an object of user names and their passwords, got undefined$/],
  ["auth.users an array", { auth: { users: ["bob"] } }, TypeError, /^auth\.users must be an object/],
  ["a password that is a number (not shown)", { auth: { users: { bob: 1234 } } }, TypeError, /^auth\.users: the password of "bob" must be a string, got number$/],
  ["auth.methods one string", { auth: { users: { bob: "pw" }, methods: "PLAIN" } }, TypeError, /^auth\.methods must be an array of mechanism names, got the string "PLAIN"$/],
  ["auth.required a string", { auth: { users: { bob: "pw" }, required: "no" } }, TypeError, /^auth\.required must be true or false/],
  ["tls a number", { tls: 5 }, TypeError, /^tls must be an object, got number 5$/],
  ["tls without key and cert (smtp-server's public key)", { tls: {} }, TypeError, /^tls needs a key and a cert \(each a string or bytes in PEM form\), got key undefined and cert undefined$/],
  ["the CLI's hook a number", { onMessageStart: 5 }, TypeError, /^onMessageStart must be a function, got number 5$/],
];

for (const [name, options, type, message] of BAD) {
  test(`startDebugServer with ${name}: ${type.name} naming it, nothing started`, async () => {
    await assert.rejects(startDebugServer(options as DebugServerOptions), (err: unknown) => err instanceof type && message.test((err as Error).message));
  });
}

test("a tls.key of the wrong type is named by its type, never quoted (it is a secret)", async () => {
  const certs = await getTestCerts();
  await assert.rejects(startDebugServer({ tls: { key: 12345 as never, cert: certs.cert } }), (err: unknown) => err instanceof TypeError && /got key a number and cert a string/.test(err.message) && !err.message.includes("12345"));
});

test("options of the right types start, as before: booleans, numbers, functions, refusal lists, auth and tls", async () => {
  const certs = await getTestCerts();
  const server = await startDebugServer({
    host: "127.0.0.1", port: 0, lmtp: false, name: "mx.test", size: 1000, maxClients: 2, maxRecipients: 5, onMessage: () => undefined,
    onTranscript: () => undefined, refuseSenders: ["a@x.test", { address: "b@x.test", code: 550, message: "no" }],
    extensions: { chunking: true }, auth: { users: { bob: "pw" }, methods: ["PLAIN"], required: false },
    tls: { key: certs.key, cert: Buffer.from(certs.cert) },
  });
  assert.ok(server.port > 0);
  await server.close();
});
