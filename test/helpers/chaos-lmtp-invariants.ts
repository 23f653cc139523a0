/**
 * The LMTP invariants of the client chaos test (test/client/chaos-lmtp.test.ts): a resolved
 * call reports exactly the per-recipient outcomes the server gave (RFC 2033 §4.2).
 */

import type { SMTPReply } from "../../src/index.js";
import type { Call } from "./chaos-client-model.js";
import type { ChaosServer } from "./chaos-client-server.js";
import { checkReply } from "./chaos-client-invariants.js";

/** What the server told each of a call's recipients: at RCPT, and after the data. */
function serverOutcomes(server: ChaosServer, id: number): { rcpt: Map<string, number>; end: Map<string, number> } {
  const rcpt = new Map<string, number>();
  const end = new Map<string, number>();
  for (const sent of server.serials.values()) {
    if (sent.call !== id || sent.arg === undefined) continue;
    if (sent.verb === "RCPT") rcpt.set(sent.arg, sent.code);
    else if (sent.verb === "." || sent.verb === "BDAT LAST") end.set(sent.arg, sent.code);
  }
  return { rcpt, end };
}

/**
 * Checks a resolved LMTP sendmail/deliver: each recipient is delivered (with the server's
 * acceptance after the data), refused (with the server's refusal, at RCPT or after the data),
 * or unknown (code -1): accepted at RCPT, and its reply after the data never came or was not
 * read before the connection closed (a reply on its way may be lost so), whatever it said.
 */
export function checkLmtpResolved(server: ChaosServer, call: Call, value: unknown, used: Set<number>, what: string, problems: string[]): void {
  const id = call.id;
  const v = value as Map<string, SMTPReply> | { refused: Map<string, SMTPReply>; delivered: Map<string, SMTPReply>; reply: SMTPReply };
  const refused = v instanceof Map ? v : v.refused;
  const delivered = v instanceof Map ? undefined : v.delivered;
  const { rcpt, end } = serverOutcomes(server, id);
  const ok = (code: number): boolean => code >= 200 && code < 300;
  let someone = false;
  for (const addr of call.rcpts) {
    const atRcpt = rcpt.get(addr);
    const atEnd = end.get(addr);
    const r = refused.get(addr);
    const d = delivered?.get(addr);
    const who = `${what} ${addr} (server: RCPT ${atRcpt ?? "-"}, end ${atEnd ?? "-"})`;
    if (r !== undefined && d !== undefined) problems.push(`${who}: reported both delivered and refused`);
    if (atRcpt === undefined) {
      if (r !== undefined || d !== undefined) problems.push(`${who}: reported, though its RCPT was never answered`);
    } else if (!ok(atRcpt)) {
      if (r === undefined) problems.push(`${who}: refused at RCPT, not reported refused`);
      else checkReply(server, r, { verbs: ["RCPT"], call: id, arg: addr }, used, `${who} refused`, problems);
    } else if (r?.code === -1) {
      someone = true;
    } else if (r !== undefined) {
      if (atEnd === undefined || ok(atEnd)) problems.push(`${who}: reported refused ${r.code} ${r.message}`);
      else checkReply(server, r, { verbs: [".", "BDAT LAST"], call: id, arg: addr }, used, `${who} refused`, problems);
    } else {
      if (atEnd === undefined || !ok(atEnd)) problems.push(`${who}: not reported refused or unknown`);
      else someone = true;
      if (delivered && d === undefined) problems.push(`${who}: reported neither delivered nor refused`);
      if (d !== undefined) checkReply(server, d, { verbs: [".", "BDAT LAST"], call: id, arg: addr }, used, `${who} delivered`, problems);
    }
  }
  for (const addr of refused.keys()) if (!call.rcpts.includes(addr)) problems.push(`${what}: reported refused ${addr}, not one of its recipients`);
  if (!someone) problems.push(`${what}: resolved, yet nobody got the message nor may have (SMTPRecipientsRefused expected)`);
  if (v instanceof Map) return;
  // The call's reply is one of those (the first refusal, else the last reply).
  if (![...v.delivered.values(), ...refused.values()].includes(v.reply)) problems.push(`${what}: its reply ${v.reply.code} ${v.reply.message} is none of its recipients' replies`);
}
