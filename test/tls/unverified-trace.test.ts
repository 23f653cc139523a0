/**
 * The debug transcript says when a certificate was not verified (`tls.rejectUnauthorized:
 * false`): on the "TLS established" line after STARTTLS, on the "connected to" line for
 * implicit TLS. Verified connections show the lines as before.
 */

import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { SMTP, SMTP_SSL, type SMTPOptions } from "../../src/index.js";
import { getTestCerts, type TestCerts } from "../helpers/certs.js";
import { withPeer } from "./peer.js";

let certs: TestCerts;
before(async () => {
  certs = await getTestCerts();
});

/** Options with a debug transcript collected in `lines`. */
function traced(lines: string[]): SMTPOptions {
  return { localHostname: "client.test", timeout: 10_000, debugLevel: 1, debugOutput: (line) => lines.push(line) };
}

describe("debug transcript: an unverified certificate is said", () => {
  it("STARTTLS with rejectUnauthorized: false: the TLS established line says NOT verified, with Node's code", async () => {
    await withPeer({ keyPair: certs.selfSigned }, async (peer) => {
      const lines: string[] = [];
      const smtp = await SMTP.connect("127.0.0.1", peer.port, traced(lines));
      try {
        await smtp.starttls({ rejectUnauthorized: false });
        const line = lines.find((l) => l.startsWith("TLS established"));
        assert.match(line ?? "", /^TLS established: TLSv1\.[23] \S+; certificate NOT verified: DEPTH_ZERO_SELF_SIGNED_CERT \(tls\.rejectUnauthorized is false\)$/);
      } finally {
        smtp.close();
      }
    });
  });

  it("STARTTLS verified: the line is as before", async () => {
    await withPeer({ keyPair: certs }, async (peer) => {
      const lines: string[] = [];
      const smtp = await SMTP.connect("127.0.0.1", peer.port, traced(lines));
      try {
        await smtp.starttls({ ca: certs.ca });
        assert.equal(smtp.tlsInfo?.authorized, true);
        const line = lines.find((l) => l.startsWith("TLS established"));
        assert.match(line ?? "", /^TLS established: TLSv1\.[23] \S+$/);
      } finally {
        smtp.close();
      }
    });
  });

  it("SMTP_SSL with rejectUnauthorized: false: the connected line says NOT verified", async () => {
    await withPeer({ keyPair: certs.selfSigned, implicit: true }, async (peer) => {
      const lines: string[] = [];
      const smtp = await SMTP_SSL.connect("127.0.0.1", peer.port, { ...traced(lines), tls: { rejectUnauthorized: false } });
      try {
        assert.ok(lines.includes(`connected to 127.0.0.1:${peer.port}; certificate NOT verified: DEPTH_ZERO_SELF_SIGNED_CERT (tls.rejectUnauthorized is false)`), lines.join("\n"));
      } finally {
        smtp.close();
      }
    });
  });

  it("SMTP_SSL verified: the connected line is as before", async () => {
    await withPeer({ keyPair: certs, implicit: true }, async (peer) => {
      const lines: string[] = [];
      const smtp = await SMTP_SSL.connect("127.0.0.1", peer.port, { ...traced(lines), tls: { ca: certs.ca } });
      try {
        assert.ok(lines.includes(`connected to 127.0.0.1:${peer.port}`), lines.join("\n"));
      } finally {
        smtp.close();
      }
    });
  });
});
