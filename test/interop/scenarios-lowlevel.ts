// Interop scenarios for Python's low-level calls: ehlo, mail, rcpt, data, rset, noop, docmd,
// as a port of Python code would use them, one reply each.
import { randomUUID } from "node:crypto";
import type { SMTPReply } from "./api.js";
import { SENDER, check, checkContent, checkEnhanced, delivered, message, openPlain, quit, type Scenario } from "./kit.js";
import type { Delivered } from "./mailboxes.js";

/** "code message" of a reply, for failure messages. */
function shown(r: SMTPReply): string {
  return `${r.code} ${r.message}`;
}

export const lowLevelScenarios: Scenario[] = [
  {
    id: "low-level",
    title: "ehlo, mail, rcpt (one refused), data, then rset and a second transaction with docmd('RCPT'): replies as the server gave them; LMTP data() has one reply per accepted recipient",
    notOffered: () => undefined,
    timeoutMs: 40_000,
    async run(ctx) {
      const s = ctx.server;
      const c = await openPlain(ctx);
      const ehlo = await c.ehlo();
      check(ehlo.code === 250, `EHLO/LHLO: ${shown(ehlo)}`);
      // A transaction given up half way: RSET, then a new one.
      check((await c.mail(SENDER)).code === 250, "first MAIL refused");
      const reset = await c.docmd("RSET");
      check(reset.code === 250, `RSET: ${shown(reset)}`);
      const token = randomUUID();
      const [a, b] = [s.rcpts[0], s.rcpts[1]];
      const mail = await c.mail(SENDER);
      check(mail.code === 250, `MAIL: ${shown(mail)}`);
      const ra = await c.rcpt(a);
      check(ra.code === 250, `RCPT ${a}: ${shown(ra)}`);
      checkEnhanced(ctx, ra, `RCPT ${a}`);
      const bad = await c.rcpt(s.refusedRcpt);
      check(bad.code >= 500 && bad.code < 600, `RCPT ${s.refusedRcpt} was not refused: ${shown(bad)}`);
      checkEnhanced(ctx, bad, `RCPT ${s.refusedRcpt}`);
      const rb = await c.docmd("RCPT", `TO:<${b}>`);
      check(rb.code === 250, `docmd RCPT ${b}: ${shown(rb)}`);
      const sent = message({ token, to: [a, b], subject: "low-level" });
      const end = await c.data(sent);
      check(end.code === 250, `end of data: ${shown(end)}`);
      checkEnhanced(ctx, end, "end of data");
      if (s.lmtp) {
        const got = [...(end.recipients ?? new Map<string, SMTPReply>()).entries()].map(([r, reply]) => `${r}=${reply.code}`);
        check(got.join(",") === `${a}=250,${b}=250`, `LMTP data() recipients: ${got.join(",")}`);
        for (const [r, reply] of end.recipients ?? []) checkEnhanced(ctx, reply, `LMTP reply for ${r}`, "2.0.0");
      }
      const noop = await c.noop();
      check(noop.code === 250, `NOOP after the data: ${shown(noop)}`);
      await quit(c);
      const found = await delivered(ctx, token, [a, b]);
      return `${shown(end)}; ${checkContent(found[0] as Delivered, sent)}`;
    },
  },
];
