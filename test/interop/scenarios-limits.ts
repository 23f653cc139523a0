// Interop scenarios for limits: a server's SIZE limit (Postfix's message_size_limit, on a
// port of its own), and the client's greeting and command timeouts against a real server
// made slow by the recording proxy holding back what it sends.
import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import type { SMTPClient } from "./api.js";
import {
  SENDER, bigBody, check, checkContent, delivered, describe, expectNoRefusals, message, openPlain, options, quit, track,
  withProxy, type Context, type Scenario,
} from "./kit.js";
import type { RecordingProxy } from "./proxy.js";

/** The library's error class `name` (a failing check when it does not export it). */
function errorClass(ctx: Context, name: string): abstract new () => Error {
  const cls = ctx.lib[name];
  check(typeof cls === "function", `the library exports no ${name}`);
  return cls as abstract new () => Error;
}

/** What a call came to: "resolved", or what it rejected with. */
function outcomeOf<T>(p: Promise<T>): Promise<unknown> {
  return p.then(() => "resolved", (err: unknown) => err);
}

/** Checks a refusal for a message over the limit: `cls`, code 552, enhanced status 5.3.4. */
function checkTooLarge(ctx: Context, outcome: unknown, cls: string, when: string): string {
  check(outcome instanceof errorClass(ctx, cls), `${when}: expected ${cls}, got ${outcome === "resolved" ? "a resolved call" : describe(outcome)}`);
  const code = (outcome as { smtpCode?: unknown }).smtpCode;
  const text = String((outcome as { smtpError?: unknown }).smtpError ?? (outcome as Error).message);
  check(code === 552, `${when}: code ${String(code)}, expected 552 (${text.slice(0, 80)})`);
  check(/\b5\.3\.4\b/.test(text), `${when}: no 5.3.4 in ${JSON.stringify(text.slice(0, 80))}`);
  return `${cls} 552 5.3.4`;
}

/**
 * Postfix's port with `message_size_limit` 100000: a message over it refused at MAIL for its
 * `SIZE=` (none of it sent: its token never on the wire); the same as a stream of unknown size (no
 * `SIZE=` to check) refused after the data with 552; the connection usable after both.
 */
async function sizeLimit(ctx: Context, limit: { port: number; bytes: number }): Promise<string> {
  return withProxy(ctx, async (proxy) => {
    const c = await track(ctx, ctx.lib.SMTP.connect("127.0.0.1", proxy.port, options(ctx, { chunking: false })));
    await c.ehlo();
    check(c.esmtpFeatures.get("size") === String(limit.bytes), `SIZE advertised as ${String(c.esmtpFeatures.get("size"))}, expected ${limit.bytes}`);
    const to = [ctx.server.rcpts[0]];
    const overToken = randomUUID();
    const over = message({ token: overToken, to, subject: "over the SIZE limit", body: bigBody(limit.bytes * 2) });
    const atMail = checkTooLarge(ctx, await outcomeOf(c.sendmail(SENDER, to, over)), "SMTPSenderRefused", "a message over SIZE");
    const wire = proxy.analyse().commands;
    const mail = wire.find((l) => /^MAIL FROM:/i.test(l)) ?? "";
    const declared = Number(/\bSIZE=(\d+)/i.exec(mail)?.[1]);
    check(declared > limit.bytes, `MAIL declared ${Number.isNaN(declared) ? "no SIZE" : `SIZE=${declared}`}: ${mail}`);
    // DATA may be pipelined behind MAIL (RFC 2920), refused with it; none of the message may follow.
    check(!proxy.clientBytes().includes(overToken), `the message was sent after its MAIL was refused: ${wire.join(" | ").slice(0, 200)}`);
    // A stream of unknown size: no SIZE= to refuse, so the server finds it in the data.
    const streamToken = randomUUID();
    const streamed = Readable.from([Buffer.from(message({ token: streamToken, to, subject: "over, streamed", body: bigBody(limit.bytes * 2) }))]);
    const afterData = checkTooLarge(ctx, await outcomeOf(c.sendmail(SENDER, to, streamed)), "SMTPDataError", "a stream over SIZE");
    const streamMail = proxy.analyse().commands.filter((l) => /^MAIL FROM:/i.test(l))[1] ?? "";
    check(!/\bSIZE=/i.test(streamMail), `the stream's MAIL declared a size: ${streamMail}`);
    // The same connection, still in step: a message under the limit delivered.
    const okToken = randomUUID();
    const ok = message({ token: okToken, to, subject: "under the SIZE limit" });
    expectNoRefusals(await c.sendmail(SENDER, to, ok));
    await quit(c);
    const found = await delivered(ctx, okToken, to);
    const how = checkContent(found[0] as (typeof found)[number], ok, SENDER);
    await sleep(1000);
    for (const token of [overToken, streamToken]) check((await ctx.server.box.scan(token)).length === 0, "a message over the limit was stored");
    return `SIZE ${limit.bytes}: at MAIL (SIZE=${declared}) ${atMail}, no data sent; a stream after its data ${afterData}; next message ${how}`;
  }, { port: limit.port });
}

/** Opens a client through `proxy` (which may hold the greeting back), with `timeouts`. */
function viaProxy(ctx: Context, proxy: RecordingProxy, timeouts: Record<string, number>): Promise<SMTPClient> {
  return openPlain(ctx, proxy, { timeouts });
}

/** Checks an SMTPTimeoutError of `phase`. */
function checkTimeout(ctx: Context, outcome: unknown, phase: string): string {
  check(outcome instanceof errorClass(ctx, "SMTPTimeoutError"),
    `expected SMTPTimeoutError (${phase}), got ${outcome === "resolved" ? "a resolved call" : describe(outcome)}`);
  const got = (outcome as { phase?: unknown }).phase;
  check(got === phase, `timeout phase ${String(got)}, expected ${phase}`);
  return describe(outcome).slice(0, 90);
}

export const limitScenarios: Scenario[] = [
  {
    id: "size-limit",
    title: "Postfix with message_size_limit 100000 (SIZE advertised): a larger message refused at MAIL for its SIZE= (552 5.3.4, SMTPSenderRefused, no data sent); a stream of unknown size refused after its data (552 5.3.4, SMTPDataError); the connection still delivers",
    notOffered: (s) => (s.sizeLimit !== undefined ? undefined : "no port with a small SIZE limit"),
    timeoutMs: 40_000,
    run: (ctx) => sizeLimit(ctx, ctx.server.sizeLimit as { port: number; bytes: number }),
  },
  {
    id: "timeout-greeting",
    title: "timeouts.greeting 1 s, the server's greeting held back by a proxy: SMTPTimeoutError phase greeting; the same proxy not holding: greeted",
    notOffered: () => undefined,
    timeoutMs: 30_000,
    async run(ctx) {
      return withProxy(ctx, async (proxy) => {
        proxy.hold();
        const outcome = await outcomeOf(viaProxy(ctx, proxy, { greeting: 1000 }));
        const note = checkTimeout(ctx, outcome, "greeting");
        proxy.release();
        const c = await viaProxy(ctx, proxy, { greeting: 10_000 });
        await quit(c);
        return `${note}; greeted when not held`;
      });
    },
  },
  {
    id: "timeout-command",
    title: "timeouts.command 1 s, the server's replies held back by a proxy after EHLO: NOOP rejects with SMTPTimeoutError phase command, and the connection is closed",
    notOffered: () => undefined,
    timeoutMs: 30_000,
    async run(ctx) {
      return withProxy(ctx, async (proxy) => {
        const c = await viaProxy(ctx, proxy, { command: 1000 });
        const ehlo = await c.ehlo();
        check(ehlo.code === 250, `EHLO answered ${ehlo.code}`);
        proxy.hold();
        const note = checkTimeout(ctx, await outcomeOf(c.noop()), "command");
        proxy.release();
        const after = await outcomeOf(c.noop());
        check(after instanceof ctx.lib.SMTPServerDisconnected, `after the timeout NOOP ${after === "resolved" ? "answered" : describe(after)}`);
        return `${note}; connection closed`;
      });
    },
  },
];
