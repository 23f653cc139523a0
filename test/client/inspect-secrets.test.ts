import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { test } from "node:test";
import util from "node:util";
import { SMTP } from "../../src/index.js";
import { greeting, withScript } from "../helpers/client.js";

// A client is logged (console.log(client), a logger that serialises its context, an error
// report that inspects the object it was thrown from): neither util.inspect nor
// JSON.stringify may show the password or the TLS key and its passphrase.

const PASSWORD = "hunter2-Secret";
const PASSPHRASE = "key-passphrase-42";
/** A real key (the tls options must make a TLS context), encrypted with {@link PASSPHRASE}. */
const KEY = generateKeyPairSync("ec", {
  namedCurve: "prime256v1",
  privateKeyEncoding: { type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: PASSPHRASE },
  publicKeyEncoding: { type: "spki", format: "pem" },
}).privateKey;
/** The key's first line of base64: shown alone, it would still leak key material. */
const KEY_LINE = KEY.split("\n")[1]!;

/** Every way a client is commonly turned into text. */
function shown(client: SMTP): string {
  return [
    util.inspect(client, { depth: Infinity }),
    util.inspect(client, { depth: Infinity, showHidden: true }),
    JSON.stringify(client),
  ].join("\n");
}

function assertHidden(text: string): void {
  for (const secret of [PASSWORD, KEY, KEY_LINE, PASSPHRASE, Buffer.from(`\0u\0${PASSWORD}`).toString("base64")]) assert.ok(!text.includes(secret), `shows ${secret}: ${text}`);
}

test("util.inspect and JSON.stringify of a client show neither the password nor the tls key and passphrase, before and after login", async () => {
  const fresh = new SMTP({ tls: { key: KEY, passphrase: PASSPHRASE } });
  fresh.user = "u";
  fresh.password = PASSWORD;
  assertHidden(shown(fresh));
  assert.equal(fresh.password, PASSWORD); // still readable and writable, as in Python

  const script = `${greeting(["AUTH PLAIN"])}C: AUTH PLAIN ${Buffer.from(`\0u\0${PASSWORD}`).toString("base64")}\nS: 235 ok\n`;
  await withScript(script, async (client) => {
    await client.login("u", PASSWORD);
    assert.equal(client.password, PASSWORD);
    assertHidden(shown(client));
  }, { tls: { key: KEY, passphrase: PASSPHRASE } });
});

test("util.inspect and JSON.stringify of a client in the middle of an AUTH exchange (raw, or login() awaiting its reply) show no credential", async () => {
  const plain = Buffer.from(`\0u\0${PASSWORD}`).toString("base64");
  const script = `${greeting(["AUTH PLAIN"])}C: AUTH PLAIN ${plain}\nS: 334 \nC: *\nS: 501 cancelled\nC: AUTH PLAIN ${plain}\n`;
  await withScript(script, async (client, server) => {
    await client.ehlo();
    // A raw exchange waiting for its next line: what it masks is kept meanwhile.
    assert.equal((await client.docmd("AUTH", `PLAIN ${plain}`)).code, 334);
    assertHidden(shown(client));
    assert.equal((await client.docmd("*")).code, 501);
    // login() while its AUTH line waits for a reply.
    const login = client.login("u", PASSWORD).catch((err: unknown) => err);
    await server.done;
    assertHidden(shown(client));
    client.close();
    await login;
  });
});

// A passphrase read from a configuration file as a number (YAML's `passphrase: 20251201`,
// JSON's unquoted digits) or a key given as one: Node's TypeError quotes the value
// ("Received type number (20251201)"), and the client's TypeError carried it in its
// message and in its cause, so the error report of a misconfigured client showed it.
test("a tls passphrase or key of the wrong type: the TypeError names the option and the type, never the value (message, cause, util.inspect)", async () => {
  const SECRET = 20251201;
  const plainKey = generateKeyPairSync("ec", { namedCurve: "prime256v1", privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } }).privateKey;
  const cases: Record<string, unknown>[] = [
    { key: KEY, passphrase: SECRET },
    { key: [{ pem: KEY, passphrase: SECRET }] },
    { key: SECRET },
    { key: [plainKey, SECRET] },
  ];
  for (const tls of cases) {
    for (const make of [() => new SMTP({ tls: tls as never }), () => new SMTP().starttls(tls as never)]) {
      let caught: unknown;
      try {
        await make();
      } catch (err) {
        caught = err;
      }
      assert.ok(caught instanceof TypeError, `refused: ${util.inspect(tls)}`);
      const text = `${caught.message}\n${util.inspect(caught, { depth: Infinity })}\n${String((caught as { cause?: unknown }).cause)}`;
      assert.ok(!text.includes(String(SECRET)), `shows the value: ${text}`);
      assert.match(caught.message, /^tls options cannot make a TLS context: The "options\.(passphrase|key)" property must be .*Received type number$/);
    }
  }
});
