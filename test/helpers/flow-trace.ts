/**
 * The order in which a client wrote commands and read replies, from its own debug trace.
 *
 * The script server answers a group of C: lines only once all of it has arrived, so a
 * condensed flow such as "C MAIL RCPT DATA | S 250 250 354" proves that the group was
 * written without waiting for a reply, and "C MAIL | S 250 | C RCPT" proves lock-step
 * (the byte comparison alone cannot tell the two apart).
 */

import type { SMTPOptions } from "../../src/index.js";

/** Client options that record the debug trace, and the trace condensed (see {@link condense}). */
export function traced(extra: SMTPOptions = {}): { options: SMTPOptions; flow: () => string } {
  const lines: string[] = [];
  return {
    options: { debugLevel: 1, debugOutput: (line) => lines.push(line), ...extra },
    flow: () => condense(lines),
  };
}

/**
 * "C MAIL RCPT DATA | S 250 250 354 | C . | S 250": commands by verb (message data as
 * ".", BDAT as "BDAT" or "BDAT LAST"), replies by code (a multi-line reply once).
 */
export function condense(lines: readonly string[]): string {
  const groups: string[] = [];
  let side = "";
  for (const line of lines) {
    // a pool numbers its connections' lines ("[1] C: MAIL ...")
    const m = /^(?:\[\d+\] )?([CS]): (.*)$/s.exec(line);
    if (!m) continue;
    const [, who, text] = m as unknown as [string, "C" | "S", string];
    let word: string;
    if (who === "S") {
      if (text[3] === "-") continue;
      word = text.slice(0, 3);
    } else if (text.startsWith("<message data")) word = ".";
    else if (text.startsWith("BDAT")) word = text.replace(/^BDAT \d+/, "BDAT");
    else word = text.split(" ")[0]!;
    if (who === side) groups[groups.length - 1] += ` ${word}`;
    else groups.push(`${who} ${word}`);
    side = who;
  }
  return groups.join(" | ");
}

/** Escapes bytes for a `C!` script line (CR, LF and backslash). */
export function scriptEscape(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\r/g, "\\r").replace(/\n/g, "\\n");
}

/**
 * The round trips in a condensed flow ({@link condense}): each group of commands the client
 * wrote before it read another reply, after which it waited for one. Against the script
 * server, which answers a group only once all of it has arrived, this is the count of the
 * times the server had to answer before the client would go on (a client that waits where
 * the script has it go on never gets its reply, and times out). The TCP connection and the
 * greeting (before the first group) are not counted.
 */
export function roundTrips(flow: string): number {
  let trips = 0;
  for (const group of flow.split(" | ")) if (group.startsWith("C ")) trips++;
  return trips;
}
