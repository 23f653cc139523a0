/**
 * starttls(): EHLO first, errors, state reset, response injection, LMTP; and requireTLS
 * against a server that strips STARTTLS.
 */

import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import {
  LMTP, SMTP, SMTP_SSL, SMTPException, SMTPNotSupportedError, SMTPResponseException, type SMTPOptions,
} from "../../src/index.js";
import { getTestCerts, type TestCerts } from "../helpers/certs.js";
import { withPeer, type PeerOptions, type Peer } from "./peer.js";

const BASE: SMTPOptions = { localHostname: "client.test", timeout: 10_000 };
const MESSAGE = "From: a@example.org\r\nTo: b@example.org\r\nSubject: hi\r\n\r\nbody\r\n";

let certs: TestCerts;
before(async () => {
  certs = await getTestCerts();
});

async function withClient<T extends typeof SMTP>(
  peer: Peer, options: SMTPOptions, fn: (smtp: InstanceType<T>) => Promise<void>, cls?: T,
): Promise<void> {
  const Cls = (cls ?? SMTP) as typeof SMTP;
  const smtp = await Cls.connect("127.0.0.1", peer.port, { ...BASE, ...options });
  try {
    await fn(smtp as InstanceType<T>);
  } finally {
    smtp.close();
  }
}

/** Waits for the server side to read what the client sent before checking it. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 50));

describe("starttls()", () => {
  it("sends EHLO first when needed, then STARTTLS; afterwards the greeting state is reset", async () => {
    await withPeer({ keyPair: certs }, async (peer) => {
      await withClient(peer, { tls: { ca: certs.ca } }, async (smtp) => {
        const reply = await smtp.starttls();
        assert.equal(reply.code, 220);
        assert.equal(reply.message, "go");
        assert.deepEqual(peer.commands, ["EHLO client.test", "STARTTLS"]);
        assert.equal(smtp.ehloResp, null);
        assert.equal(smtp.heloResp, null);
        assert.equal(smtp.doesEsmtp, false);
        assert.equal(smtp.esmtpFeatures.size, 0);
        assert.equal(smtp.hasExtn("starttls"), false);
      });
    });
  });

  it("resets state after an explicit EHLO, and the next mail command re-runs EHLO over TLS", async () => {
    await withPeer({ keyPair: certs }, async (peer) => {
      await withClient(peer, { tls: { ca: certs.ca } }, async (smtp) => {
        await smtp.ehlo();
        assert.equal(smtp.doesEsmtp, true);
        assert.ok(smtp.hasExtn("starttls"));
        await smtp.starttls();
        assert.equal(smtp.doesEsmtp, false);
        assert.equal(smtp.esmtpFeatures.size, 0);
        const refused = await smtp.sendmail("a@example.org", ["b@example.org"], MESSAGE);
        assert.equal(refused.size, 0);
        assert.equal(smtp.doesEsmtp, true);
        assert.equal(smtp.hasExtn("starttls"), false, "features are those of the EHLO over TLS");
        assert.deepEqual(peer.commands.slice(0, 4), ["EHLO client.test", "STARTTLS", "[tls] EHLO client.test", "[tls] MAIL FROM:<a@example.org> SIZE=61"]);
      });
    });
  });

  it("SMTPNotSupportedError when STARTTLS is not advertised (nothing sent but EHLO)", async () => {
    await withPeer({ keyPair: certs, offerStarttls: false }, async (peer) => {
      await withClient(peer, { tls: { ca: certs.ca } }, async (smtp) => {
        await assert.rejects(smtp.starttls(), SMTPNotSupportedError);
        await settle();
        assert.deepEqual(peer.commands, ["EHLO client.test"]);
      });
    });
  });

  it("SMTPResponseException for a reply other than 220 (the plain link stays usable)", async () => {
    await withPeer({ keyPair: certs, starttlsReply: "454 4.7.0 TLS not available\r\n" }, async (peer) => {
      await withClient(peer, { tls: { ca: certs.ca } }, async (smtp) => {
        await assert.rejects(smtp.starttls(), (err: unknown) => {
          assert.ok(err instanceof SMTPResponseException);
          assert.equal(err.smtpCode, 454);
          return true;
        });
        assert.equal(smtp.encrypted, false);
        assert.equal((await smtp.noop()).code, 250);
      });
    });
  });

  it("SMTPException when already encrypted (after starttls, and on SMTP_SSL)", async () => {
    await withPeer({ keyPair: certs }, async (peer) => {
      await withClient(peer, { tls: { ca: certs.ca } }, async (smtp) => {
        await smtp.starttls();
        await assert.rejects(smtp.starttls(), (err: unknown) => err instanceof SMTPException && !(err instanceof SMTPNotSupportedError) && /already encrypted/.test(err.message));
      });
    });
    await withPeer({ keyPair: certs, implicit: true, offerStarttls: true }, async (peer) => {
      await withClient(peer, { tls: { ca: certs.ca } }, async (smtp) => {
        await assert.rejects(smtp.starttls(), /already encrypted/);
        await settle();
        assert.deepEqual(peer.commands, [], "nothing was sent");
      }, SMTP_SSL);
    });
  });

  it("LMTP has starttls(): LHLO, STARTTLS, then LHLO again over TLS", async () => {
    await withPeer({ keyPair: certs, lmtp: true }, async (peer) => {
      await withClient(peer, { tls: { ca: certs.ca } }, async (lmtp) => {
        await lmtp.starttls();
        assert.equal(lmtp.encrypted, true);
        const refused = await lmtp.sendmail("a@example.org", ["b@example.org", "c@example.org"], MESSAGE);
        assert.equal(refused.size, 0);
        assert.deepEqual(peer.commands.slice(0, 3), ["LHLO client.test", "STARTTLS", "[tls] LHLO client.test"]);
      }, LMTP);
    });
  });
});

describe("STARTTLS response injection (NO STARTTLS, USENIX Security 2021)", () => {
  const check = async (options: PeerOptions): Promise<void> => {
    await withPeer({ keyPair: certs, ...options }, async (peer) => {
      await withClient(peer, { tls: { ca: certs.ca } }, async (smtp) => {
        await assert.rejects(smtp.starttls(), (err: unknown) => {
          assert.ok(err instanceof SMTPException, String(err));
          assert.match(err.message, /STARTTLS|plain text|injection/i);
          return true;
        });
        assert.equal(smtp.encrypted, false);
        await assert.rejects(smtp.noop(), SMTPException, "the connection is closed");
        await settle();
        assert.equal(peer.handshakes(), 0, "no handshake proceeded");
        assert.deepEqual(peer.commands, ["EHLO client.test", "STARTTLS"]);
      });
    });
  };

  it("a forged 250 in the same segment as the 220 closes the connection", async () => {
    await check({ starttlsReply: "220 go\r\n250 forged\r\n" });
  });

  it("a partial forged line in the same segment as the 220 closes the connection", async () => {
    await check({ starttlsReply: "220 go\r\n250 forg" });
  });

  it("a malformed line in the same segment as the 220 is the same protocol violation as forged bytes (not 'malformed reply')", async () => {
    await check({ starttlsReply: "220 go\r\nforged junk\r\n" });
  });

  it("forged bytes in a separate segment right after the 220 close the connection", async () => {
    await check({ injectAfterStarttls: "250 forged\r\n" });
  });
});

describe("requireTLS", () => {
  const stripped = (): PeerOptions => ({ keyPair: certs, offerStarttls: false });

  it("sendmail, sendMessage and login refuse a server that strips STARTTLS: no MAIL, no AUTH", async () => {
    await withPeer(stripped(), async (peer) => {
      await withClient(peer, { requireTLS: true, tls: { ca: certs.ca } }, async (smtp) => {
        await assert.rejects(smtp.sendmail("a@example.org", ["b@example.org"], MESSAGE), (err: unknown) =>
          err instanceof SMTPNotSupportedError && /requireTLS.*STARTTLS/.test(err.message));
        await assert.rejects(smtp.sendMessage(MESSAGE), SMTPNotSupportedError);
        await assert.rejects(smtp.login("user", "secret"), SMTPNotSupportedError);
        smtp.user = "user";
        smtp.password = "secret";
        await assert.rejects(smtp.auth("PLAIN", smtp.authPlain), SMTPNotSupportedError);
        assert.equal((await smtp.noop()).code, 250);
        const verbs = peer.commands.map((c) => c.split(" ")[0]);
        assert.ok(!verbs.includes("MAIL"), `no MAIL: ${peer.commands.join(" | ")}`);
        assert.ok(!verbs.includes("AUTH"), `no AUTH: ${peer.commands.join(" | ")}`);
        assert.ok(!peer.commands.some((c) => c.includes("secret")));
      });
    });
  });

  it("a refused STARTTLS (454) also sends no MAIL", async () => {
    await withPeer({ keyPair: certs, starttlsReply: "454 4.7.0 not now\r\n" }, async (peer) => {
      await withClient(peer, { requireTLS: true, tls: { ca: certs.ca } }, async (smtp) => {
        await assert.rejects(smtp.sendmail("a@example.org", ["b@example.org"], MESSAGE), SMTPResponseException);
        assert.ok(!peer.commands.some((c) => c.startsWith("MAIL")));
      });
    });
  });

  it("a failed certificate check sends no MAIL", async () => {
    await withPeer({ keyPair: certs }, async (peer) => {
      await withClient(peer, { requireTLS: true }, async (smtp) => {
        await assert.rejects(smtp.sendmail("a@example.org", ["b@example.org"], MESSAGE), /verification failed/);
        assert.ok(!peer.commands.some((c) => c.includes("MAIL")));
      });
    });
  });

  it("with STARTTLS offered, sendmail upgrades first, then EHLO and MAIL over TLS", async () => {
    await withPeer({ keyPair: certs }, async (peer) => {
      await withClient(peer, { requireTLS: true, tls: { ca: certs.ca } }, async (smtp) => {
        const refused = await smtp.sendmail("a@example.org", ["b@example.org"], MESSAGE);
        assert.equal(refused.size, 0);
        assert.equal(smtp.encrypted, true);
        assert.deepEqual(peer.commands.slice(0, 4), ["EHLO client.test", "STARTTLS", "[tls] EHLO client.test", "[tls] MAIL FROM:<a@example.org> SIZE=61"]);
        assert.ok(peer.commands.slice(2).every((c) => c.startsWith("[tls] ")));
      });
    });
  });

  it("login upgrades first too; the password goes only over TLS", async () => {
    await withPeer({ keyPair: certs }, async (peer) => {
      await withClient(peer, { requireTLS: true, tls: { ca: certs.ca } }, async (smtp) => {
        assert.equal((await smtp.login("user", "secret")).code, 235);
        const auth = peer.commands.filter((c) => c.includes("AUTH"));
        assert.equal(auth.length, 1);
        assert.ok(auth[0]!.startsWith("[tls] AUTH"));
      });
    });
  });

  it("auth() and mail() upgrade first too, then send EHLO over TLS before their command (RFC 3207 §4.2; Postfix answers AUTH or MAIL before it with 503)", async () => {
    for (const call of [
      (smtp: SMTP) => (smtp.user = "user", smtp.password = "secret", smtp.auth("PLAIN", smtp.authPlain)),
      (smtp: SMTP) => smtp.mail("a@example.org"),
    ]) {
      await withPeer({ keyPair: certs }, async (peer) => {
        await withClient(peer, { requireTLS: true, tls: { ca: certs.ca } }, async (smtp) => {
          await call(smtp);
          assert.deepEqual(peer.commands.slice(0, 3), ["EHLO client.test", "STARTTLS", "[tls] EHLO client.test"]);
          assert.equal(smtp.doesEsmtp, true, "the features are those of the EHLO over TLS");
          assert.match(peer.commands[3] ?? "", /^\[tls\] (AUTH PLAIN|MAIL FROM:<a@example.org>)/);
        });
      });
    }
  });

  it("SMTP_SSL with requireTLS just sends", async () => {
    await withPeer({ keyPair: certs, implicit: true }, async (peer) => {
      await withClient(peer, { requireTLS: true, tls: { ca: certs.ca } }, async (smtp) => {
        await smtp.sendmail("a@example.org", ["b@example.org"], MESSAGE);
        assert.deepEqual(peer.commands.slice(0, 2), ["[tls] EHLO client.test", "[tls] MAIL FROM:<a@example.org> SIZE=61"]);
      }, SMTP_SSL);
    });
  });
});
