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
 * Checks a resolved LMTP sendmail/deliver: delivered = the recipients the server accepted
 * after the data; refused = those refused at RCPT or after the data, with its replies, and
 * those accepted at RCPT whose reply after the data never came, as unknown (code -1).
 */
export function checkLmtpResolved(server: ChaosServer, call: Call, value: unknown, used: Set<number>, what: string, problems: string[]): void {
  const id = call.id;
  const v = value as Map<string, SMTPReply> | { refused: Map<string, SMTPReply>; delivered: Map<string, SMTPReply>; reply: SMTPReply };
  const refused = v instanceof Map ? v : v.refused;
  const { rcpt, end } = serverOutcomes(server, id);
  const ok = (code: number): boolean => code >= 200 && code < 300;
  const wantDelivered = [...end].filter(([, c]) => ok(c)).map(([a]) => a).sort();
  const wantRefused = new Map<string, string>();
  for (const [addr, code] of rcpt) {
    if (!ok(code)) wantRefused.set(addr, "RCPT");
    else if (!end.has(addr)) wantRefused.set(addr, "unknown");
    else if (!ok(end.get(addr)!)) wantRefused.set(addr, "end");
  }
  const got = [...refused.keys()].sort().join(",");
  const want = [...wantRefused.keys()].sort().join(",");
  if (got !== want) problems.push(`${what}: reported refused [${got}], server refused or left unanswered [${want}]`);
  for (const [addr, reply] of refused) {
    const how = wantRefused.get(addr);
    if (how === "unknown") {
      if (reply.code !== -1) problems.push(`${what}: ${addr} got no reply after the data, reported ${reply.code} ${reply.message}`);
      continue;
    }
    checkReply(server, reply, { verbs: how === "RCPT" ? ["RCPT"] : [".", "BDAT LAST"], call: id, arg: addr }, used, `${what} refused ${addr}`, problems);
  }
  if (wantDelivered.length === 0 && ![...wantRefused.values()].includes("unknown")) {
    problems.push(`${what}: resolved, yet no recipient got the message (SMTPRecipientsRefused expected)`);
  }
  if (v instanceof Map) return;
  const delivered = [...v.delivered.keys()].sort().join(",");
  if (delivered !== wantDelivered.join(",")) problems.push(`${what}: reported delivered [${delivered}], server delivered to [${wantDelivered.join(",")}]`);
  for (const [addr, reply] of v.delivered) checkReply(server, reply, { verbs: [".", "BDAT LAST"], call: id, arg: addr }, used, `${what} delivered ${addr}`, problems);
  // The call's reply is one of those (the first refusal, else the last reply).
  if (![...v.delivered.values(), ...refused.values()].includes(v.reply)) problems.push(`${what}: its reply ${v.reply.code} ${v.reply.message} is none of its recipients' replies`);
}
