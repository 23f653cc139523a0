// Interop scenarios about the session: connecting, TLS, AUTH and refusals.
import { randomUUID } from "node:crypto";
import type { SMTPOptions, SMTPReply } from "./api.js";
import type { Delivered } from "./mailboxes.js";
import {
  REFUSED_SENDER, SENDER, authCapable, authCommands, authMechanism, check, checkContent, checkEnhanced, delivered,
  describe, expectNoRefusals, isInstance, message, openImplicit, openPlain, openStarttls, options,
  plainClass, quit, sendAndCheck, track, withProxy, type Context, type Scenario,
} from "./kit.js";

/** The mechanisms with one of Python's bound auth objects, in order of preference. */
const BOUND: readonly (readonly [string, "authPlain" | "authLogin" | "authCramMd5"])[] = [["PLAIN", "authPlain"], ["LOGIN", "authLogin"], ["CRAM-MD5", "authCramMd5"]];

/** Node's codes for a certificate chain that does not lead to a trusted CA. */
const UNTRUSTED = ["UNABLE_TO_VERIFY_LEAF_SIGNATURE", "SELF_SIGNED_CERT_IN_CHAIN", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "UNABLE_TO_GET_ISSUER_CERT", "DEPTH_ZERO_SELF_SIGNED_CERT"];

/**
 * Checks a refused TLS handshake as API.md describes it: an SMTPException with Node's error
 * as `cause` (its code one of `codes`), and a message naming that reason and the fix
 * (`says`: words the message must hold). Returns the message's start, for notes.
 */
function tlsRefusal(ctx: Context, err: unknown, codes: string[], says: (code: string) => string[]): string {
  check(isInstance(err, ctx.lib.SMTPException), `expected an SMTPException, got ${describe(err)}`);
  const cause = (err as Error).cause;
  const code = String((cause as { code?: unknown } | undefined)?.code);
  check(cause instanceof Error && codes.includes(code),
    `cause: ${cause instanceof Error ? `${code} ${cause.message}` : "none"}, expected Node's ${codes.join(" or ")}`);
  const text = (err as Error).message;
  const missing = says(code).filter((w) => !text.includes(w));
  check(missing.length === 0, `the message does not say ${missing.map((w) => JSON.stringify(w)).join(", ")}: ${text}`);
  return `${code}: ${text.slice(0, 90)}`;
}

export const sessionScenarios: Scenario[] = [
  {
    id: "plain",
    title: "sendmail over a plain connection; content checked",
    notOffered: () => undefined,
    timeoutMs: 40_000,
    async run(ctx) {
      return sendAndCheck(ctx, { token: randomUUID(), subject: "plain send" });
    },
  },
  {
    id: "starttls",
    title: "starttls() verified against the test CA, then sendmail",
    notOffered: (s) => (s.offers.starttls ? undefined : "no STARTTLS"),
    timeoutMs: 40_000,
    async run(ctx) {
      const token = randomUUID();
      const to = [ctx.server.rcpts[0]];
      const sent = message({ token, to, subject: "starttls" });
      const c = await openStarttls(ctx);
      expectNoRefusals(await c.sendmail(SENDER, to, sent));
      await quit(c);
      const found = await delivered(ctx, token, to);
      return checkContent(found[0] as Delivered, sent);
    },
  },
  {
    id: "starttls-untrusted",
    title: "starttls() without the test CA is refused (certificate not trusted)",
    notOffered: (s) => (s.offers.starttls ? undefined : "no STARTTLS"),
    timeoutMs: 30_000,
    async run(ctx) {
      const c = await track(ctx, plainClass(ctx).connect(ctx.server.host, ctx.server.port, { ...options(ctx), tls: {} }));
      await c.ehlo();
      try {
        await c.starttls();
      } catch (err) {
        const note = tlsRefusal(ctx, err, UNTRUSTED, (code) => [code, "tls.ca"]);
        // Nothing may go on in clear text (nor over an unverified channel) after the refusal.
        const after = await c.noop().then((r) => `NOOP answered ${r.code}`, (e: unknown) => e);
        check(isInstance(after, ctx.lib.SMTPServerDisconnected), `after the refused handshake: ${typeof after === "string" ? after : describe(after)}`);
        return note;
      }
      throw new Error("starttls() succeeded against a certificate from an unknown CA");
    },
  },
  {
    id: "implicit-tls",
    title: "SMTP_SSL (implicit TLS) verified against the test CA, then sendmail",
    notOffered: (s) => (s.offers.implicitTls ? undefined : "no implicit-TLS port"),
    timeoutMs: 40_000,
    async run(ctx) {
      const token = randomUUID();
      const to = [ctx.server.rcpts[0]];
      const sent = message({ token, to, subject: "implicit tls" });
      const c = await openImplicit(ctx);
      expectNoRefusals(await c.sendmail(SENDER, to, sent));
      await quit(c);
      const found = await delivered(ctx, token, to);
      return checkContent(found[0] as Delivered, sent);
    },
  },
  {
    id: "implicit-tls-untrusted",
    title: "SMTP_SSL without the test CA, then with it but tls.servername another name: each refused (SMTPException, Node's error as cause, the reason and the fix in the message)",
    notOffered: (s) => (s.offers.implicitTls ? undefined : "no implicit-TLS port"),
    timeoutMs: 30_000,
    async run(ctx) {
      const notes: string[] = [];
      const tries: [string, SMTPOptions["tls"], string[], (code: string) => string[]][] = [
        ["no CA", {}, UNTRUSTED, (code) => [code, "tls.ca"]],
        ["wrong name", { ca: ctx.ca, servername: "mx.wrong.test" }, ["ERR_TLS_CERT_ALTNAME_INVALID"], () => ["tls.servername", "mx.wrong.test"]],
      ];
      for (const [what, tls, codes, says] of tries) {
        const outcome = await ctx.lib.SMTP_SSL.connect("127.0.0.1", ctx.server.tlsPort, { ...options(ctx), tls })
          .then((c) => { ctx.clients.push(c); return "connected"; }, (err: unknown) => err);
        check(outcome !== "connected", `${what}: SMTP_SSL connected`);
        notes.push(`${what}: ${tlsRefusal(ctx, outcome, codes, says).slice(0, 60)}`);
      }
      return notes.join("; ");
    },
  },
  {
    id: "ipv6",
    title: "over ::1: starttls() and SMTP_SSL verified against the certificate's IP address ::1, then sendmail",
    notOffered: (s) => (s.offers.ipv6 ? undefined : "not listening on ::1"),
    timeoutMs: 40_000,
    async run(ctx) {
      const to = [ctx.server.rcpts[0]];
      const notes: string[] = [];
      for (const how of ["starttls", "implicit"] as const) {
        const token = randomUUID();
        const sent = message({ token, to, subject: `ipv6 ${how}` });
        const c = how === "starttls"
          ? await track(ctx, plainClass(ctx).connect("::1", ctx.server.port, options(ctx)))
          : await track(ctx, ctx.lib.SMTP_SSL.connect("::1", ctx.server.tlsPort, options(ctx)));
        if (how === "starttls") {
          const r = await c.starttls();
          check(r.code === 220, `STARTTLS answered ${r.code}`);
        }
        expectNoRefusals(await c.sendmail(SENDER, to, sent));
        await quit(c);
        const found = await delivered(ctx, token, to);
        notes.push(`${how}: ${checkContent(found[0] as Delivered, sent)}`);
      }
      return notes.join("; ");
    },
  },
  {
    id: "require-tls",
    title: "requireTLS on a plain connection: sendmail upgrades with STARTTLS first (no MAIL in clear, seen by a proxy)",
    notOffered: (s) => (s.offers.starttls ? undefined : "no STARTTLS (see require-tls-refused)"),
    timeoutMs: 40_000,
    async run(ctx) {
      return withProxy(ctx, async (proxy) => {
        const to = [ctx.server.rcpts[0]];
        const token = randomUUID();
        const sent = message({ token, to, subject: "require tls" });
        const c = await openPlain(ctx, proxy, { requireTLS: true });
        expectNoRefusals(await c.sendmail(SENDER, to, sent));
        await quit(c);
        // analyse() stops reading the client's bytes at STARTTLS: what follows is TLS.
        const { commands } = proxy.analyse();
        check(commands.some((l) => /^STARTTLS$/i.test(l)), `no STARTTLS on the wire: ${commands.join(" | ")}`);
        check(!commands.some((l) => /^(MAIL|RCPT|DATA|BDAT)\b/i.test(l)), `mail commands in clear: ${commands.join(" | ")}`);
        const found = await delivered(ctx, token, to);
        return `STARTTLS before MAIL; ${checkContent(found[0] as Delivered, sent)}`;
      });
    },
  },
  {
    id: "require-tls-refused",
    title: "requireTLS to a server without STARTTLS: sendmail throws, nothing delivered",
    notOffered: (s) => (s.offers.starttls ? "offers STARTTLS (see require-tls)" : undefined),
    timeoutMs: 40_000,
    async run(ctx) {
      const to = [ctx.server.rcpts[0]];
      const token = randomUUID();
      const c = await openPlain(ctx, undefined, { requireTLS: true });
      let refusal = "";
      try {
        await c.sendmail(SENDER, to, message({ token, to, subject: "require tls, refused" }));
      } catch (err) {
        check(isInstance(err, ctx.lib.SMTPException), `expected an SMTPException, got ${describe(err)}`);
        refusal = describe(err);
      }
      c.close();
      check(refusal !== "", "sendmail ran in clear text despite requireTLS");
      await new Promise((resolve) => setTimeout(resolve, 500));
      check((await ctx.server.box.scan(token)).length === 0, "the message was delivered");
      return refusal.slice(0, 120);
    },
  },
  {
    id: "login",
    title: "login() after STARTTLS (the library picks the mechanism), then sendmail",
    notOffered: authCapable,
    timeoutMs: 40_000,
    async run(ctx) {
      const c = await openStarttls(ctx);
      const r = await c.login(ctx.user, ctx.password);
      check(r.code === 235, `login answered ${r.code} ${r.message}`);
      const token = randomUUID();
      const to = [ctx.server.rcpts[0]];
      expectNoRefusals(await c.sendmail(SENDER, to, message({ token, to, subject: "after login" })));
      await quit(c);
      await delivered(ctx, token, to);
      const used = authCommands(ctx.transcript);
      return `235 via ${used.length > 0 ? used.join(" then ") : "(no AUTH command seen in debug output)"}`;
    },
  },
  {
    id: "require-tls-login",
    title: "requireTLS on a plain connection: auth() as the first call upgrades with STARTTLS and sends EHLO again before AUTH (RFC 3207 §4.2), then sendmail",
    notOffered: (s) => (!s.offers.starttls ? "no STARTTLS" : BOUND.some(([m]) => s.offers.auth.includes(m)) ? undefined : "no PLAIN, LOGIN or CRAM-MD5"),
    timeoutMs: 40_000,
    async run(ctx) {
      const c = await openPlain(ctx, undefined, { requireTLS: true });
      const [mech, bound] = BOUND.find(([m]) => ctx.server.offers.auth.includes(m))!;
      c.user = ctx.user;
      c.password = ctx.password;
      const r = await c.auth(mech, c[bound]);
      check(r.code === 235, `login answered ${r.code} ${r.message}`);
      const protocol = c.tlsInfo?.protocol;
      check(protocol !== undefined, "login ran without TLS");
      const lines = ctx.transcript.map((l) => l.trim());
      const tlsAt = lines.findIndex((l) => l.startsWith("TLS established"));
      const authAt = lines.findIndex((l, i) => i > tlsAt && /^C: AUTH /.test(l));
      check(tlsAt >= 0 && authAt > tlsAt && lines.slice(tlsAt, authAt).some((l) => /^C: EHLO /.test(l)), `no EHLO between the handshake and AUTH: ${lines.join(" | ")}`);
      const token = randomUUID();
      const to = [ctx.server.rcpts[0]];
      expectNoRefusals(await c.sendmail(SENDER, to, message({ token, to, subject: "require tls, login" })));
      await quit(c);
      await delivered(ctx, token, to);
      return `235 via ${authCommands(ctx.transcript).join(" then ")} over ${String(protocol)}, EHLO after STARTTLS`;
    },
  },
  {
    id: "auth-long-initial-response",
    title: "AUTH PLAIN whose initial response would make the line over 512 octets: sent after the server's 334 instead (RFC 4954 §4); a wrong password is then SMTPAuthenticationError",
    notOffered: (s) => (s.offers.auth.includes("PLAIN") ? undefined : "PLAIN not offered"),
    timeoutMs: 30_000,
    async run(ctx) {
      const c = await openStarttls(ctx);
      c.user = ctx.user;
      c.password = "w".repeat(600);
      try {
        await c.auth("PLAIN", c.authPlain);
      } catch (err) {
        check(isInstance(err, ctx.lib.SMTPAuthenticationError), `expected SMTPAuthenticationError, got ${describe(err)}`);
        const lines = ctx.transcript.map((l) => l.trim());
        check(lines.includes("C: AUTH PLAIN") && lines.some((l) => /^S: 334\b/.test(l)), `no AUTH PLAIN without its initial response, answered 334: ${lines.join(" | ")}`);
        const r = await c.noop();
        check(r.code === 250, `NOOP after the refusal answered ${r.code}`);
        await quit(c);
        return `AUTH PLAIN, 334, response; ${describe(err).slice(0, 80)}`;
      }
      throw new Error("login with a wrong password succeeded");
    },
  },
  authMechanism("PLAIN", "authPlain"),
  authMechanism("LOGIN", "authLogin"),
  authMechanism("CRAM-MD5", "authCramMd5"),
  {
    id: "auth-scram-sha-256",
    title: "login() uses SCRAM-SHA-256 where offered (the strongest built-in)",
    notOffered: (s) => (s.offers.auth.includes("SCRAM-SHA-256") ? undefined : "SCRAM-SHA-256 not offered"),
    timeoutMs: 30_000,
    async run(ctx) {
      const c = await openStarttls(ctx);
      const r = await c.login(ctx.user, ctx.password);
      check(r.code === 235, `login answered ${r.code} ${r.message}`);
      const used = authCommands(ctx.transcript);
      check(used.length === 1 && used[0] === "SCRAM-SHA-256", `AUTH commands in the debug output: ${used.join(", ") || "none"}`);
      // Over TLS to a server without SCRAM-SHA-256-PLUS the client sends the gs2 flag "y"
      // (RFC 5802 §6), which the server must accept: it can bind TLS 1.3 (tls-exporter) and,
      // under TLS 1.2, the suite's RSA-SHA256 certificate (tls-server-end-point); else "n".
      const protocol = c.tlsInfo?.protocol ?? "plain text";
      await quit(c);
      return `235 via SCRAM-SHA-256 over ${protocol} (gs2 flag ${protocol === "plain text" ? "n" : "y"})`;
    },
  },
  {
    id: "auth-scram-sha-1",
    title: "login() with only SCRAM-SHA-1 in authRegistry (RFC 5802) after STARTTLS: the server's signature verified, challenges kept out of the transcript, then sendmail; a wrong password is SMTPAuthenticationError",
    notOffered: (s) => (s.offers.auth.includes("SCRAM-SHA-1") ? undefined : "SCRAM-SHA-1 not offered"),
    timeoutMs: 40_000,
    async run(ctx) {
      const { AuthRegistry, createScramSha1Mechanism } = ctx.lib;
      check(typeof AuthRegistry === "function" && typeof createScramSha1Mechanism === "function", "the library exports no AuthRegistry or createScramSha1Mechanism");
      const registry = (): unknown => new (AuthRegistry as new (m: unknown[]) => unknown)([(createScramSha1Mechanism as () => unknown)()]);
      const c = await openStarttls(ctx, { authRegistry: registry() });
      const r = await c.login(ctx.user, ctx.password);
      check(r.code === 235, `login answered ${r.code} ${r.message}`);
      const used = authCommands(ctx.transcript);
      check(used.length === 1 && used[0] === "SCRAM-SHA-1", `AUTH commands in the debug output: ${used.join(", ") || "none"}`);
      const challenges = ctx.transcript.map((l) => l.trim()).filter((l) => /^S: 334\b/.test(l));
      check(challenges.length === 2 && challenges.every((l) => /^S: 334 <challenge, \d+ characters, not shown>$/.test(l)), `the server's challenges in the transcript: ${challenges.join(" | ")}`);
      const protocol = c.tlsInfo?.protocol ?? "plain text";
      const token = randomUUID();
      const to = [ctx.server.rcpts[0]];
      expectNoRefusals(await c.sendmail(SENDER, to, message({ token, to, subject: "after SCRAM-SHA-1" })));
      await quit(c);
      await delivered(ctx, token, to);
      const wrong = await openStarttls(ctx, { authRegistry: registry() });
      try {
        await wrong.login(ctx.user, "wrong-password");
      } catch (err) {
        check(isInstance(err, ctx.lib.SMTPAuthenticationError), `expected SMTPAuthenticationError, got ${describe(err)}`);
        await quit(wrong);
        return `235 via SCRAM-SHA-1 over ${protocol} (gs2 flag ${protocol === "plain text" ? "n" : "y"}), delivered; wrong password: ${describe(err).slice(0, 80)}`;
      }
      throw new Error("SCRAM-SHA-1 login with a wrong password succeeded");
    },
  },
  {
    id: "auth-wrong-password",
    title: "login() with a wrong password throws SMTPAuthenticationError",
    notOffered: authCapable,
    timeoutMs: 30_000,
    async run(ctx) {
      const c = await openStarttls(ctx);
      try {
        await c.login(ctx.user, "wrong-password");
      } catch (err) {
        check(isInstance(err, ctx.lib.SMTPAuthenticationError), `expected SMTPAuthenticationError, got ${describe(err)}`);
        return `tried ${authCommands(ctx.transcript).join(", ")}; ${describe(err).slice(0, 100)}`;
      }
      throw new Error("login with a wrong password succeeded");
    },
  },
  {
    id: "refused-sender",
    title: "a sender refused at MAIL throws SMTPSenderRefused",
    notOffered: (s) => (s.offers.refusesSender ? undefined : "no sender policy"),
    timeoutMs: 30_000,
    async run(ctx) {
      const c = await openPlain(ctx);
      try {
        await c.sendmail(REFUSED_SENDER, [ctx.server.rcpts[0]], message({ token: randomUUID(), to: [ctx.server.rcpts[0]] }));
      } catch (err) {
        check(isInstance(err, ctx.lib.SMTPSenderRefused), `expected SMTPSenderRefused, got ${describe(err)}`);
        const e = err as Error & { smtpCode?: number; sender?: string };
        check(e.sender === REFUSED_SENDER, `sender is ${String(e.sender)}`);
        check(typeof e.smtpCode === "number" && e.smtpCode >= 500 && e.smtpCode < 600, `smtpCode ${String(e.smtpCode)}`);
        const text = (err as { smtpError?: unknown }).smtpError;
        check(typeof text === "string" && (!ctx.server.offers.enhancedStatus || /^5\.\d{1,3}\.\d{1,3} /.test(text)),
          `smtpError ${JSON.stringify(text)}: the server's text with its enhanced status code`);
        const r = await c.noop();
        check(r.code === 250, `NOOP after the refusal answered ${r.code}`);
        await quit(c);
        return `${e.smtpCode}`;
      }
      throw new Error("sendmail with a refused sender succeeded");
    },
  },
  {
    id: "refused-recipient",
    title: "one recipient refused at RCPT: returned in the map, the other delivered",
    notOffered: () => undefined,
    timeoutMs: 40_000,
    async run(ctx) {
      const token = randomUUID();
      const good = ctx.server.rcpts[0];
      const bad = ctx.server.refusedRcpt;
      const c = await openPlain(ctx);
      const refused = await c.sendmail(SENDER, [good, bad], message({ token, to: [good, bad] }));
      await quit(c);
      check(refused.size === 1 && refused.has(bad), `refused map: ${JSON.stringify([...refused.keys()])}`);
      const r = refused.get(bad) as SMTPReply;
      check(r.code >= 500 && r.code < 600, `refusal code ${r.code}`);
      const note = checkEnhanced(ctx, r, `RCPT ${bad}`);
      await delivered(ctx, token, [good]);
      return note;
    },
  },
];
