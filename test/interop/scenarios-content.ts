// Interop scenarios about what arrives: sizes, streams, dots, SMTPUTF8, Bcc, pipelining, BDAT, LMTP.
import { randomUUID } from "node:crypto";
import type { SMTPOptions, SMTPReply } from "./api.js";
import { headerSection, type Delivered } from "./mailboxes.js";
import {
  DOT_BODY, OVER_QUOTA, SENDER, bigBody, check, checkContent, checkEnhanced, delivered, describe, expectNoRefusals,
  isInstance, message, openPlain, quit, sizeScenario, withProxy, type Scenario,
} from "./kit.js";

export const contentScenarios: Scenario[] = [
  sizeScenario("1mb", 1 << 20, 60_000),
  sizeScenario("50mb", 50 << 20, 300_000),
  {
    id: "stream-50mb",
    title: "a 50 MB body as an AsyncIterable, cut at awkward places (inside CRLF, before dots); content checked; onProgress rises to its size",
    notOffered: () => undefined,
    timeoutMs: 300_000,
    async run(ctx) {
      const token = randomUUID();
      const to = [ctx.server.rcpts[0]];
      const sent = message({ token, to, subject: "stream", body: DOT_BODY + bigBody(50 << 20) });
      const bytes = Buffer.from(sent, "utf8");
      const sizes = [1, 2, 3, 5, 77, 4093, 65_537, 1 << 20];
      let chunks = 0;
      async function* pieces(): AsyncGenerator<Uint8Array> {
        for (let at = 0, i = 0; at < bytes.length; i++) {
          const n = sizes[i % sizes.length] as number;
          chunks += 1;
          yield bytes.subarray(at, at + n);
          at += n;
        }
      }
      const t0 = Date.now();
      const c = await openPlain(ctx, undefined, { timeout: 120_000 });
      const told: number[] = [];
      expectNoRefusals(await c.sendmail(SENDER, to, pieces(), [], [], { onProgress: (n) => told.push(n) }));
      await quit(c);
      if (told.at(-1) !== bytes.length || told.some((n, i) => i > 0 && n < told[i - 1]!)) {
        throw new Error(`onProgress did not rise to ${bytes.length}: ${told.length} calls, last ${String(told.at(-1))}`);
      }
      const found = await delivered(ctx, token, to, 120_000);
      return `${checkContent(found[0] as Delivered, sent)}, ${chunks} chunks, ${told.length} progress reports, ${((Date.now() - t0) / 1000).toFixed(1)} s`;
    },
  },
  {
    id: "dot-stuffing",
    title: "DATA (chunking: false) with lines starting with '.': they arrive intact in the stored message",
    notOffered: () => undefined,
    timeoutMs: 40_000,
    async run(ctx) {
      return withProxy(ctx, async (proxy) => {
        const token = randomUUID();
        const to = [ctx.server.rcpts[0]];
        const sent = message({ token, to, subject: "dots", body: DOT_BODY });
        const c = await openPlain(ctx, proxy, { chunking: false });
        expectNoRefusals(await c.sendmail(SENDER, to, sent));
        await quit(c);
        check(proxy.analyse().usedData, "DATA was not used");
        const found = await delivered(ctx, token, to);
        return checkContent(found[0] as Delivered, sent);
      });
    },
  },
  {
    id: "smtputf8",
    title: "SMTPUTF8: non-ASCII sender and recipient, UTF-8 header, stored intact",
    notOffered: (s) => (s.offers.smtputf8 ? undefined : "no SMTPUTF8"),
    timeoutMs: 40_000,
    async run(ctx) {
      const token = randomUUID();
      const from = "jörg.müller@example.test";
      const to = ["ünïcødé.收件人@example.test"];
      const sent = message({ token, from, to, subject: "Grüße, 你好", body: "Körper: ✓ 漢字\r\n" });
      const c = await openPlain(ctx);
      expectNoRefusals(await c.sendmail(from, to, sent, ["SMTPUTF8"]));
      await quit(c);
      const found = await delivered(ctx, token, to);
      const copy = found[0] as Delivered;
      check(copy.from === from, `envelope sender stored as ${String(copy.from)}`);
      check(headerSection(copy.raw).includes("Subject: Grüße, 你好"), "UTF-8 Subject not stored intact");
      return checkContent(copy, sent);
    },
  },
  {
    id: "smtputf8-unsupported",
    title: "a non-ASCII address to a server without SMTPUTF8: SMTPNotSupportedError, connection still usable",
    notOffered: (s) => (s.offers.smtputf8 ? "offers SMTPUTF8 (see smtputf8)" : undefined),
    timeoutMs: 30_000,
    async run(ctx) {
      const to = ["ünïcødé@example.test"];
      const c = await openPlain(ctx);
      try {
        await c.sendmail("jörg@example.test", to, message({ token: randomUUID(), to }), ["SMTPUTF8"]);
      } catch (err) {
        check(isInstance(err, ctx.lib.SMTPNotSupportedError), `expected SMTPNotSupportedError, got ${describe(err)}`);
        const r = await c.noop();
        check(r.code === 250, `NOOP afterwards answered ${r.code}`);
        await quit(c);
        return describe(err).slice(0, 100);
      }
      throw new Error("sendmail with SMTPUTF8 addresses succeeded on a server without SMTPUTF8");
    },
  },
  {
    id: "utf8-header-8bitmime",
    title: "sendMessage with raw UTF-8 in the Subject (ASCII addresses) and an 8-bit body: MAIL carries BODY=8BITMIME, and SMTPUTF8 exactly where offered (seen by a proxy); headers and body stored intact",
    notOffered: () => undefined,
    timeoutMs: 40_000,
    async run(ctx) {
      return withProxy(ctx, async (proxy) => {
        const token = randomUUID();
        const to = [ctx.server.rcpts[0]];
        const sent = message({ token, to, subject: "Grüße, 你好", body: "Körper: ✓ 漢字\r\n.ß leading dot\r\n" });
        const c = await openPlain(ctx, proxy);
        expectNoRefusals(await c.sendMessage(sent));
        await quit(c);
        const mail = proxy.analyse().commands.find((l) => /^MAIL FROM:/i.test(l)) ?? "(no MAIL)";
        check(/ BODY=8BITMIME(?: |$)/i.test(mail), `no BODY=8BITMIME: ${mail}`);
        check(/ SMTPUTF8(?: |$)/i.test(mail) === ctx.server.offers.smtputf8,
          `SMTPUTF8 ${ctx.server.offers.smtputf8 ? "missing" : "sent to a server without it"}: ${mail}`);
        const found = await delivered(ctx, token, to);
        return `${mail.slice(mail.indexOf(">") + 2)}; ${checkContent(found[0] as Delivered, sent)}`;
      });
    },
  },
  {
    id: "bcc",
    title: "sendMessage: To, Cc and Bcc all get it; no Bcc header on the wire (seen by a proxy) nor in any stored copy",
    notOffered: () => undefined,
    timeoutMs: 40_000,
    async run(ctx) {
      return withProxy(ctx, async (proxy) => {
        const token = randomUUID();
        const [to, cc, bcc] = ctx.server.rcpts;
        const sent = message({ token, to: [to], cc: [cc], bcc: [bcc], subject: "bcc" });
        const c = await openPlain(ctx, proxy);
        expectNoRefusals(await c.sendMessage(sent));
        await quit(c);
        // Postfix drops Bcc headers itself, so the wire is what shows the client's behaviour.
        check(!/^bcc:/im.test(proxy.clientBytes().toString("latin1")), "a Bcc header was sent to the server");
        const found = await delivered(ctx, token, [to, cc, bcc]);
        for (const copy of found) {
          check(!/^bcc:/im.test(headerSection(copy.raw)), `a Bcc header was delivered (${copy.where})`);
        }
        return `${found.length} cop${found.length === 1 ? "y" : "ies"}, no Bcc header sent or stored`;
      });
    },
  },
  {
    id: "dsn",
    title: "DSN parameters (RET, ENVID, NOTIFY, ORCPT) go on the wire as given; delivered",
    notOffered: (s) => (s.offers.dsn ? undefined : "no DSN"),
    timeoutMs: 40_000,
    async run(ctx) {
      return withProxy(ctx, async (proxy) => {
        const token = randomUUID();
        const to = ctx.server.rcpts[0];
        const c = await openPlain(ctx, proxy);
        // NOTIFY without SUCCESS: a success report would be one more stored copy with the token.
        const refused = await c.sendmail(SENDER, [to], message({ token, to: [to], subject: "dsn" }),
          ["RET=HDRS", `ENVID=${token}`], ["NOTIFY=FAILURE,DELAY", `ORCPT=rfc822;${to}`]);
        expectNoRefusals(refused);
        await quit(c);
        const { commands } = proxy.analyse();
        const mail = commands.find((l) => /^MAIL FROM:/i.test(l)) ?? "";
        const rcpt = commands.find((l) => /^RCPT TO:/i.test(l)) ?? "";
        check(mail.includes("RET=HDRS") && mail.includes(`ENVID=${token}`), `MAIL line: ${mail}`);
        check(rcpt.includes("NOTIFY=FAILURE,DELAY") && rcpt.includes(`ORCPT=rfc822;${to}`), `RCPT line: ${rcpt}`);
        await delivered(ctx, token, [to]);
        return "parameters sent, delivered";
      });
    },
  },
  pipelining("pipelining", "the defaults (BDAT where CHUNKING is offered)", {}),
  pipelining("pipelining-data", "DATA (chunking: false)", { chunking: false }),
  {
    id: "bdat",
    title: "CHUNKING/BDAT used when advertised (seen on the wire); content checked",
    notOffered: (s) => (s.offers.chunking ? undefined : "no CHUNKING"),
    timeoutMs: 40_000,
    async run(ctx) {
      return withProxy(ctx, async (proxy) => {
        const token = randomUUID();
        const to = [ctx.server.rcpts[0]];
        const sent = message({ token, to, subject: "bdat", body: DOT_BODY + bigBody(300_000) });
        const c = await openPlain(ctx, proxy);
        expectNoRefusals(await c.sendmail(SENDER, to, sent));
        await quit(c);
        const { bdatChunks, usedData } = proxy.analyse();
        check(bdatChunks > 0 && !usedData, `no BDAT on the wire (DATA used: ${usedData})`);
        const found = await delivered(ctx, token, to);
        return `${bdatChunks} BDAT chunk(s), ${checkContent(found[0] as Delivered, sent)}`;
      });
    },
  },
  {
    id: "bdat-back-to-back",
    title: "BDAT: three concurrent calls, every recipient of the middle one refused: RSET before the next MAIL, the others delivered and reported so",
    // Exim keeps the sender after refusing BDAT LAST for want of a valid recipient: a
    // next MAIL without RSET gets "503 sender already given" while its message is still
    // delivered. Transactions written back to back (without waiting for the replies of
    // the one before) therefore start with RSET.
    notOffered: (s) => (s.offers.chunking && s.offers.pipelining ? undefined : "no CHUNKING with PIPELINING"),
    timeoutMs: 40_000,
    async run(ctx) {
      return withProxy(ctx, async (proxy) => {
        const [t1, t3] = [randomUUID(), randomUUID()];
        const to = [ctx.server.rcpts[0]];
        const c = await openPlain(ctx, proxy);
        const results = await Promise.allSettled([
          c.sendmail(SENDER, to, message({ token: t1, to, subject: "bdat 1" })),
          c.sendmail(SENDER, [ctx.server.refusedRcpt], message({ token: randomUUID(), to, subject: "bdat 2" })),
          c.sendmail(SENDER, to, message({ token: t3, to, subject: "bdat 3" })),
        ]);
        const noop = await c.noop();
        await quit(c);
        check(results[0].status === "fulfilled" && results[2].status === "fulfilled", `first or third failed: ${results.map((r) => r.status).join(", ")}`);
        check(results[1].status === "rejected" && isInstance(results[1].reason, ctx.lib.SMTPRecipientsRefused),
          `the middle call: ${results[1].status === "rejected" ? describe(results[1].reason) : "delivered"}`);
        check(noop.code === 250, `NOOP after the transactions answered ${noop.code}`);
        const { commands, maxInFlight } = proxy.analyse();
        const verbs = commands.map((cmd) => cmd.split(" ")[0]);
        const mails = verbs.flatMap((v, i) => (v === "MAIL" ? [i] : []));
        check(mails.length === 3 && verbs.slice(mails[1]! + 1, mails[2]).includes("RSET"),
          `no RSET between the refused transaction and the next: ${commands.join(" | ")}`);
        await delivered(ctx, t1, to);
        await delivered(ctx, t3, to);
        return `up to ${maxInFlight} commands in flight, RSET before the MAIL after the refused one`;
      });
    },
  },
  lmtpQuota("lmtp-quota", "pipelined, BDAT (the defaults with Dovecot)", {}, { inFlight: true, bdat: true }),
  lmtpQuota("lmtp-quota-data", "pipelined, DATA (chunking: false)", { chunking: false }, { inFlight: true, bdat: false }),
  lmtpQuota("lmtp-quota-lockstep", "one command at a time, DATA (pipelining: false, chunking: false)",
    { pipelining: false, chunking: false }, { inFlight: false, bdat: false }),
  {
    id: "lmtp-data-replies",
    title: "LMTP low-level mail/rcpt/data: data() carries one reply per accepted recipient",
    notOffered: (s) => (s.offers.lmtpQuota ? undefined : "not an LMTP server"),
    timeoutMs: 40_000,
    async run(ctx) {
      const full = OVER_QUOTA;
      const [a, b] = ctx.server.rcpts;
      const token = randomUUID();
      const c = await openPlain(ctx);
      await c.ehloOrHeloIfNeeded();
      check((await c.mail(SENDER)).code === 250, "MAIL refused");
      for (const r of [a, full, b]) check((await c.rcpt(r)).code === 250, `RCPT ${r} refused`);
      const reply = await c.data(message({ token, to: [a, full, b], body: bigBody(4096) }));
      const map = reply.recipients;
      check(map instanceof Map, "data() reply has no recipients map");
      check(map.size === 3, `recipients map has ${map.size} entries`);
      check(map.get(a)?.code === 250 && map.get(b)?.code === 250, `replies for ${a}/${b}: ${map.get(a)?.code}/${map.get(b)?.code}`);
      const q = map.get(full);
      check(q !== undefined && (q.code === 552 || q.code === 452), `reply for ${full}: ${q?.code}`);
      checkEnhanced(ctx, q, `reply for ${full}`, `${Math.floor(q.code / 100)}.2.2`);
      checkEnhanced(ctx, map.get(a)!, `reply for ${a}`, "2.0.0");
      check(reply.code === q.code, `data() reply code ${reply.code}, expected the first refusal's ${q.code}`);
      const noop = await c.noop();
      check(noop.code === 250, `NOOP afterwards answered ${noop.code}`);
      await quit(c);
      await delivered(ctx, token, [a, b]);
      return `${[...map].map(([k, v]) => `${k.split("@")[0]} ${v.code}`).join(", ")}`;
    },
  },
];

/**
 * PIPELINING when advertised (RFC 2920): MAIL, every RCPT and DATA (or BDAT) written as
 * one group, none of their replies read first (seen by the recording proxy), with one
 * recipient refused in the middle: the refusal reported, the others delivered, the next
 * command answered in step.
 */
function pipelining(id: string, how: string, extra: Partial<SMTPOptions>): Scenario {
  const data = extra.chunking === false;
  return {
    id,
    title: `PIPELINING, ${how}: MAIL, every RCPT and ${data ? "DATA" : "DATA or BDAT"} sent as one group before any of their replies (seen by a proxy); one refusal reported, the others delivered`,
    notOffered: (s) => (!s.offers.pipelining ? "no PIPELINING" : data && !s.offers.chunking ? "no CHUNKING: the same as pipelining" : undefined),
    timeoutMs: 40_000,
    async run(ctx) {
      return withProxy(ctx, async (proxy) => {
        const token = randomUUID();
        const [a, b] = ctx.server.rcpts;
        const bad = ctx.server.refusedRcpt;
        const sent = message({ token, to: [a, b], body: DOT_BODY });
        const c = await openPlain(ctx, proxy, extra);
        const refused = await c.sendmail(SENDER, [a, bad, b], sent);
        const noop = await c.noop();
        await quit(c);
        check(refused.size === 1 && refused.has(bad), `refused map: ${JSON.stringify([...refused.keys()])}`);
        check(noop.code === 250, `NOOP after the transaction answered ${noop.code}`);
        const { maxInFlight, commands, inFlight, usedData } = proxy.analyse();
        check(!data || usedData, "DATA was not used");
        // RFC 2920 §3.1: DATA (or BDAT) may end the group: sent with MAIL and the 3 RCPTs unanswered.
        const mailAt = commands.findIndex((l) => /^MAIL FROM:/i.test(l));
        const dataAt = commands.findIndex((l, i) => i > mailAt && /^(DATA|BDAT )/i.test(l));
        check(mailAt >= 0 && dataAt === mailAt + 4 && inFlight[dataAt] === 5,
          `MAIL, RCPT x3 and DATA/BDAT not one group: ${commands.slice(mailAt, dataAt + 1).map((l, i) => `${l.split(" ")[0]}(${inFlight[mailAt + i]} in flight)`).join(" ")}`);
        const found = await delivered(ctx, token, [a, b]);
        return `up to ${maxInFlight} commands in flight; ${commands[dataAt]!.split(" ")[0]} sent with MAIL and 3 RCPTs unanswered; ${checkContent(found[0] as Delivered, sent)}`;
      });
    },
  };
}

/**
 * LMTP with an unknown user (refused at RCPT) and an over-quota mailbox (refused after the
 * data): one reply per accepted recipient after the data, both refusals in the returned
 * map with their own codes, the others delivered, the next command answered in step; and
 * SMTPRecipientsRefused when that mailbox is the only recipient. `expect` is what the
 * recording proxy must see (commands in flight together, BDAT or DATA).
 */
function lmtpQuota(id: string, how: string, extra: Partial<SMTPOptions>,
  expect: { inFlight: boolean; bdat: boolean }): Scenario {
  return {
    id,
    title: `LMTP, ${how}: an unknown user refused at RCPT, the over-quota recipient after the data (its 5.2.2 read), the others delivered`,
    notOffered: (s) => (s.offers.lmtpQuota ? undefined : "not an LMTP server"),
    timeoutMs: 40_000,
    async run(ctx) {
      return withProxy(ctx, async (proxy) => {
        const full = OVER_QUOTA;
        const unknown = ctx.server.refusedRcpt;
        const [a, b] = ctx.server.rcpts;
        const token = randomUUID();
        // Over the 1 KiB quota of full@ and nothing for the others. The unknown user comes
        // before full@: were the replies after the data paired with every RCPT rather than
        // with the accepted ones, full@ would get a's 250 and b none.
        const sent = message({ token, to: [a, full, b], body: bigBody(4096) });
        const c = await openPlain(ctx, proxy, extra);
        const refused = await c.sendmail(SENDER, [a, unknown, full, b], sent);
        check(refused.size === 2 && refused.has(full) && refused.has(unknown),
          `refused map: ${JSON.stringify([...refused].map(([k, v]) => [k, v.code]))}`);
        const r = refused.get(full) as SMTPReply;
        check(r.code === 552 || r.code === 452, `over-quota reply ${r.code} ${r.message}`);
        checkEnhanced(ctx, r, `over-quota reply for ${full}`, `${Math.floor(r.code / 100)}.2.2`);
        const u = refused.get(unknown) as SMTPReply;
        check(u.code === 550 && /^5\.1\.1\b/.test(u.message), `reply for the unknown user ${unknown}: ${u.code} ${u.message}`);
        checkEnhanced(ctx, u, `reply for ${unknown}`, "5.1.1");
        const noop = await c.noop();
        check(noop.code === 250, `NOOP after the data answered ${noop.code} (replies out of step?)`);
        // Only the over-quota recipient: nobody got it, so SMTPRecipientsRefused.
        let threw = false;
        try {
          await c.sendmail(SENDER, [full], message({ token: randomUUID(), to: [full], body: bigBody(4096) }));
        } catch (err) {
          threw = true;
          check(isInstance(err, ctx.lib.SMTPRecipientsRefused), `expected SMTPRecipientsRefused, got ${describe(err)}`);
          const map = (err as { recipients?: Map<string, SMTPReply> }).recipients;
          check(map instanceof Map && map.has(full), "SMTPRecipientsRefused.recipients lacks the over-quota address");
        }
        check(threw, "sendmail to the over-quota mailbox alone did not throw");
        const after = await c.noop();
        check(after.code === 250, `NOOP after the refused transaction answered ${after.code}`);
        await quit(c);
        const wire = proxy.analyse();
        check((wire.maxInFlight >= 2) === expect.inFlight, `up to ${wire.maxInFlight} commands in flight`);
        check((wire.bdatChunks > 0) === expect.bdat && wire.usedData === !expect.bdat,
          `BDAT chunks ${wire.bdatChunks}, DATA used ${wire.usedData}`);
        const found = await delivered(ctx, token, [a, b]);
        check(found.every((d) => !d.rcpts.includes(full)), "the over-quota mailbox received the message");
        return `${u.code} ${u.enhancedStatus ?? ""} for ${unknown.split("@")[0]}, ${r.code} ${r.enhancedStatus ?? ""} for ${full}; ${a.split("@")[0]} and ${b.split("@")[0]} delivered; ` +
          `${wire.bdatChunks > 0 ? "BDAT" : "DATA"}, up to ${wire.maxInFlight} in flight`;
      });
    },
  };
}
