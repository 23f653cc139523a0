/**
 * A `tls` key that is none of Node 20's TLS client options (`tls.connect()`, the
 * `tls.TLSSocket` it makes, `tls.createSecureContext()`): a misspelling such as
 * `rejectUnauthorised`, `servrname` or `CA` was ignored by Node without a word, and the
 * connection ran with the default the caller meant to change. Each is a TypeError naming the
 * key and the key meant, wherever the other `tls` checks run: the constructors, the pool,
 * starttls(tls), and again before STARTTLS or SMTP_SSL's connecting.
 */

import assert from "node:assert/strict";
import type * as tls from "node:tls";
import { test } from "node:test";
import { LMTP, SMTP, SMTP_SSL, SMTPPool } from "../../src/index.js";
import { GREET, greeting, withScript } from "../helpers/client.js";
import { lineServer } from "../helpers/line-server.js";

/** Each misspelt key, a value a caller could have meant, and the key the message suggests (none: `undefined`). */
const MISSPELT: readonly [string, unknown, string | undefined][] = [
  ["rejectUnauthorised", false, "rejectUnauthorized"],
  ["rejectUnauthorize", false, "rejectUnauthorized"],
  ["servrname", "mx.example.org", "servername"],
  ["serverName", "mx.example.org", "servername"],
  ["CA", "-----BEGIN CERTIFICATE-----", "ca"],
  ["minversion", "TLSv1.3", "minVersion"],
  ["cipher", "HIGH", "ciphers"],
  ["checkServerIdentiy", () => undefined, "checkServerIdentity"],
  ["verify", false, undefined],
  ["certificateAuthority", "x", undefined],
];

/** The message for `key`, with the hint when `near` is given. */
function unknown(key: string, near: string | undefined): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof TypeError, String(err));
    const hint = near === undefined ? "" : ` \\(did you mean "${near}"\\?\\)`;
    assert.match(err.message, new RegExp(`^unknown tls option "${key}"${hint}: Node's TLS client would ignore it; the options it takes are those of tls\\.connect\\(\\) and tls\\.createSecureContext\\(\\)$`));
    return true;
  };
}

for (const [key, value, near] of MISSPELT) {
  test(`tls.${key}: a TypeError naming it${near ? ` and ${near}` : ""}, from SMTP, SMTP_SSL, LMTP and SMTPPool`, () => {
    for (const Cls of [SMTP, SMTP_SSL, LMTP]) assert.throws(() => new Cls({ tls: { [key]: value } as tls.ConnectionOptions }), unknown(key, near), Cls.name);
    assert.throws(() => new SMTPPool({ host: "127.0.0.1", tls: { [key]: value } as tls.ConnectionOptions }), unknown(key, near));
  });
}

test("an unknown key is refused whatever its value (null and undefined too), as an unknown client option is", () => {
  for (const value of [null, undefined]) {
    assert.throws(() => new SMTP({ tls: { rejectUnauthorised: value } as unknown as tls.ConnectionOptions }), unknown("rejectUnauthorised", "rejectUnauthorized"));
  }
});

test("every option Node 20 documents for its TLS client passes this check (the client's own refusals keep their messages)", () => {
  const documented = [
    "enableTrace", "rejectUnauthorized", "pskCallback", "ALPNProtocols", "servername", "checkServerIdentity", "session",
    "minDHSize", "highWaterMark", "secureContext", "allowPartialTrustChain", "ca", "cert", "sigalgs", "ciphers",
    "clientCertEngine", "crl", "dhparam", "ecdhCurve", "honorCipherOrder", "key", "privateKeyEngine",
    "privateKeyIdentifier", "maxVersion", "minVersion", "passphrase", "pfx", "secureOptions", "secureProtocol",
  ];
  // Set to undefined: not given, so each passes the value checks too.
  for (const key of documented) new SMTP_SSL({ tls: { [key]: undefined } as tls.ConnectionOptions });
  new SMTP_SSL({ tls: { enableTrace: false, highWaterMark: 65536, pskCallback: () => null, rejectUnauthorized: true, servername: "mx.example.org" } as tls.ConnectionOptions });
  // Known to Node, refused by the client with its own advice, as before.
  assert.throws(() => new SMTP({ tls: { timeout: 5000 } }), /^TypeError: tls\.timeout is not taken: /);
  assert.throws(() => new SMTP({ tls: { requestOCSP: true } as tls.ConnectionOptions }), /^TypeError: tls\.requestOCSP is not taken: /);
});

test("starttls({ rejectUnauthorised: false }): a TypeError before EHLO or STARTTLS is sent", async () => {
  await withScript(`${GREET}C: QUIT\nS: 221 bye\n`, async (client) => {
    await assert.rejects(client.starttls({ rejectUnauthorised: false } as tls.ConnectionOptions), unknown("rejectUnauthorised", "rejectUnauthorized"));
    await client.quit();
  });
});

test("a misspelt key set in the client's tls object after it was made: a TypeError at starttls(), before STARTTLS is sent", async () => {
  const given: Record<string, unknown> = {};
  await withScript(`${greeting(["STARTTLS"])}C: QUIT\nS: 221 bye\n`, async (client) => {
    given["servrname"] = "mx.example.org";
    await assert.rejects(client.starttls(), unknown("servrname", "servername"));
    await client.quit();
  }, { tls: given as tls.ConnectionOptions });
});

test("SMTP_SSL whose tls object got a misspelt key after it was made: connect() rejects with a TypeError, before connecting", async () => {
  // Never greets: it only counts connections.
  const server = await lineServer(() => undefined, Infinity);
  try {
    const given: Record<string, unknown> = {};
    const client = new SMTP_SSL({ tls: given as tls.ConnectionOptions, timeout: 5000 });
    given["rejectUnauthorised"] = false;
    await assert.rejects(client.connect("127.0.0.1", server.port), unknown("rejectUnauthorised", "rejectUnauthorized"));
    client.close();
    assert.equal(server.connections(), 0);
  } finally {
    await server.close();
  }
});
