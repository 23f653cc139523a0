/**
 * The LMTP invariant of the pool chaos test (test/helpers/chaos-pool-scenario.ts): a
 * resolved call reports the outcomes the server gave each recipient.
 */

import type { SMTPReply } from "../../src/index.js";

/**
 * Checks a resolved LMTP call of token `token` to `to` (a `bad…` address is refused at
 * RCPT) against the replies the server wrote after its data (`end`: recipient -> code).
 * Each recipient is delivered (the server accepted it), or refused with the server's refusal,
 * or unknown (code -1): its reply never came, or came after the connection was closed, so
 * any outcome the server gave it may be reported unknown, except a refusal at RCPT, which
 * came before. Someone got the message, or may have. Returns the violations.
 */
export function checkLmtpCall(token: number, to: readonly string[], isDeliver: boolean, value: unknown, end: ReadonlyMap<string, number> | undefined): string[] {
  const out: string[] = [];
  const refused = isDeliver ? (value as { refused: Map<string, SMTPReply> }).refused : (value as Map<string, SMTPReply>);
  const delivered = isDeliver ? (value as { delivered: Map<string, SMTPReply> }).delivered : undefined;
  let someone = false;
  for (const addr of new Set(to)) {
    const code = addr.startsWith("bad") ? 550 : end?.get(addr);
    const r = refused.get(addr);
    const d = delivered?.get(addr);
    const what = `call ${token} (LMTP) ${addr}, server: ${code ?? "no reply"}`;
    if (r !== undefined && d !== undefined) out.push(`${what}: reported both delivered and refused`);
    if (r?.code === -1) {
      someone = true;
      if (addr.startsWith("bad")) out.push(`${what}: reported unknown`);
    } else if (r !== undefined) {
      if (code === undefined || code === 250 || r.code !== code) out.push(`${what}: reported refused ${r.code} ${r.message}`);
    } else {
      if (code !== 250) out.push(`${what}: not reported refused`);
      else someone = true;
      if (delivered && d === undefined) out.push(`${what}: reported neither delivered nor refused`);
    }
  }
  for (const addr of refused.keys()) if (!to.includes(addr)) out.push(`call ${token} (LMTP): reported refused ${addr}, not one of its recipients`);
  if (!someone) out.push(`call ${token} (LMTP) resolved, yet nobody got the message`);
  return out;
}
