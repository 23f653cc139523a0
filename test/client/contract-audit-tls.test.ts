/**
 * A second audit of API.md (see contract-audit.test.ts), over TLS: the `smtplib.send`
 * audit event carries the bytes about to be written as the protocol sees them (the
 * commands, never TLS records), before and after STARTTLS and on SMTP_SSL.
 */

import assert from "node:assert/strict";
import diagnostics from "node:diagnostics_channel";
import { before, test } from "node:test";
import { SMTP, SMTP_SSL } from "../../src/index.js";
import { getTestCerts, type TestCerts } from "../helpers/certs.js";
import { withPeer } from "../tls/peer.js";

let certs: TestCerts;
before(async () => {
  certs = await getTestCerts();
});

/** Runs `fn` and returns the text of every `smtplib.send` payload `client` published meanwhile. */
async function sentBy(fn: (record: (client: SMTP) => void) => Promise<void>): Promise<string> {
  let mine: SMTP | undefined;
  const writes: Uint8Array[] = [];
  const onSend = (msg: unknown): void => {
    const { client, data } = msg as { client: unknown; data: Uint8Array };
    if (client === mine) writes.push(data);
  };
  diagnostics.subscribe("smtplib.send", onSend);
  try {
    await fn((client) => { mine = client; });
  } finally {
    diagnostics.unsubscribe("smtplib.send", onSend);
  }
  return Buffer.concat(writes).toString("utf8");
}

test("smtplib.send over STARTTLS: the commands before and after the handshake, as written, never TLS records", async () => {
  await withPeer({ keyPair: certs }, async (peer) => {
    const text = await sentBy(async (record) => {
      const client = await SMTP.connect("127.0.0.1", peer.port, { localHostname: "client.test", timeout: 10_000, tls: { ca: certs.ca } });
      record(client);
      try {
        await client.starttls();
        await client.ehlo();
        await client.noop();
      } finally {
        client.close();
      }
    });
    assert.equal(text, "EHLO client.test\r\nSTARTTLS\r\nEHLO client.test\r\nNOOP\r\n");
    assert.deepEqual(peer.commands, ["EHLO client.test", "STARTTLS", "[tls] EHLO client.test", "[tls] NOOP"]);
  });
});

test("smtplib.send on SMTP_SSL: the commands as written, never TLS records", async () => {
  await withPeer({ keyPair: certs, implicit: true }, async (peer) => {
    const text = await sentBy(async (record) => {
      const client = await SMTP_SSL.connect("127.0.0.1", peer.port, { localHostname: "client.test", timeout: 10_000, tls: { ca: certs.ca } });
      record(client);
      try {
        await client.noop();
      } finally {
        client.close();
      }
    });
    assert.equal(text, "NOOP\r\n");
    assert.deepEqual(peer.commands, ["[tls] NOOP"]);
  });
});
