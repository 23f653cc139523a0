/**
 * `tls.ALPNProtocols`, which Node reads only once the socket exists (for STARTTLS after the
 * server's 220). An empty name, or bytes not in the ALPN wire format, failed an assertion in
 * Node's TLS code there, which aborts the whole process, not only the connection; a name past
 * 255 bytes, or an array of bytes (Node takes strings in an array), failed the connection. Each
 * is a TypeError when the client is made, or when starttls() is called, before anything is sent.
 */

import assert from "node:assert/strict";
import type * as tls from "node:tls";
import { test } from "node:test";
import { LMTP, SMTP, SMTP_SSL } from "../../src/index.js";
import { GREET, greeting, withScript } from "../helpers/client.js";
import { lineServer } from "../helpers/line-server.js";

const BAD: readonly [string, unknown, RegExp][] = [
  ["an empty name (Node aborted the process)", [""], /^tls\.ALPNProtocols\[0\] must be a protocol name of 1 to 255 bytes \(RFC 7301 §3\.1\), got 0$/],
  ["a name of 256 bytes", ["smtp", "x".repeat(256)], /^tls\.ALPNProtocols\[1\] must be a protocol name of 1 to 255 bytes \(RFC 7301 §3\.1\), got 256$/],
  ["a name of 256 bytes in UTF-8 (128 characters)", ["\u00e9".repeat(128)], /^tls\.ALPNProtocols\[0\] .* got 256$/],
  ["an array of bytes (Node takes strings there)", [Buffer.from("smtp")], /^tls\.ALPNProtocols must be an array of protocol names \(strings\), or bytes in the ALPN wire format/],
  ["bytes with an empty name (Node aborted the process)", Buffer.from([0]), /^tls\.ALPNProtocols as bytes must be in the ALPN wire format .*: the length at offset 0 is 0, an empty name; or give the names as an array of strings$/],
  ["bytes whose length runs past the end (Node aborted the process)", Buffer.from([4, 0x73, 0x6d, 0x74, 0x70, 3, 0x61]), /: the length at offset 5 is 3, past the end \(7 bytes\)/],
  ["a DataView of zeros (Node aborted the process)", new DataView(new ArrayBuffer(5)), /: the length at offset 0 is 0, an empty name/],
];

for (const [what, value, message] of BAD) {
  test(`tls.ALPNProtocols, ${what}: a TypeError from SMTP, SMTP_SSL and LMTP when made`, () => {
    for (const Cls of [SMTP, SMTP_SSL, LMTP]) {
      assert.throws(() => new Cls({ tls: { ALPNProtocols: value } as tls.ConnectionOptions }), (err: unknown) => err instanceof TypeError && message.test(err.message), Cls.name);
    }
  });
}

test("starttls({ ALPNProtocols: [\"\"] }): a TypeError before EHLO or STARTTLS is sent", async () => {
  await withScript(`${GREET}C: QUIT\nS: 221 bye\n`, async (client) => {
    await assert.rejects(client.starttls({ ALPNProtocols: [""] }), /^TypeError: tls\.ALPNProtocols\[0\] must be a protocol name/);
    await client.quit();
  });
});

test("names of 1 to 255 bytes, bytes in the wire format, no bytes at all (no ALPN) and null are taken", () => {
  for (const value of [["smtp"], ["x".repeat(255), "y"], Buffer.from([4, 0x73, 0x6d, 0x74, 0x70, 1, 0x61]), new Uint8Array(0), null]) {
    new SMTP_SSL({ tls: { ALPNProtocols: value } as tls.ConnectionOptions });
  }
});

test("tls options changed after the client was made (an empty ALPN name, a host): a TypeError at starttls(), before STARTTLS is sent", async () => {
  for (const [key, value, message] of [["ALPNProtocols", [""], /^TypeError: tls\.ALPNProtocols\[0\] must be a protocol name/], ["host", "mx.example.org", /^TypeError: tls\.host is not taken: /]] as const) {
    const given: Record<string, unknown> = {};
    await withScript(`${greeting(["STARTTLS"])}C: QUIT\nS: 221 bye\n`, async (client) => {
      given[key] = value;
      await assert.rejects(client.starttls(), message);
      await client.quit();
    }, { tls: given as tls.ConnectionOptions });
  }
});

test("SMTP_SSL whose tls options changed after it was made (an empty ALPN name, a port): connect() rejects with a TypeError, before connecting", async () => {
  // Never greets: it only counts connections.
  const server = await lineServer(() => undefined, Infinity);
  const port = server.port;
  try {
    for (const [key, value, message] of [["ALPNProtocols", [""], /^TypeError: tls\.ALPNProtocols\[0\] must be a protocol name/], ["port", 465, /^TypeError: tls\.port is not taken: /]] as const) {
      const given: Record<string, unknown> = {};
      const client = new SMTP_SSL({ tls: given as tls.ConnectionOptions, timeout: 5000 });
      given[key] = value;
      await assert.rejects(client.connect("127.0.0.1", port), message);
      client.close();
    }
    assert.equal(server.connections(), 0);
  } finally {
    await server.close();
  }
});
