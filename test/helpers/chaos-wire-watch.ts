/**
 * Watches what a chaos test's client writes (the `smtplib.send` and `smtplib.connect`
 * audit events) against the replies it has read (its debug output): once a 421 has been
 * read, nothing more may be written on that connection (RFC 5321 §3.8: the server is
 * closing; what the client writes then is lost, and a call that starts then is reported as
 * started, so a pool cannot run it elsewhere).
 */

import diagnostics from "node:diagnostics_channel";
import type { SMTPOptions } from "../../src/index.js";

/** A watch on one client: its debug options, and `stop()` that unsubscribes. */
export interface WireWatch {
  /** The options to give the client: debug level 1 into the watch. */
  options: Pick<SMTPOptions, "debugLevel" | "debugOutput">;
  /** Set the client once made (events of other clients are ignored). */
  client: unknown;
  stop(): void;
}

/** Starts watching; each violation goes to `problems`. */
export function watchWire(problems: string[], log: string[]): WireWatch {
  let closing: string | undefined;
  const watch: WireWatch = {
    client: undefined,
    options: {
      debugLevel: 1,
      debugOutput: (line) => {
        if (/^S: 421 /.test(line)) closing = line;
      },
    },
    stop: () => {
      diagnostics.unsubscribe("smtplib.send", onSend);
      diagnostics.unsubscribe("smtplib.connect", onConnect);
    },
  };
  const onSend = (message: unknown): void => {
    const { client, data } = message as { client: unknown; data: Uint8Array };
    if (client !== watch.client || closing === undefined) return;
    const text = Buffer.from(data).toString("latin1");
    const shown = text.length > 60 ? `${text.slice(0, 60)}...` : text;
    problems.push(`wrote ${JSON.stringify(shown)} (${data.length} bytes) after reading "${closing}"`);
    log.push(`!! written after a 421: ${JSON.stringify(shown)}`);
  };
  const onConnect = (message: unknown): void => {
    if ((message as { client: unknown }).client === watch.client) closing = undefined;
  };
  diagnostics.subscribe("smtplib.send", onSend);
  diagnostics.subscribe("smtplib.connect", onConnect);
  return watch;
}
