/**
 * Certificate and host name verification, SNI and `tls.servername`, for SMTP_SSL and
 * starttls(), with real TLS on 127.0.0.1 and throw-away certificates.
 */

import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { LMTP, SMTP, SMTP_SSL, SMTPException, type SMTPOptions } from "../../src/index.js";
import { getTestCerts, type TestCerts } from "../helpers/certs.js";
import { withPeer, type PeerOptions } from "./peer.js";

const BASE: SMTPOptions = { localHostname: "client.test", timeout: 10_000 };

let certs: TestCerts;
before(async () => {
  certs = await getTestCerts();
});

/** Runs `fn` with a peer, always closing both. */
function isCertError(pattern: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof SMTPException, `expected SMTPException, got ${String(err)}`);
    assert.match(err.message, pattern);
    assert.ok(err.cause instanceof Error, "Node's error is the cause");
    return true;
  };
}

describe("SMTP_SSL verifies by default", () => {
  const server = (): PeerOptions => ({ keyPair: certs, implicit: true });

  it("refuses a certificate from an unknown CA, naming host, reason and fix", async () => {
    await withPeer(server(), async (peer) => {
      await assert.rejects(SMTP_SSL.connect("127.0.0.1", peer.port, BASE),
        isCertError(/127\.0\.0\.1:\d+.*unable to verify.*tls\.ca.*rejectUnauthorized: false/i));
    });
  });

  it("refuses a self-signed certificate", async () => {
    await withPeer({ keyPair: certs.selfSigned, implicit: true }, async (peer) => {
      await assert.rejects(SMTP_SSL.connect("127.0.0.1", peer.port, BASE), isCertError(/self[- ]signed.*DEPTH_ZERO_SELF_SIGNED_CERT.*tls\.ca/i));
    });
  });

  it("refuses a certificate when only an unrelated CA is given, and says that CA is the wrong one (not: pass one), over implicit TLS and STARTTLS", async () => {
    const wrongCa = /verification failed.*The CA given as tls\.ca did not verify it: give the CA that issued the server's certificate chain, or \(insecure\)/;
    await withPeer(server(), async (peer) => {
      await assert.rejects(SMTP_SSL.connect("127.0.0.1", peer.port, { ...BASE, tls: { ca: certs.wrongCa } }), isCertError(wrongCa));
    });
    await withPeer({ keyPair: certs }, async (peer) => {
      const smtp = await SMTP.connect("127.0.0.1", peer.port, { ...BASE, tls: { ca: certs.wrongCa } });
      try {
        await assert.rejects(smtp.starttls(), isCertError(wrongCa));
      } finally {
        smtp.close();
      }
    });
    // Without a CA given, the advice is to pass one.
    await withPeer(server(), async (peer) => {
      await assert.rejects(SMTP_SSL.connect("127.0.0.1", peer.port, BASE), isCertError(/Pass the issuing CA as tls\.ca/));
    });
  });

  it("accepts the certificate when its CA is in tls.ca; SNI is not sent for an IP address", async () => {
    await withPeer(server(), async (peer) => {
      const smtp = await SMTP_SSL.connect("127.0.0.1", peer.port, { ...BASE, tls: { ca: certs.ca } });
      try {
        assert.equal(smtp.encrypted, true);
        await peer.waitHandshakes(1);
        assert.deepEqual(peer.servernames, [false]);
        assert.equal((await smtp.noop()).code, 250);
      } finally {
        smtp.close();
      }
    });
  });

  it("sends the host name as SNI and checks it", async () => {
    await withPeer(server(), async (peer) => {
      const smtp = await SMTP_SSL.connect("localhost", peer.port, { ...BASE, tls: { ca: certs.ca } });
      await smtp.noop();
      smtp.close();
      assert.deepEqual(peer.servernames, ["localhost"]);
    });
  });

  it("a fully qualified name with a trailing dot is sent as SNI without it (RFC 6066 §3) and still checked", async () => {
    await withPeer(server(), async (peer) => {
      // The host as given (the socketFactory reaches the peer: "localhost." needs no DNS), and tls.servername.
      const socketFactory = (): net.Socket => net.connect(peer.port, "127.0.0.1");
      const a = await SMTP_SSL.connect("localhost.", peer.port, { ...BASE, socketFactory, tls: { ca: certs.ca } });
      await a.noop();
      a.close();
      const b = await SMTP_SSL.connect("127.0.0.1", peer.port, { ...BASE, tls: { ca: certs.ca, servername: "localhost." } });
      await b.noop();
      b.close();
      assert.deepEqual(peer.servernames, ["localhost", "localhost"]);
    });
  });

  it("refuses a certificate for another host name, naming tls.servername as the fix", async () => {
    await withPeer({ keyPair: certs.wrongHost, implicit: true }, async (peer) => {
      await assert.rejects(SMTP_SSL.connect("127.0.0.1", peer.port, { ...BASE, tls: { ca: certs.ca } }),
        isCertError(/127\.0\.0\.1:\d+ does not match the host name.*tls\.servername/));
    });
  });

  it("tls.servername overrides the name sent as SNI and the name checked (TCP still goes to the host)", async () => {
    await withPeer({ keyPair: certs.wrongHost, implicit: true }, async (peer) => {
      const smtp = await SMTP_SSL.connect("127.0.0.1", peer.port, { ...BASE, tls: { ca: certs.ca, servername: "wrong.host.invalid" } });
      await smtp.noop();
      smtp.close();
      assert.deepEqual(peer.servernames, ["wrong.host.invalid"]);
    });
    await withPeer(server(), async (peer) => {
      // The certificate is valid for 127.0.0.1, but the name to check is now another one.
      await assert.rejects(SMTP_SSL.connect("127.0.0.1", peer.port, { ...BASE, tls: { ca: certs.ca, servername: "other.host.invalid" } }),
        isCertError(/does not match/));
      assert.deepEqual(peer.sniSeen, ["other.host.invalid"]);
    });
  });

  it("a caller's checkServerIdentity that throws (instead of returning an Error) fails the connection, typed; the process goes on", async () => {
    await withPeer(server(), async (peer) => {
      const checkServerIdentity = (): undefined => {
        throw new Error("pinned certificate mismatch");
      };
      await assert.rejects(SMTP_SSL.connect("localhost", peer.port, { ...BASE, tls: { ca: certs.ca, checkServerIdentity } }),
        isCertError(/localhost:\d+.*pinned certificate mismatch/));
    });
  });

  it("a caller's checkServerIdentity that throws something not an Error (a string) fails the connection too, saying what it threw", async () => {
    await withPeer(server(), async (peer) => {
      const checkServerIdentity = (): undefined => {
        throw "pin mismatch";
      };
      await assert.rejects(SMTP_SSL.connect("localhost", peer.port, { ...BASE, tls: { ca: certs.ca, checkServerIdentity } }),
        isCertError(/localhost:\d+.*tls\.checkServerIdentity threw pin mismatch/));
    });
  });

  it("rejectUnauthorized: false is an opt-in that works (and tlsInfo says it was not authorized)", async () => {
    await withPeer({ keyPair: certs.selfSigned, implicit: true }, async (peer) => {
      const smtp = await SMTP_SSL.connect("127.0.0.1", peer.port, { ...BASE, tls: { rejectUnauthorized: false } });
      try {
        assert.equal(smtp.tlsInfo?.authorized, false);
        assert.equal(smtp.tlsInfo?.authorizationError, "DEPTH_ZERO_SELF_SIGNED_CERT", "and why not");
        assert.equal((await smtp.noop()).code, 250);
      } finally {
        smtp.close();
      }
    });
  });

  it("tlsInfo shows protocol, cipher and the peer certificate", async () => {
    await withPeer(server(), async (peer) => {
      const smtp = await SMTP_SSL.connect("127.0.0.1", peer.port, { ...BASE, tls: { ca: certs.ca } });
      try {
        const info = smtp.tlsInfo;
        assert.ok(info);
        assert.match(info.protocol ?? "", /^TLSv1\.[23]$/);
        assert.ok(info.cipher.name.length > 0);
        assert.equal(info.peerCertificate.subject.CN, "localhost");
        assert.equal(info.authorized, true);
        assert.equal(smtp.encrypted, true);
      } finally {
        smtp.close();
      }
    });
  });
});

describe("starttls() verifies by default", () => {
  const server = (): PeerOptions => ({ keyPair: certs });

  it("refuses an unknown CA and closes the connection", async () => {
    await withPeer(server(), async (peer) => {
      const smtp = await SMTP.connect("127.0.0.1", peer.port, BASE);
      try {
        assert.equal(smtp.encrypted, false);
        assert.equal(smtp.tlsInfo, null);
        await assert.rejects(smtp.starttls(), isCertError(/TLS certificate verification failed for 127\.0\.0\.1:\d+.*tls\.ca/));
        await assert.rejects(smtp.noop(), SMTPException);
      } finally {
        smtp.close();
      }
    });
  });

  it("constructor tls applies to starttls() without arguments", async () => {
    await withPeer(server(), async (peer) => {
      const smtp = await SMTP.connect("127.0.0.1", peer.port, { ...BASE, tls: { ca: certs.ca } });
      try {
        const reply = await smtp.starttls();
        assert.equal(reply.code, 220);
        assert.equal(smtp.encrypted, true);
        assert.equal(smtp.tlsInfo?.peerCertificate.subject.CN, "localhost");
        assert.equal(smtp.tlsInfo?.authorized, true);
        await smtp.noop();
        assert.deepEqual(peer.servernames, [false]);
      } finally {
        smtp.close();
      }
    });
  });

  it("starttls(tls) arguments win over the constructor's", async () => {
    await withPeer(server(), async (peer) => {
      const smtp = await SMTP.connect("127.0.0.1", peer.port, { ...BASE, tls: { ca: certs.wrongCa } });
      try {
        await smtp.starttls({ ca: certs.ca });
        assert.equal(smtp.encrypted, true);
      } finally {
        smtp.close();
      }
    });
  });

  it("checks the host connected to and sends it as SNI", async () => {
    await withPeer({ keyPair: certs.wrongHost }, async (peer) => {
      const smtp = await SMTP.connect("localhost", peer.port, { ...BASE, tls: { ca: certs.ca } });
      try {
        await assert.rejects(smtp.starttls(), isCertError(/localhost:\d+ does not match the host name.*tls\.servername/));
      } finally {
        smtp.close();
      }
    });
    await withPeer(server(), async (peer) => {
      const smtp = await SMTP.connect("localhost", peer.port, { ...BASE, tls: { ca: certs.ca } });
      try {
        await smtp.starttls();
        await peer.waitHandshakes(1);
        assert.deepEqual(peer.servernames, ["localhost"]);
      } finally {
        smtp.close();
      }
    });
  });

  it("tls.servername overrides SNI and the name checked", async () => {
    await withPeer({ keyPair: certs.wrongHost }, async (peer) => {
      const smtp = await SMTP.connect("127.0.0.1", peer.port, BASE);
      try {
        await smtp.starttls({ ca: certs.ca, servername: "wrong.host.invalid" });
        await peer.waitHandshakes(1);
        assert.deepEqual(peer.servernames, ["wrong.host.invalid"]);
      } finally {
        smtp.close();
      }
    });
  });

  it("rejectUnauthorized: false opt-in", async () => {
    await withPeer({ keyPair: certs.selfSigned }, async (peer) => {
      const smtp = await SMTP.connect("127.0.0.1", peer.port, BASE);
      try {
        await smtp.starttls({ rejectUnauthorized: false });
        assert.equal(smtp.encrypted, true);
        assert.equal(smtp.tlsInfo?.authorized, false);
      } finally {
        smtp.close();
      }
    });
  });
});

describe("starttls() over a Unix socket (LMTP)", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "smtplib-tls-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("fails verification without tls.servername (nothing to check against), naming the fix", async () => {
    await withPeer({ keyPair: certs, lmtp: true, path: join(dir, "a.sock") }, async (peer) => {
      const lmtp = await LMTP.connect(peer.path!, 0, { ...BASE, tls: { ca: certs.ca } });
      try {
        await assert.rejects(lmtp.starttls(), isCertError(/a\.sock.*no host name.*tls\.servername/));
        assert.equal(lmtp.encrypted, false);
      } finally {
        lmtp.close();
      }
    });
  });

  it("passes with tls.servername (sent as SNI) or with rejectUnauthorized: false", async () => {
    await withPeer({ keyPair: certs, lmtp: true, path: join(dir, "b.sock") }, async (peer) => {
      const a = await LMTP.connect(peer.path!, 0, { ...BASE, tls: { ca: certs.ca, servername: "localhost" } });
      await a.starttls();
      assert.equal(a.encrypted, true);
      await a.noop();
      a.close();
      const b = await LMTP.connect(peer.path!, 0, { ...BASE, tls: { rejectUnauthorized: false } });
      await b.starttls();
      assert.equal(b.encrypted, true);
      await b.noop();
      b.close();
      await peer.waitHandshakes(2);
      assert.deepEqual(peer.servernames, ["localhost", false]);
    });
  });
});
