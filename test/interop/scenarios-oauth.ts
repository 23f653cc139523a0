// Interop scenarios for the OAuth 2.0 SASL mechanisms, XOAUTH2 and OAUTHBEARER (RFC 7628):
// Postfix offers them through Dovecot SASL, whose oauth2 passdb asks the suite's token
// introspection endpoint (oauth/introspection.mjs) whether the bearer token is valid.
import { randomUUID } from "node:crypto";
import type { Delivered } from "./mailboxes.js";
import {
  SENDER, authCommands, check, checkContent, delivered, describe, expectNoRefusals, isInstance, message,
  openStarttls, quit, type Context, type Scenario,
} from "./kit.js";

/** A token the introspection endpoint holds inactive: any other than the server's own. */
const BAD_TOKEN = "interop-oauth2.revoked.Qx81Lm";

/** What Dovecot 2.3 puts in its error challenge (mech-oauth2.c): Google's `status` for XOAUTH2, RFC 7628 §3.2.2's for OAUTHBEARER. */
const ERROR_STATUS: Record<"XOAUTH2" | "OAUTHBEARER", string> = { XOAUTH2: "401", OAUTHBEARER: "invalid_token" };

/**
 * Where the debug transcript shows `token`: as it is, or inside any base64 text (an AUTH
 * line's initial response or a client answer), whatever the token's offset in what was
 * encoded. Returns the lines that show it.
 */
function linesShowing(transcript: string[], token: string): string[] {
  return transcript.filter((line) => line.includes(token) ||
    (line.match(/[A-Za-z0-9+/]{16,}={0,2}/g) ?? []).some((run) =>
      [0, 1, 2, 3].some((skip) => Buffer.from(run.slice(skip), "base64").toString("latin1").includes(token))));
}

/** A registry holding only the built-in `mech` (taken from the library's default registry). */
function onlyMechanism(ctx: Context, mech: string): unknown {
  const { AuthRegistry, defaultRegistry } = ctx.lib;
  check(typeof AuthRegistry === "function" && typeof defaultRegistry === "function", "the library exports no AuthRegistry or defaultRegistry");
  const builtIn = (defaultRegistry as () => { get(name: string): unknown })().get(mech);
  check(builtIn !== undefined, `the default registry has no ${mech}`);
  return new (AuthRegistry as new (m: unknown[]) => unknown)([builtIn]);
}

function oauthScenario(mech: "XOAUTH2" | "OAUTHBEARER"): Scenario {
  return {
    id: `auth-${mech.toLowerCase()}`,
    title: `loginWith({ user, token }) (${mech === "XOAUTH2" ? "a string" : "a function, called once"}) with only ${mech} in authRegistry after STARTTLS (Dovecot's oauth2 passdb, token introspection), then sendmail; ` +
      "a token the server holds inactive, and the password as token, are SMTPAuthenticationError with the server's JSON error as details; the debug transcript never shows a token",
    notOffered: (s) => (!s.offers.auth.includes(mech) ? `${mech} not offered` : s.oauthToken === undefined ? "no test token" : undefined),
    timeoutMs: 40_000,
    async run(ctx) {
      const token = ctx.server.oauthToken as string;
      const c = await openStarttls(ctx, { authRegistry: onlyMechanism(ctx, mech) });
      check(typeof c.loginWith === "function", "the client has no loginWith()");
      // XOAUTH2 gets the token as a string, OAUTHBEARER as a function (TokenSource), which must
      // be called once for the one attempt.
      let calls = 0;
      const source = mech === "XOAUTH2" ? token : async (): Promise<string> => { calls += 1; return token; };
      const r = await c.loginWith({ user: ctx.user, token: source });
      check(r.code === 235, `login answered ${r.code} ${r.message}`);
      check(mech === "XOAUTH2" || calls === 1, `the token function was called ${calls} times for one login`);
      const used = authCommands(ctx.transcript);
      check(used.length === 1 && used[0] === mech, `AUTH commands in the debug output: ${used.join(", ") || "none"}`);
      const protocol = c.tlsInfo?.protocol ?? "plain text";
      const msgToken = randomUUID();
      const to = [ctx.server.rcpts[0]];
      const sent = message({ token: msgToken, to, subject: `after ${mech}` });
      expectNoRefusals(await c.sendmail(SENDER, to, sent));
      await quit(c);
      const found = await delivered(ctx, msgToken, to);
      const content = checkContent(found[0] as Delivered, sent);

      // Refused tokens, on one connection: one the endpoint holds inactive, and alice's password,
      // which Dovecot 2.3 would take as her token were its password passdb not limited to the
      // password mechanisms (dovecot.conf.in).
      const wrong = await openStarttls(ctx, { authRegistry: onlyMechanism(ctx, mech) });
      const refusals: string[] = [];
      for (const [what, bad] of [["an inactive token", BAD_TOKEN], ["the password as token", ctx.password]] as const) {
        const outcome = await wrong.loginWith({ user: ctx.user, token: bad }).then((x) => x, (err: unknown) => err);
        check(isInstance(outcome, ctx.lib.SMTPAuthenticationError), `${what}: expected SMTPAuthenticationError, got ${outcome instanceof Error ? describe(outcome) : `${String((outcome as { code?: unknown }).code)} (logged in)`}`);
        const err = outcome as Error & { smtpCode?: number; details?: unknown };
        check(typeof err.smtpCode === "number" && err.smtpCode >= 500 && err.smtpCode < 600, `${what}: smtpCode ${String(err.smtpCode)}`);
        const details = err.details as Record<string, unknown> | undefined;
        check(typeof details === "object" && details !== null && details["status"] === ERROR_STATUS[mech],
          `${what}: details ${JSON.stringify(details)}, expected the server's JSON error with status "${ERROR_STATUS[mech]}"`);
        const noop = await wrong.noop();
        check(noop.code === 250, `NOOP after ${what} answered ${noop.code}`);
        refusals.push(`${err.smtpCode} details ${JSON.stringify(details)}`);
      }
      await quit(wrong);

      const shown = [token, BAD_TOKEN, ctx.password].flatMap((t) => linesShowing(ctx.transcript, t));
      check(shown.length === 0, `the debug transcript shows a token: ${shown.join(" | ").slice(0, 300)}`);
      return `235 via ${mech} (token ${mech === "XOAUTH2" ? "a string" : "from a function"}) over ${protocol}, delivered (${content}); 2 bad tokens: ${refusals[0] ?? ""}`;
    },
  };
}

export const oauthScenarios: Scenario[] = [oauthScenario("XOAUTH2"), oauthScenario("OAUTHBEARER")];
