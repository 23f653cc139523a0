/**
 * What `smtplib send` prints on stdout: each recipient's outcome, in the order given with
 * --to, and the summary line `sent to D of N recipient(s)`.
 * @module
 */
import type { SMTPReply } from "../index.js";
import { pathOf } from "./connect.js";
import { ExitCode, type ExitCodeValue } from "./exit-codes.js";

/**
 * The outcome of an LMTP delivery interrupted (`signal`) while its replies after the data
 * came: the recipients whose replies came got the message (or were refused), the others
 * are not confirmed. Exit 3 (PARTIAL) when some got it, 130 when none did.
 */
export function reportInterrupted(signal: NodeJS.Signals, delivered: ReadonlyMap<string, SMTPReply>, refused: ReadonlyMap<string, SMTPReply>, to: readonly string[],
  out: (text: string) => void, err: (text: string) => void): ExitCodeValue {
  let unknown = 0;
  for (const [addr, outcome, reply] of inOrderGiven(to, delivered, refused)) {
    if (outcome === "not confirmed") {
      unknown += 1;
      out(`not confirmed ${pathOf(addr)}: interrupted by ${signal} before its reply (whether it got the message is unknown)`);
    } else {
      out(`${outcome} ${pathOf(addr)}: ${reply.code} ${oneLine(reply.message)}`);
    }
  }
  out(`sent to ${delivered.size} of ${to.length} recipient(s)`);
  err(`smtplib: interrupted by ${signal}: the server did not confirm the message for ${unknown} recipient(s)`);
  return delivered.size > 0 ? ExitCode.PARTIAL : ExitCode.INTERRUPTED;
}

/** What a recipient's line says of it: `not confirmed` when no reply to it came (see {@link unconfirmed}). */
export type Outcome = "delivered" | "refused" | "not confirmed";

/** True for a recipient's "reply" that never came (code -1: LMTP, the connection lost): whether it got the message is unknown. */
export function unconfirmed(reply: SMTPReply): boolean {
  return reply.code === -1;
}

/**
 * Each recipient's outcome in the order given with --to (the order of the RCPTs, and of every
 * peer's per-recipient output), not the delivered ones first: a refusal is read against the
 * list as written. An address the maps hold but --to does not (none expected) comes last.
 */
export function inOrderGiven(to: readonly string[], delivered: ReadonlyMap<string, SMTPReply>, refused: ReadonlyMap<string, SMTPReply>): [string, Outcome, SMTPReply][] {
  const all: [string, Outcome, SMTPReply][] = [
    ...[...delivered].map(([addr, reply]): [string, Outcome, SMTPReply] => [addr, "delivered", reply]),
    ...[...refused].map(([addr, reply]): [string, Outcome, SMTPReply] => [addr, unconfirmed(reply) ? "not confirmed" : "refused", reply]),
  ];
  const order = new Map(to.map((addr, i) => [addr, i]));
  const rank = (addr: string): number => order.get(addr) ?? to.length;
  // a stable sort: those not given keep their order, after the others
  return all.sort((a, b) => rank(a[0]) - rank(b[0]));
}

/** A reply's text on one line (multi-line replies joined with " / "). */
export function oneLine(text: string): string {
  return text.split("\n").join(" / ");
}
