/**
 * SCRAM-SHA-256-PLUS over real TLS: the client's tls-exporter binding (RFC 9266) must
 * equal the one the server computes from its own end of the same TLS 1.3 session; TLS 1.2
 * gets no binding by default; the gs2 flag tells a server that offers PLUS about a
 * downgrade. A mechanism made with `channelBinding: "tls-server-end-point"` (RFC 5929)
 * binds on TLS 1.2 and 1.3 with the hash of the server certificate that its signature
 * names, which the server (test/tls/peer.ts) computes from its own certificate.
 */

import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { SMTP, SMTPAuthenticationError, SMTPException, type SMTPOptions } from "../../src/index.js";
import { AuthRegistry } from "../../src/auth/registry.js";
import { createScramSha256Mechanism, scramSha256Mechanism, scramSha256PlusMechanism } from "../../src/auth/scram-sha-256.js";
import { createSelfSigned, getTestCerts, type KeyPair, type TestCerts } from "../helpers/certs.js";
import { withPeer, type Peer, type PeerOptions } from "./peer.js";

const BASE: SMTPOptions = { localHostname: "client.test", timeout: 10_000 };
const PASSWORD = "pencil";

let certs: TestCerts;
before(async () => {
  certs = await getTestCerts();
});

/** STARTTLS, then login() (or `fn`) against a SCRAM peer (`keyPair`: its certificate, which the client trusts; default the test CA's). */
async function overTls(options: PeerOptions, fn: (smtp: SMTP, peer: Peer) => Promise<void>, client: SMTPOptions = {}): Promise<void> {
  const keyPair = options.keyPair ?? certs;
  await withPeer({ ...options, keyPair }, async (peer) => {
    const smtp = await SMTP.connect("127.0.0.1", peer.port, { ...BASE, tls: { ca: options.keyPair?.cert ?? certs.ca }, ...client });
    try {
      await smtp.starttls();
      await fn(smtp, peer);
    } finally {
      smtp.close();
    }
  });
}

/** The AUTH commands the peer read, without their arguments. */
const authCommands = (peer: Peer): string[] => peer.commands.filter((c) => c.startsWith("[tls] AUTH")).map((c) => c.split(" ").slice(0, 3).join(" "));

describe("SCRAM-SHA-256-PLUS", () => {
  it("login() prefers it over TLS 1.3, and the server's own exporter matches the client's", async () => {
    await overTls({ scram: { password: PASSWORD, offerPlus: true } }, async (smtp, peer) => {
      assert.equal(smtp.tlsInfo?.protocol, "TLSv1.3");
      const reply = await smtp.login("user", PASSWORD);
      assert.equal(reply.code, 235);
      assert.deepEqual(authCommands(peer), ["[tls] AUTH SCRAM-SHA-256-PLUS"]);
      assert.deepEqual(peer.scramLog, ["SCRAM-SHA-256-PLUS p=tls-exporter,, v="]);
    });
  });

  it("a server whose TLS session differs (a man in the middle) refuses; login() does not fall back", async () => {
    await overTls({ scram: { password: PASSWORD, offerPlus: true, bindingLabel: "EXPORTER-not-the-same" } }, async (smtp, peer) => {
      await assert.rejects(smtp.login("user", PASSWORD), (err: unknown) => {
        assert.ok(err instanceof SMTPAuthenticationError, String(err));
        assert.match(err.message, /channel-bindings-dont-match/);
        return true;
      });
      assert.deepEqual(authCommands(peer), ["[tls] AUTH SCRAM-SHA-256-PLUS"], "no second attempt with plain SCRAM");
      assert.deepEqual(peer.scramLog, ["SCRAM-SHA-256-PLUS p=tls-exporter,, e=channel-bindings-dont-match"]);
    });
  });

  it("a failed PLUS exchange refused with a bare 535 (no e=) is not followed by plain SCRAM or anything weaker", async () => {
    await overTls({ scram: { password: PASSWORD, offerPlus: true, bindingLabel: "EXPORTER-not-the-same", plainRefusal: true } }, async (smtp, peer) => {
      await assert.rejects(smtp.login("user", PASSWORD), (err: unknown) => err instanceof SMTPAuthenticationError && err.smtpCode === 535);
      assert.deepEqual(authCommands(peer), ["[tls] AUTH SCRAM-SHA-256-PLUS"], "no second AUTH: a relayed plain SCRAM ('n') or PLAIN would reach the man in the middle");
    });
  });

  it("a wrong password still fails with the server's 535, as for plain SCRAM", async () => {
    await overTls({ scram: { password: PASSWORD, offerPlus: true } }, async (smtp, peer) => {
      await assert.rejects(smtp.login("user", "not-the-password"), /535|invalid-proof/);
      assert.equal(peer.scramLog[0], "SCRAM-SHA-256-PLUS p=tls-exporter,, e=invalid-proof");
    });
  });

  it("TLS 1.2 has no binding: PLUS is skipped and plain SCRAM says 'n' (no channel binding here)", async () => {
    await overTls({ maxVersion: "TLSv1.2", scram: { password: PASSWORD, offerPlus: true } }, async (smtp, peer) => {
      assert.equal(smtp.tlsInfo?.protocol, "TLSv1.2");
      assert.equal((await smtp.login("user", PASSWORD)).code, 235);
      assert.deepEqual(authCommands(peer), ["[tls] AUTH SCRAM-SHA-256"]);
      assert.deepEqual(peer.scramLog, ["SCRAM-SHA-256 n,, v="]);
    });
  });

  it("a TLS 1.3 server that does not offer PLUS gets plain SCRAM with the 'y' flag (RFC 5802 §6)", async () => {
    await overTls({ scram: { password: PASSWORD, offerPlus: false } }, async (smtp, peer) => {
      assert.equal((await smtp.login("user", PASSWORD)).code, 235);
      assert.deepEqual(peer.scramLog, ["SCRAM-SHA-256 y,, v="]);
    });
  });

  it("choosing plain SCRAM while the server offers PLUS sends 'n', which the server accepts", async () => {
    const registry = new AuthRegistry([scramSha256Mechanism]);
    await overTls({ scram: { password: PASSWORD, offerPlus: true } }, async (smtp, peer) => {
      assert.equal((await smtp.login("user", PASSWORD)).code, 235);
      assert.deepEqual(peer.scramLog, ["SCRAM-SHA-256 n,, v="]);
    }, { authRegistry: registry });
  });

  it("a server that offers PLUS detects a 'y' (a stripped PLUS) and refuses", async () => {
    // The client sees no PLUS (as if a man in the middle had removed it); the server does offer it.
    await overTls({ scram: { password: PASSWORD, offerPlus: true } }, async (smtp, peer) => {
      await smtp.ehlo();
      smtp.esmtpFeatures.set("auth", "SCRAM-SHA-256");
      await assert.rejects(smtp.login("user", PASSWORD), SMTPAuthenticationError);
      assert.deepEqual(peer.scramLog, ["SCRAM-SHA-256 y,, e=server-does-support-channel-binding"]);
    });
  });

  it("on a plain-text link, PLUS is skipped by login() and refused when asked for directly", async () => {
    await withPeer({ scram: { password: PASSWORD, offerPlus: true } }, async (peer) => {
      const smtp = await SMTP.connect("127.0.0.1", peer.port, { ...BASE, authRegistry: new AuthRegistry([scramSha256PlusMechanism]) });
      try {
        await smtp.ehlo();
        smtp.esmtpFeatures.set("auth", "SCRAM-SHA-256-PLUS");
        await assert.rejects(smtp.login("user", PASSWORD), /No suitable authentication method found/);
        assert.deepEqual(peer.commands.filter((c) => c.startsWith("AUTH")), []);
      } finally {
        smtp.close();
      }
    });
  });
});

describe("SCRAM-SHA-256-PLUS without a binding", () => {
  it("start() throws SMTPException before anything is sent", () => {
    assert.throws(() => scramSha256PlusMechanism.start({ user: "u", password: "p" }, { host: "h", port: 25 }), (err: unknown) => {
      assert.ok(err instanceof SMTPException);
      assert.match(err.message, /needs a channel binding: a TLS 1\.3 connection/);
      return true;
    });
  });
});

describe("SCRAM-SHA-256-PLUS with tls-server-end-point (opt-in)", () => {
  const endPoint = createScramSha256Mechanism({ plus: true, channelBinding: "tls-server-end-point" });
  const registry = { authRegistry: new AuthRegistry([endPoint, scramSha256Mechanism]) };
  let sha384: KeyPair;
  before(async () => {
    sha384 = await createSelfSigned(["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp384r1"], ["-sha384"]);
  });

  for (const maxVersion of ["TLSv1.2", "TLSv1.3"] as const) {
    it(`binds over ${maxVersion} with SHA-256 of an ECDSA-SHA256 certificate, as the server computes it`, async () => {
      await overTls({ maxVersion, scram: { password: PASSWORD, offerPlus: true, endPointHash: "sha256" } }, async (smtp, peer) => {
        assert.equal(smtp.tlsInfo?.protocol, maxVersion);
        assert.equal((await smtp.login("user", PASSWORD)).code, 235);
        assert.deepEqual(peer.scramLog, ["SCRAM-SHA-256-PLUS p=tls-server-end-point,, v="]);
      }, registry);
    });
  }

  it("the hash follows the certificate's signature: SHA-384 for an ECDSA-SHA384 one (TLS 1.2)", async () => {
    await overTls({ keyPair: sha384, maxVersion: "TLSv1.2", scram: { password: PASSWORD, offerPlus: true, endPointHash: "sha384" } }, async (smtp, peer) => {
      assert.equal((await smtp.login("user", PASSWORD)).code, 235);
      assert.deepEqual(peer.scramLog, ["SCRAM-SHA-256-PLUS p=tls-server-end-point,, v="]);
    }, registry);
  });

  it("a server whose certificate hash differs (a man in the middle's certificate) refuses; login() does not fall back", async () => {
    await overTls({ keyPair: sha384, maxVersion: "TLSv1.2", scram: { password: PASSWORD, offerPlus: true, endPointHash: "sha256" } }, async (smtp, peer) => {
      await assert.rejects(smtp.login("user", PASSWORD), /channel-bindings-dont-match/);
      assert.deepEqual(authCommands(peer), ["[tls] AUTH SCRAM-SHA-256-PLUS"]);
    }, registry);
  });

  it("a server that does not take the type (as Dovecot under TLS 1.2) refuses it, and login() does not fall back: why it is not the default", async () => {
    await overTls({ maxVersion: "TLSv1.2", scram: { password: PASSWORD, offerPlus: true } }, async (smtp, peer) => {
      await assert.rejects(smtp.login("user", PASSWORD), /unsupported-channel-binding-type/);
      assert.deepEqual(authCommands(peer), ["[tls] AUTH SCRAM-SHA-256-PLUS"]);
    }, registry);
  });

  it("the default PLUS mechanism still skips TLS 1.2 even when the certificate could be bound", async () => {
    await overTls({ maxVersion: "TLSv1.2", scram: { password: PASSWORD, offerPlus: true, endPointHash: "sha256" } }, async (smtp, peer) => {
      assert.equal((await smtp.login("user", PASSWORD)).code, 235);
      assert.deepEqual(peer.scramLog, ["SCRAM-SHA-256 n,, v="]);
    });
  });

  it("start() without a binding of its type throws before anything is sent", () => {
    const exporter = { type: "tls-exporter" as const, data: Buffer.alloc(32) };
    assert.throws(() => endPoint.start({ user: "u", password: "p" }, { host: "h", port: 25, channelBinding: exporter }), /RFC 5929 tls-server-end-point/);
  });
});

/**
 * Plain SCRAM-SHA-256's gs2 flag (RFC 5802 §6) to a server that lists no PLUS: `y` whenever
 * this client could bind the connection (TLS 1.3's tls-exporter, or tls-server-end-point on
 * any TLS version whose certificate allows it), `n` only when it could not. The exact
 * client-first-message the server read is checked (a fixed client nonce).
 */
describe("plain SCRAM's gs2 flag to a server without PLUS", () => {
  const fixed = createScramSha256Mechanism({ nonce: () => "fixedNONCE" });
  const endPoint = createScramSha256Mechanism({ plus: true, channelBinding: "tls-server-end-point" });
  let ed25519: KeyPair;
  before(async () => {
    ed25519 = await createSelfSigned(["-newkey", "ed25519"], []);
  });

  /** The client-first-message of the peer's one AUTH line, decoded. */
  const clientFirst = (peer: Peer): string => {
    const auth = peer.commands.filter((c) => c.includes("AUTH "));
    assert.equal(auth.length, 1, auth.join(" | "));
    return Buffer.from(auth[0]!.split(" ").at(-1)!, "base64").toString("utf8");
  };

  it("no TLS: n (the client cannot bind)", async () => {
    await withPeer({ scram: { password: PASSWORD, offerPlus: false } }, async (peer) => {
      const smtp = await SMTP.connect("127.0.0.1", peer.port, { ...BASE, authRegistry: new AuthRegistry([fixed]) });
      try {
        assert.equal((await smtp.login("user", PASSWORD)).code, 235);
      } finally {
        smtp.close();
      }
      assert.equal(clientFirst(peer), "n,,n=user,r=fixedNONCE");
    });
  });

  it("TLS 1.3: y (tls-exporter)", async () => {
    await overTls({ scram: { password: PASSWORD, offerPlus: false } }, async (smtp, peer) => {
      assert.equal(smtp.tlsInfo?.protocol, "TLSv1.3");
      assert.equal((await smtp.login("user", PASSWORD)).code, 235);
      assert.equal(clientFirst(peer), "y,,n=user,r=fixedNONCE");
    }, { authRegistry: new AuthRegistry([fixed]) });
  });

  for (const [what, registry] of [["the default registry's PLUS", [scramSha256PlusMechanism, fixed]], ["a registered tls-server-end-point PLUS", [endPoint, fixed]]] as const) {
    it(`TLS 1.2 with a certificate tls-server-end-point can bind (ECDSA-SHA256), ${what}: y`, async () => {
      await overTls({ maxVersion: "TLSv1.2", scram: { password: PASSWORD, offerPlus: false } }, async (smtp, peer) => {
        assert.equal(smtp.tlsInfo?.protocol, "TLSv1.2");
        assert.equal((await smtp.login("user", PASSWORD)).code, 235);
        assert.equal(clientFirst(peer), "y,,n=user,r=fixedNONCE");
      }, { authRegistry: new AuthRegistry(registry) });
    });
  }

  it("TLS 1.2 with an Ed25519 certificate (no tls-server-end-point, no tls-exporter): n", async () => {
    await overTls({ keyPair: ed25519, maxVersion: "TLSv1.2", scram: { password: PASSWORD, offerPlus: false } }, async (smtp, peer) => {
      assert.equal(smtp.tlsInfo?.protocol, "TLSv1.2");
      assert.equal((await smtp.login("user", PASSWORD)).code, 235);
      assert.equal(clientFirst(peer), "n,,n=user,r=fixedNONCE");
    }, { authRegistry: new AuthRegistry([endPoint, fixed]) });
  });

  it("TLS 1.2 to a server that offers PLUS, which the client does not use: n (y would be refused)", async () => {
    await overTls({ maxVersion: "TLSv1.2", scram: { password: PASSWORD, offerPlus: true } }, async (smtp, peer) => {
      assert.equal((await smtp.login("user", PASSWORD)).code, 235);
      assert.equal(clientFirst(peer), "n,,n=user,r=fixedNONCE");
    }, { authRegistry: new AuthRegistry([scramSha256PlusMechanism, fixed]) });
  });
});
