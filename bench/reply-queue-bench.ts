/**
 * Micro-benchmark of the reply queue (`CommandQueue`) under one long pipelined group: n
 * RCPT slots opened, then n "250" replies fed at once, as for one `sendmail` to n
 * recipients. The time per reply should not grow with n (an array `shift()` per reply made
 * it quadratic: 60,000 recipients spent 2.3 s there). Not part of `npm run bench`; run it by
 * hand after `npx tsc -p tsconfig.json`:
 *
 *     node build/bench/reply-queue-bench.js [runs]
 *
 * Prints a Markdown table: n, the median time of `runs` (default 7) and µs per reply.
 * @module
 */
import { CommandQueue, type SlotKind } from "../src/transport/command-queue.js";

const KIND: SlotKind = { timeout: 60_000, phase: "command" };

/** Opens `n` slots, feeds `n` replies, returns the milliseconds the feed took. */
function run(n: number): number {
  let matched = 0;
  const queue = new CommandQueue({ reply: (_r, m) => void (m && matched++), fatal: (e) => { throw e; } });
  for (let i = 0; i < n; i++) queue.expect(KIND, "RCPT");
  const bytes = Buffer.from("250 2.1.5 Ok\r\n".repeat(n));
  const t0 = process.hrtime.bigint();
  queue.feed(bytes);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (matched !== n) throw new Error(`${matched} of ${n} replies matched a slot`);
  return ms;
}

const runs = Number(process.argv[2] ?? 7);
run(10_000); // compile the parser and the queue first
console.log("| slots (recipients) | median ms | µs per reply |\n| ---: | ---: | ---: |");
for (const n of [1_000, 10_000, 50_000, 100_000]) {
  const times = Array.from({ length: runs }, () => run(n)).sort((a, b) => a - b);
  const median = times[times.length >> 1]!;
  console.log(`| ${n.toLocaleString("en")} | ${median.toFixed(1)} | ${((median * 1000) / n).toFixed(2)} |`);
}
