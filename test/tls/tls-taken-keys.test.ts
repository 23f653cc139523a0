/**
 * TLS options the client sets itself, or that Node's TLS client never reads, given in `tls`:
 * each was dropped without a word (`SMTP_SSL` connected to the host given to connect(), not
 * `tls.host`; STARTTLS runs over the socket already open, so every socket option was lost)
 * or overrode the client's own (`tls.localAddress` over `sourceAddress`, `tls.onread` taking
 * the replies away). Each is a TypeError naming what to use instead, before anything connects.
 */

import assert from "node:assert/strict";
import * as net from "node:net";
import * as tls from "node:tls";
import { test } from "node:test";
import { LMTP, SMTP, SMTP_SSL, SMTPPool } from "../../src/index.js";
import { GREET, withScript } from "../helpers/client.js";
import { lineServer } from "../helpers/line-server.js";

/** Each key refused, a value a caller could have meant, and words of the advice. */
const REFUSED: readonly [string, unknown, RegExp][] = [
  ["host", "mail.example.org", /host given to connect\(\).*tls\.servername/],
  ["port", 465, /port given to connect\(\)/],
  ["path", "/run/lmtp", /Unix socket path goes to connect\(\) as the host/],
  ["socket", new net.Socket(), /socketFactory option/],
  ["lookup", () => undefined, /give the address to connect\(\) as the host/],
  ["family", 6, /give the address to connect\(\) as the host/],
  ["hints", 0, /give the address to connect\(\) as the host/],
  ["autoSelectFamily", true, /give the address to connect\(\) as the host/],
  ["autoSelectFamilyAttemptTimeout", 250, /give the address to connect\(\) as the host/],
  ["localAddress", "127.0.0.1", /sourceAddress: \{ host, port \}/],
  ["localPort", 2525, /sourceAddress: \{ host, port \}/],
  ["noDelay", false, /Nagle's algorithm off/],
  ["keepAlive", true, /keep-alive yourself through the socketFactory option/],
  ["keepAliveInitialDelay", 1000, /keep-alive yourself through the socketFactory option/],
  ["allowHalfOpen", true, /ends its connections itself/],
  ["onread", { buffer: Buffer.alloc(16), callback: () => true }, /reads the socket itself/],
  ["signal", new AbortController().signal, /client's signal option/],
  ["timeout", 5000, /client's timeout option \(or timeouts\.connect\)/],
  ["handshakeTimeout", 5000, /client's timeout option \(or timeouts\.connect\)/],
  ["requestOCSP", true, /reads no OCSP response/],
  ["requestCert", true, /always asks for the server's certificate; tls\.rejectUnauthorized/],
  ["isServer", true, /TLS server's option/],
  ["server", {}, /TLS server's option/],
  ["SNICallback", () => undefined, /TLS server's option/],
  ["ALPNCallback", () => undefined, /TLS server's option/],
  ["pskIdentityHint", "hint", /TLS server's option/],
  ["ticketKeys", Buffer.alloc(48), /TLS server's option/],
  ["sessionTimeout", 300, /TLS server's option/],
  ["sessionIdContext", "ctx", /TLS server's option/],
];

/** What `tls.createSecureContext()` reads: ignored by Node next to a caller's own `secureContext`. */
const CONTEXT_KEYS = [
  "ca", "cert", "key", "pfx", "passphrase", "ciphers", "sigalgs", "ecdhCurve", "dhparam", "crl",
  "honorCipherOrder", "minVersion", "maxVersion", "secureProtocol", "secureOptions",
  "privateKeyEngine", "privateKeyIdentifier", "clientCertEngine", "allowPartialTrustChain",
];

function refusal(key: string, advice: RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof TypeError, String(err));
    assert.match(err.message, new RegExp(`^tls\\.${key} is not taken: `));
    assert.match(err.message, advice);
    return true;
  };
}

for (const [key, value, advice] of REFUSED) {
  test(`tls.${key}: a TypeError naming what to use instead, from SMTP, SMTP_SSL, LMTP and SMTPPool`, () => {
    for (const Cls of [SMTP, SMTP_SSL, LMTP]) assert.throws(() => new Cls({ tls: { [key]: value } as tls.ConnectionOptions }), refusal(key, advice), Cls.name);
    assert.throws(() => new SMTPPool({ host: "127.0.0.1", tls: { [key]: value } as tls.ConnectionOptions }), refusal(key, advice));
  });
}

test("SMTP_SSL.connect with tls.host, tls.port or tls.socket: refused before anything connects", async () => {
  // Never greets: it only counts connections.
  const server = await lineServer(() => undefined, Infinity);
  const port = server.port;
  try {
    for (const [key, value] of [["host", "127.0.0.1"], ["port", port], ["socket", net.connect(port, "127.0.0.1")]] as const) {
      await assert.rejects(SMTP_SSL.connect("127.0.0.1", port, { timeout: 5000, tls: { [key]: value } }), refusal(key, /./));
      if (value instanceof net.Socket) value.destroy();
    }
    // The socket made above for tls.socket is the only connection: the client made none.
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.ok(server.connections() <= 1, `${server.connections()} connections`);
  } finally {
    await server.close();
  }
});

test("starttls(tls) with tls.host or tls.timeout: refused before EHLO or STARTTLS is sent", async () => {
  await withScript(`${GREET}C: QUIT\nS: 221 bye\n`, async (client) => {
    await assert.rejects(client.starttls({ host: "mail.example.org" }), refusal("host", /tls\.servername/));
    await assert.rejects(client.starttls({ timeout: 5000 }), refusal("timeout", /timeouts\.connect/));
    await client.quit();
  });
});

test("a key set to null or undefined is one not given", () => {
  for (const Cls of [SMTP, SMTP_SSL, LMTP]) new Cls({ tls: { host: undefined, port: null, socket: null, timeout: undefined } as unknown as tls.ConnectionOptions });
});

test("a context option next to tls.secureContext (which Node uses as it is, ignoring the option): a TypeError saying to build the context with it", () => {
  const secureContext = tls.createSecureContext({});
  for (const key of CONTEXT_KEYS) {
    for (const Cls of [SMTP, SMTP_SSL, LMTP]) {
      assert.throws(() => new Cls({ tls: { secureContext, [key]: "x" } as tls.ConnectionOptions }), (err: unknown) => {
        assert.ok(err instanceof TypeError);
        assert.equal(err.message, `tls.${key} would be ignored next to tls.secureContext (Node uses a context as it is): build the context with it, tls.createSecureContext({ ${key}, ... }), or leave tls.secureContext out`);
        return true;
      }, `${Cls.name} ${key}`);
    }
  }
  // Alone, each is taken: the context, or the options it is built from (with a null secureContext: not given).
  new SMTP_SSL({ tls: { secureContext, servername: "mx.example.org", rejectUnauthorized: true } });
  new SMTP_SSL({ tls: { secureContext: null, minVersion: "TLSv1.2" } as unknown as tls.ConnectionOptions });
});
