// Interop scenarios for SMTPPool: many messages over several connections at once, each
// delivered exactly once, against every server (LMTP over Dovecot's Unix socket too).
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { SMTPOptions, SMTPReply } from "./api.js";
import { SENDER, authCapable, check, message, options, type Context, type Scenario } from "./kit.js";

/** The part of SMTPPool (API.md "Beyond smtplib") that these scenarios use. */
interface Pool {
  sendmail(from: string, to: string[], msg: string): Promise<Map<string, SMTPReply>>;
  close(): Promise<void>;
}

interface PoolOptions extends SMTPOptions {
  host: string;
  port?: number;
  protocol?: "smtp" | "lmtp";
  auth?: { user: string; password: string };
  maxConnections?: number;
  maxInFlight?: number;
  maxMessagesPerConnection?: number;
  rateLimit?: { messages: number; interval: number };
}

type PoolClass = new (options: PoolOptions) => Pool;

/** Messages each pool scenario sends; every fifth also names a recipient the server refuses. */
const MESSAGES = 40;

/**
 * Sends {@link MESSAGES} messages at once through a pool of 3 connections (4 calls in flight
 * on each, retired after 10 messages, at most 20 calls starting per 250 ms), then checks that
 * each call reported exactly the refused recipient it named, and that the server stored each
 * message once: not lost, not sent twice.
 */
async function sendThroughPool(ctx: Context, extra: Partial<PoolOptions>): Promise<string> {
  const SMTPPool = ctx.lib["SMTPPool"] as PoolClass | undefined;
  check(typeof SMTPPool === "function", "the library exports no SMTPPool");
  const s = ctx.server;
  const pool = new SMTPPool({
    ...options(ctx),
    host: s.host, ...(s.lmtp ? { protocol: "lmtp" as const } : { port: s.port }),
    maxConnections: 3, maxInFlight: 4, maxMessagesPerConnection: 10,
    rateLimit: { messages: 20, interval: 250 },
    ...extra,
  });
  const tokens: string[] = Array.from({ length: MESSAGES }, () => randomUUID());
  const good = s.rcpts[0];
  try {
    const results = await Promise.all(tokens.map((token, i) => {
      const to = i % 5 === 0 ? [good, s.refusedRcpt] : [good];
      return pool.sendmail(SENDER, to, message({ token, to: [good], subject: `pool ${i}` }));
    }));
    results.forEach((refused, i) => {
      const want = i % 5 === 0 ? [s.refusedRcpt] : [];
      check(JSON.stringify([...refused.keys()]) === JSON.stringify(want), `message ${i}: refused ${JSON.stringify([...refused.keys()])}, expected ${JSON.stringify(want)}`);
    });
  } finally {
    await pool.close();
  }
  const deadline = Date.now() + 30_000;
  let missing = tokens;
  while (missing.length > 0 && Date.now() < deadline) {
    const scans = await Promise.all(missing.map(async (t) => ((await s.box.scan(t)).length > 0 ? null : t)));
    missing = scans.filter((t): t is string => t !== null);
    if (missing.length > 0) await sleep(200);
  }
  check(missing.length === 0, `${missing.length} of ${MESSAGES} messages never arrived`);
  // A second copy would be stored by now: every copy went before close() resolved.
  await sleep(500);
  const copies = await Promise.all(tokens.map(async (t) => (await s.box.scan(t)).length));
  const twice = copies.filter((n) => n !== 1).length;
  check(twice === 0, `${twice} messages stored more than once (copies: ${copies.join(",")})`);
  const opened = poolLines(ctx).filter((line) => line.startsWith("connected to ")).length;
  // Retired after 10 messages: 40 need 4 connections at least (3 would mean none retired).
  check(opened >= MESSAGES / 10, `${MESSAGES} messages over ${opened} connections: maxMessagesPerConnection (10) did not retire them`);
  return `${MESSAGES} messages over ${opened} connections, each stored once, ${MESSAGES / 5} refusals reported`;
}

/**
 * The pool's transcript without each line's connection number ("[2] C: MAIL ..."), checked
 * to be there: the lines of connections open at once interleave.
 */
function poolLines(ctx: Context): string[] {
  return ctx.transcript.map((line) => {
    const m = /^\[\d+\] (.*)$/s.exec(line);
    check(m !== null, `a pool transcript line without its connection's number: ${line}`);
    return m![1]!;
  });
}

export const poolScenarios: Scenario[] = [
  {
    id: "pool",
    title: `SMTPPool: ${MESSAGES} messages at once over 3 connections (retired after 10, rate-limited); each stored once, refusals reported per call`,
    notOffered: () => undefined,
    timeoutMs: 90_000,
    run: (ctx) => sendThroughPool(ctx, {}),
  },
  {
    id: "pool-auth",
    title: "SMTPPool with requireTLS and auth: every connection upgrades with STARTTLS (CA verified) and logs in before its first MAIL",
    notOffered: (s) => authCapable(s) ?? (s.offers.starttls ? undefined : "no STARTTLS"),
    timeoutMs: 90_000,
    async run(ctx) {
      const summary = await sendThroughPool(ctx, { requireTLS: true, auth: { user: ctx.user, password: ctx.password } });
      // Per connection: STARTTLS, then AUTH, then its first MAIL. A connection the pool opened
      // but never needed (its greeting still due when the others had sent every message, and
      // closed by close()) sends nothing, and is no failure.
      poolLines(ctx); // every line names its connection
      const byConnection = new Map<string, string[]>();
      for (const line of ctx.transcript) {
        const m = /^\[(\d+)\] (.*)$/s.exec(line)!;
        byConnection.set(m[1]!, [...(byConnection.get(m[1]!) ?? []), m[2]!]);
      }
      let sending = 0;
      for (const [id, lines] of byConnection) {
        const mail = lines.findIndex((line) => line.startsWith("C: MAIL "));
        const auth = lines.findIndex((line) => line.startsWith("C: AUTH "));
        const tls = lines.findIndex((line) => line.startsWith("TLS established"));
        check(auth === -1 || (tls !== -1 && tls < auth), `connection ${id} sent AUTH before TLS was established`);
        if (mail === -1) continue;
        sending++;
        check(tls !== -1 && tls < mail, `connection ${id} sent MAIL without STARTTLS first`);
        check(auth !== -1 && auth < mail, `connection ${id} sent MAIL without logging in first`);
      }
      check(sending > 0, "no connection sent a message");
      check(!ctx.transcript.some((line) => line.includes(ctx.password)), "the password appears in the transcript");
      return `${summary}; each upgraded with STARTTLS and logged in`;
    },
  },
];
