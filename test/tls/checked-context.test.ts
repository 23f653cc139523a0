/**
 * The TLS context built from the `tls` options when the client is made (to check them before
 * connecting) is the one the connection uses: Node does not build it again for STARTTLS or
 * implicit TLS. Each option that goes into it still applies: the CA (without it the server
 * is not trusted), the cipher list and the versions.
 */

import assert from "node:assert/strict";
import tls from "node:tls";
import { after, before, describe, it } from "node:test";
import { SMTP, SMTP_SSL, SMTPException, type SMTPOptions } from "../../src/index.js";
import { getTestCerts, type TestCerts } from "../helpers/certs.js";
import { withPeer } from "./peer.js";
import { checkTLSOptions, withCheckedContext } from "../../src/option-checks.js";

const BASE: SMTPOptions = { localHostname: "client.test", timeout: 10_000 };
/** A TLS 1.2 cipher for the test certificate's EC key, not the one Node would choose first. */
const CIPHER = "ECDHE-ECDSA-AES128-SHA";

let certs: TestCerts;
/** How many contexts `tls.createSecureContext` has built (Node's `tls.connect` calls it too). */
let built = 0;
const original = tls.createSecureContext;
before(async () => {
  certs = await getTestCerts();
  tls.createSecureContext = (options) => {
    built += 1;
    return original(options);
  };
});
after(() => {
  tls.createSecureContext = original;
});

describe("the TLS context checked at construction", () => {
  it("STARTTLS: one context per client (built once, not again by tls.connect), with the CA, cipher list and versions given", async () => {
    await withPeer({ keyPair: certs }, async (peer) => {
      built = 0;
      const smtp = new SMTP({ ...BASE, tls: { ca: certs.ca, ciphers: CIPHER, maxVersion: "TLSv1.2" } });
      try {
        await smtp.connect("127.0.0.1", peer.port);
        await smtp.starttls();
        assert.equal(smtp.tlsInfo?.protocol, "TLSv1.2");
        assert.equal(smtp.tlsInfo?.cipher.name, CIPHER);
        assert.equal(built, 1);
      } finally {
        smtp.close();
      }
    });
  });

  it("SMTP_SSL: one context per client, with the CA, cipher list and versions given", async () => {
    await withPeer({ keyPair: certs, implicit: true }, async (peer) => {
      built = 0;
      const smtp = new SMTP_SSL({ ...BASE, tls: { ca: certs.ca, ciphers: CIPHER, maxVersion: "TLSv1.2" } });
      try {
        await smtp.connect("127.0.0.1", peer.port);
        assert.equal(smtp.tlsInfo?.cipher.name, CIPHER);
        assert.equal(built, 1);
      } finally {
        smtp.close();
      }
    });
  });

  it("without the CA the same server is not trusted, and options changed after construction apply (their context is built then)", async () => {
    await withPeer({ keyPair: certs }, async (peer) => {
      const options = { ciphers: CIPHER, maxVersion: "TLSv1.2" as const };
      const smtp = new SMTP({ ...BASE, tls: options });
      try {
        await smtp.connect("127.0.0.1", peer.port);
        await assert.rejects(smtp.starttls(), SMTPException);
      } finally {
        smtp.close();
      }
      const later: tls.ConnectionOptions = { ciphers: CIPHER, maxVersion: "TLSv1.2" };
      const trusting = new SMTP({ ...BASE, tls: later });
      later.ca = certs.ca;
      try {
        await trusting.connect("127.0.0.1", peer.port);
        await trusting.starttls();
        assert.equal(trusting.tlsInfo?.cipher.name, CIPHER);
      } finally {
        trusting.close();
      }
    });
  });

  it("a CA array changed in place after construction applies: the context checked then is not used", async () => {
    await withPeer({ keyPair: certs }, async (peer) => {
      const ca = [certs.wrongCa];
      const smtp = new SMTP({ ...BASE, tls: { ca } });
      ca[0] = certs.ca;
      try {
        await smtp.connect("127.0.0.1", peer.port);
        await smtp.starttls();
        assert.ok(smtp.tlsInfo, "the link is TLS, trusted by the CA put into the array");
      } finally {
        smtp.close();
      }
    });
  });

  it("bytes changed in place (a Buffer, a { pem } key) are a change: the context is built again (and kept); the same values in new objects are none", () => {
    // A comment line after the certificate: a byte that can change and leave a valid CA.
    const ca = Buffer.from(`${certs.ca}#\n`);
    const options: tls.ConnectionOptions = { ca, key: [{ pem: Buffer.from(certs.key) }], cert: certs.cert };
    checkTLSOptions(options);
    const first = withCheckedContext(options).secureContext;
    assert.notEqual(first, undefined);
    assert.equal(withCheckedContext(options).secureContext, first, "unchanged: the checked context");
    ca[ca.length - 2] = "$".charCodeAt(0);
    const second = withCheckedContext(options).secureContext;
    assert.notEqual(second, first, "a Buffer changed in place: built again");
    assert.equal(withCheckedContext(options).secureContext, second, "and kept for the next connection");
    const pem = (options.key as { pem: Buffer }[])[0]!.pem;
    pem[pem.indexOf("\n") + 5] ^= 1;
    assert.throws(() => withCheckedContext(options), { name: "TypeError", message: /^tls options cannot make a TLS context: / }, "a { pem } changed in place is seen");
    pem[pem.indexOf("\n") + 5] ^= 1;
    const third = withCheckedContext(options).secureContext;
    options.key = [{ pem: Buffer.from(certs.key) }];
    options.ca = Buffer.from(ca);
    assert.equal(withCheckedContext(options).secureContext, third, "the same values in new objects");
    options.servername = "other.example";
    assert.equal(withCheckedContext(options).secureContext, third, "servername does not go into the context");
  });

  it("options nested too deep to copy are not kept: a context is built from them as they are, each time", () => {
    // Node reads pem and passphrase of a key object and ignores its other keys; one nested
    // deeper than the snapshot copies (a key of tls itself that Node does not know is refused)
    const options = { ca: certs.ca, cert: certs.cert, key: [{ pem: certs.key, extra: { a: { b: { c: { d: { e: { f: 1 } } } } } } }] } as unknown as tls.ConnectionOptions;
    checkTLSOptions(options);
    const before = built;
    const first = withCheckedContext(options).secureContext;
    const second = withCheckedContext(options).secureContext;
    assert.ok(first !== undefined && second !== undefined && first !== second, "built again: no snapshot to tell a change by");
    assert.equal(built - before, 2);
  });

  it("STARTTLS: a key replaced after construction by one Node cannot read is a TypeError before STARTTLS is sent; the plain connection stays usable", async () => {
    await withPeer({ keyPair: certs }, async (peer) => {
      const options: tls.ConnectionOptions = { ca: certs.ca, key: certs.key, cert: certs.cert };
      const smtp = new SMTP({ ...BASE, tls: options });
      options.key = "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n";
      try {
        await smtp.connect("127.0.0.1", peer.port);
        await assert.rejects(smtp.starttls(), (err: unknown) => {
          assert.ok(err instanceof TypeError, String(err));
          assert.match(err.message, /^tls options cannot make a TLS context: /);
          assert.ok(err.cause instanceof Error);
          return true;
        });
        assert.equal((await smtp.noop()).code, 250);
        assert.ok(!peer.commands.includes("STARTTLS"), peer.commands.join(" | "));
      } finally {
        smtp.close();
      }
    });
  });

  it("SMTP_SSL: the same is a TypeError too, not Node's bare error", async () => {
    await withPeer({ keyPair: certs, implicit: true }, async (peer) => {
      const options: tls.ConnectionOptions = { ca: certs.ca, key: certs.key, cert: certs.cert };
      const smtp = new SMTP_SSL({ ...BASE, tls: options });
      options.key = "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n";
      try {
        await assert.rejects(smtp.connect("127.0.0.1", peer.port), { name: "TypeError", message: /^tls options cannot make a TLS context: / });
      } finally {
        smtp.close();
      }
    });
  });
});
