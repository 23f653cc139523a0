/**
 * By hand, not in `npm run bench` (issue #7): the floor of a "fast path" on this library's
 * own transport. It connects with `SMTP.connect`, then drives the connection's internals
 * directly for each message: MAIL, RCPT and DATA as one pipelined group, one wait for the
 * 354, the message written at once with the next message's commands behind it, each reply
 * code compared. None of `sendmail`'s work runs: no call queue, no address or option checks,
 * no request or envelope built per message, no result map, no timeouts per call, no abort.
 *
 * What it shows: how fast a specialised path could at most be while it keeps the library's
 * connection, command queue and reply parser, so whether writing one could meet the 1 KiB
 * target (2.5x Nodemailer). Run it as a client job, as `client-smtplib.js` is run (see
 * README "Looking for where a client loses time"), interleaved with the others:
 *
 * ```sh
 * node build/bench/fast-path-floor.js "$SPEC"   # prints the job result as the clients do
 * ```
 *
 * It reaches into a protected field (`conversation`), so it may break whenever the
 * internals change; it is a measurement, not an example.
 * @module
 */
import { readFileSync } from "node:fs";
import { runJob, startClock } from "./spec.js";
import { FROM, recipients } from "./messages.js";
import { SMTP } from "../src/index.js";
import { DATA } from "../src/client/envelope-commands.js";
import { writeAtOnce } from "../src/client/data-writer.js";
import type { Command, Conversation } from "../src/client/conversation.js";

/** Throws unless `code` is what the floor expects (it has no error handling beyond this). */
function expectCode(code: number, want: number, what: string): void {
  if (code !== want) throw new Error(`${what}: expected ${want}, got ${code}`);
}

await runJob(async (spec) => {
  if (!spec.msgFile) throw new Error("msgFile is required");
  const msg = readFileSync(spec.msgFile);
  const to = recipients(spec.rcpts);
  const clock = startClock();
  const smtp = await SMTP.connect(spec.host, spec.port, { localHostname: "bench.client" });
  // EHLO, so that the connection knows of PIPELINING and coalesces the groups.
  await smtp.ehloOrHeloIfNeeded();
  const conv = (smtp as unknown as { conversation: Conversation }).conversation;
  const group: (Command | string)[] = [{ bytes: `MAIL FROM:<${FROM}>\r\n`, log: `MAIL FROM:<${FROM}>` }];
  for (const rcpt of to) group.push(`RCPT TO:<${rcpt}>`);
  group.push(DATA);
  let slots = conv.pipeline(group, true, true);
  conv.channel.flush();
  let lastEnd;
  for (let i = 0; i < spec.count; i++) {
    await conv.settled(slots[slots.length - 1]!);
    // The previous message's final reply came before this group's replies.
    if (lastEnd) expectCode(conv.take(lastEnd).code, 250, "end of data");
    for (let j = 0; j < slots.length; j++) expectCode(conv.take(slots[j]!).code, j === slots.length - 1 ? 354 : 250, group[j] === DATA ? "DATA" : "envelope");
    lastEnd = writeAtOnce(conv, { kind: "bytes", bytes: msg }, 1, true)![0]!;
    conv.endTransaction();
    // Held with the message: one write for its end and the next group.
    if (i + 1 < spec.count) {
      slots = conv.pipeline(group, true, true);
      conv.channel.flush();
    }
  }
  if (lastEnd) {
    await conv.settled(lastEnd);
    expectCode(conv.take(lastEnd).code, 250, "end of data");
  }
  await smtp.quit();
  smtp.close();
  const { elapsedMs, cpuMs } = clock();
  return { ok: true, elapsedMs, cpuMs, messages: spec.count, bytes: spec.count * msg.length };
});
