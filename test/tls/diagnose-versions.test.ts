/**
 * A TLS handshake that fails for want of a common protocol version (a client that asks for
 * TLS 1.3 only, a server stuck on TLS 1.0/1.1) says so, with the versions this client
 * allows and the options that set them, over implicit TLS and STARTTLS; and no handshake
 * failure carries OpenSSL's raw error dump (source file, line, alert number, a newline)
 * in its message: Node's error stays in `cause`.
 */

import assert from "node:assert/strict";
import tls from "node:tls";
import { after, before, describe, it } from "node:test";
import { SMTP, SMTP_SSL, SMTPException, SMTPServerDisconnected, type SMTPOptions } from "../../src/index.js";
import { getTestCerts, type TestCerts } from "../helpers/certs.js";
import { withPeer } from "./peer.js";

const BASE: SMTPOptions = { localHostname: "client.test", timeout: 10_000 };

let certs: TestCerts;
before(async () => {
  certs = await getTestCerts();
});

/** Checks a "no common version" failure: typed, naming the host, the range allowed and the options. */
function noCommonVersion(range: string): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof SMTPException && !(err instanceof SMTPServerDisconnected), String(err));
    assert.match(err.message, /^TLS handshake with localhost:\d+ failed: the server and this client have no TLS version in common/);
    assert.ok(err.message.includes(`this client allows ${range}`), err.message);
    assert.match(err.message, /tls\.minVersion/);
    assert.doesNotMatch(err.message, /rec_layer|:error:|\n/, "no OpenSSL dump");
    assert.ok(err.cause instanceof Error);
    return true;
  };
}

describe("no TLS version in common", () => {
  it("SMTP_SSL asking for TLS 1.3 only, to a server that stops at TLS 1.2", async () => {
    await withPeer({ keyPair: certs, implicit: true, maxVersion: "TLSv1.2" }, async (peer) => {
      await assert.rejects(SMTP_SSL.connect("localhost", peer.port, { ...BASE, tls: { ca: certs.ca, minVersion: "TLSv1.3" } }), noCommonVersion("TLSv1.3 to TLSv1.3"));
    });
  });

  it("STARTTLS asking for TLS 1.3 only, to a server that stops at TLS 1.2", async () => {
    await withPeer({ keyPair: certs, maxVersion: "TLSv1.2" }, async (peer) => {
      const smtp = await SMTP.connect("localhost", peer.port, { ...BASE, tls: { ca: certs.ca, minVersion: "TLSv1.3" } });
      try {
        await assert.rejects(smtp.starttls(), noCommonVersion("TLSv1.3 to TLSv1.3"));
      } finally {
        smtp.close();
      }
    });
  });

  describe("a server that speaks only TLS 1.0 and 1.1", () => {
    let server: tls.Server;
    before(async () => {
      server = tls.createServer({ key: certs.key, cert: certs.cert, minVersion: "TLSv1", maxVersion: "TLSv1.1", ciphers: "DEFAULT@SECLEVEL=0" }, (s) => s.end("220 old ESMTP\r\n"));
      server.on("tlsClientError", () => undefined);
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it(`with Node's defaults (${tls.DEFAULT_MIN_VERSION} to ${tls.DEFAULT_MAX_VERSION})`, async () => {
      const port = (server.address() as import("node:net").AddressInfo).port;
      await assert.rejects(SMTP_SSL.connect("localhost", port, { ...BASE, tls: { ca: certs.ca } }), noCommonVersion(`${tls.DEFAULT_MIN_VERSION} to ${tls.DEFAULT_MAX_VERSION}`));
    });

    // The advice was "lower tls.minVersion" alone; done, OpenSSL 3 still refuses TLS 1.0 and
    // 1.1 at its default security level, with "legacy sigalg disallowed or unsupported", and
    // that error said nothing more. Both messages now name tls.ciphers' security level.
    it("the advice is whole: lowering tls.minVersion alone fails with a message naming the security level; with it, the connection is made", async () => {
      const port = (server.address() as import("node:net").AddressInfo).port;
      await assert.rejects(SMTP_SSL.connect("localhost", port, { ...BASE, tls: { ca: certs.ca } }), (err: unknown) => {
        assert.ok(err instanceof Error && err.message.includes('lower tls.minVersion only if it cannot be upgraded, and give tls.ciphers: "DEFAULT@SECLEVEL=0" with it'), String(err));
        return true;
      });
      await assert.rejects(SMTP_SSL.connect("localhost", port, { ...BASE, tls: { ca: certs.ca, minVersion: "TLSv1" } }), (err: unknown) => {
        assert.ok(err instanceof SMTPException && !(err instanceof SMTPServerDisconnected), String(err));
        assert.match(err.message, /^TLS handshake with localhost:\d+ failed: the server signs its handshake with SHA-1 or MD5 \(as TLS 1\.0 and 1\.1 do\), which OpenSSL refuses at its default security level \(legacy sigalg disallowed or unsupported, ERR_SSL_LEGACY_SIGALG_DISALLOWED_OR_UNSUPPORTED\)\. For a server that cannot be upgraded, lower it with tls\.ciphers: "DEFAULT@SECLEVEL=0" \(insecure\)$/);
        return true;
      });
      const smtp = await SMTP_SSL.connect("localhost", port, { ...BASE, tls: { ca: certs.ca, minVersion: "TLSv1", ciphers: "DEFAULT@SECLEVEL=0" } });
      try {
        assert.match(smtp.tlsInfo?.protocol ?? "", /^TLSv1(\.1)?$/);
      } finally {
        smtp.close();
      }
    });
  });
});
