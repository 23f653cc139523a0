/**
 * TLS diagnostics with a caller's own `tls.secureContext` (or `secureProtocol`), which sets
 * what Node then uses, and makes it ignore `tls.ca`, `tls.minVersion` and the rest: "no
 * TLS version in common" names no range (not Node's defaults, which that context does not
 * use) but that option, and an untrusted certificate's advice is not "pass tls.ca".
 */

import assert from "node:assert/strict";
import tls from "node:tls";
import { before, describe, it } from "node:test";
import { SMTP, SMTP_SSL, SMTPException, type SMTPOptions } from "../../src/index.js";
import { getTestCerts, type TestCerts } from "../helpers/certs.js";
import { withPeer } from "./peer.js";

const BASE: SMTPOptions = { localHostname: "client.test", timeout: 10_000 };

let certs: TestCerts;
before(async () => {
  certs = await getTestCerts();
});

/** Checks a "no common version" failure that names no range, and names `option`. */
function noRangeStated(option: string): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof SMTPException, String(err));
    assert.match(err.message, /no TLS version in common/);
    assert.doesNotMatch(err.message, /this client allows TLSv/, err.message);
    assert.ok(!err.message.includes(`${tls.DEFAULT_MIN_VERSION} to`), err.message);
    assert.ok(err.message.includes(option), err.message);
    return true;
  };
}

describe("no TLS version in common, the versions set by the caller's own context", () => {
  it("SMTP_SSL with a secureContext for TLS 1.3 only, to a server that stops at TLS 1.2", async () => {
    const secureContext = tls.createSecureContext({ ca: certs.ca, minVersion: "TLSv1.3" });
    await withPeer({ keyPair: certs, implicit: true, maxVersion: "TLSv1.2" }, async (peer) => {
      await assert.rejects(SMTP_SSL.connect("localhost", peer.port, { ...BASE, tls: { secureContext } }), noRangeStated("tls.secureContext"));
    });
  });

  it("STARTTLS with a secureContext for TLS 1.3 only, to a server that stops at TLS 1.2", async () => {
    const secureContext = tls.createSecureContext({ ca: certs.ca, minVersion: "TLSv1.3" });
    await withPeer({ keyPair: certs, maxVersion: "TLSv1.2" }, async (peer) => {
      const smtp = await SMTP.connect("localhost", peer.port, { ...BASE, tls: { secureContext } });
      try {
        await assert.rejects(smtp.starttls(), noRangeStated("tls.secureContext"));
      } finally {
        smtp.close();
      }
    });
  });

  it("SMTP_SSL with secureProtocol TLS 1.1 only, to a server that speaks TLS 1.2 at least", async () => {
    await withPeer({ keyPair: certs, implicit: true }, async (peer) => {
      await assert.rejects(SMTP_SSL.connect("localhost", peer.port, { ...BASE, tls: { ca: certs.ca, secureProtocol: "TLSv1_1_method" } }), noRangeStated("tls.secureProtocol"));
    });
  });
});

describe("an untrusted certificate, the CAs set by the caller's own context", () => {
  it("SMTP_SSL with a secureContext that does not trust the server's CA: the advice names tls.secureContext, not tls.ca", async () => {
    const secureContext = tls.createSecureContext({ ca: certs.wrongCa });
    await withPeer({ keyPair: certs, implicit: true }, async (peer) => {
      await assert.rejects(SMTP_SSL.connect("127.0.0.1", peer.port, { ...BASE, tls: { secureContext } }), (err: unknown) => {
        assert.ok(err instanceof SMTPException, String(err));
        assert.match(err.message, /verification failed/);
        assert.doesNotMatch(err.message, /tls\.ca\b/, err.message);
        assert.match(err.message, /tls\.secureContext/);
        return true;
      });
    });
  });
});
