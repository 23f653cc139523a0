// A misspelt option of the debugging server (`tsl`, `auth: { user }`, `extensions: {
// smtputf8 }`) was dropped unseen: the server ran without TLS, with no users (every login
// refused with 535) or with SMTPUTF8 still offered, and the test using it failed far from the
// typo. `tls.mode: "implict"` ran STARTTLS. Each is now a TypeError naming the option and
// the known ones, before the server listens, as the client's unknown options are.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { startDebugServer, type DebugServerOptions } from "../../src/debug-server.js";
import { getTestCerts } from "../helpers/certs.js";

test("an unknown option, at the top or in tls, auth or extensions, rejects startDebugServer with a TypeError naming it", async () => {
  const certs = await getTestCerts();
  const cases: [unknown, RegExp][] = [
    [{ tsl: { key: certs.key, cert: certs.cert } }, /^unknown debug server option "tsl" \(did you mean "tls"\?\); known: host, port, path, lmtp, name, tls, /],
    [{ auth: { user: { bob: "pw" } } }, /^unknown auth option "user" \(did you mean "users"\?\); known: users, methods, required, allowInsecure$/],
    [{ extensions: { smtputf8: false } }, /^unknown extensions option "smtputf8" \(did you mean "smtpUtf8"\?\); known: pipelining, eightBitMime, smtpUtf8, /],
    [{ tls: { key: certs.key, cert: certs.cert, implicit: true } }, /^unknown tls option "implicit"; known: key, cert, mode$/],
    [{ tls: { key: certs.key, cert: certs.cert, mode: "implict" } }, /^tls\.mode must be "implicit" \(TLS from the first byte\) or "starttls" \(the default\), got the string "implict"$/],
  ];
  for (const [options, message] of cases) {
    await assert.rejects(startDebugServer(options as DebugServerOptions), (err: unknown) => {
      assert.ok(err instanceof TypeError, String(err));
      assert.match(err.message, message);
      return true;
    }, JSON.stringify(Object.keys(options as object)));
  }
  // the known ones, and null for any, still start it
  const server = await startDebugServer({ tls: { key: certs.key, cert: certs.cert, mode: "starttls" }, auth: { users: { bob: "pw" }, methods: null }, extensions: { smtpUtf8: false }, size: null });
  await server.close();
});
