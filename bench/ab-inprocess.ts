/**
 * Two builds of the library compared in one process, at steady state (by hand, not in
 * `npm run bench`): each round sends `count` 1 KiB messages with up to 64 `sendmail` calls in
 * flight, on one connection to a sink, alternating the builds, and the medians of the rounds
 * after the first two (warm-up) are printed with the median of the per-round ratios.
 *
 * Paired process runs (a fresh process per job) carry the machine's process-to-process noise:
 * an A/A run of one build measured 1.22x here. Alternating in one process takes that out, so
 * differences of a few percent in the send path show. Give two copies of `dist/` (or of
 * `build/src`), not the same directory twice: the module cache would load it once.
 *
 * Usage: `node build/bench/ab-inprocess.js PORT DIR_A DIR_B [ROUNDS=12] [COUNT=3000] [RCPTS=1]`
 * with a sink on 127.0.0.1:PORT (`/usr/sbin/smtp-sink -u nobody 127.0.0.1:PORT 256`).
 * @module
 */
import { pathToFileURL } from "node:url";
import { join } from "node:path";
import { FROM, message1k, recipients } from "./messages.js";

/** The part of the library used here. */
interface Client {
  sendmail(from: string, to: string[], msg: Uint8Array): Promise<unknown>;
  quit(): Promise<unknown>;
}
interface Library {
  SMTP: { connect(host: string, port: number): Promise<Client> };
}

/** One round's figures, in milliseconds. */
interface Round {
  elapsed: number;
  cpu: number;
}

const WINDOW = 64;
const WARM_UP = 2;

async function round(lib: Library, port: number, count: number, to: string[], msg: Buffer): Promise<Round> {
  const smtp = await lib.SMTP.connect("127.0.0.1", port);
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  let started = 0;
  let inFlight = 0;
  await new Promise<void>((resolve, reject) => {
    const pump = (): void => {
      while (inFlight < WINDOW && started < count) {
        started++;
        inFlight++;
        smtp.sendmail(FROM, to, msg).then(() => {
          inFlight--;
          if (started === count && inFlight === 0) resolve();
          else pump();
        }, reject);
      }
    };
    pump();
  });
  const cpu = process.cpuUsage(cpuStart);
  const elapsed = performance.now() - start;
  await smtp.quit();
  return { elapsed, cpu: (cpu.user + cpu.system) / 1000 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const [port, dirA, dirB, rounds = "12", count = "3000", rcpts = "1"] = process.argv.slice(2);
if (port === undefined || dirA === undefined || dirB === undefined) {
  console.error("usage: node build/bench/ab-inprocess.js PORT DIR_A DIR_B [ROUNDS] [COUNT] [RCPTS]");
  process.exit(2);
}
const libs = {
  A: (await import(pathToFileURL(join(dirA, "index.js")).href)) as Library,
  B: (await import(pathToFileURL(join(dirB, "index.js")).href)) as Library,
};
const results: Record<"A" | "B", Round[]> = { A: [], B: [] };
const to = recipients(Number(rcpts));
const msg = message1k();
for (let i = 0; i < Number(rounds); i++) {
  for (const side of i % 2 === 0 ? (["B", "A"] as const) : (["A", "B"] as const)) {
    results[side].push(await round(libs[side], Number(port), Number(count), to, msg));
  }
}
const steady = { A: results.A.slice(WARM_UP), B: results.B.slice(WARM_UP) };
for (const side of ["A", "B"] as const) {
  console.log(`${side} ${side === "A" ? dirA : dirB}: elapsed ${median(steady[side].map((r) => r.elapsed)).toFixed(1)} ms, CPU ${median(steady[side].map((r) => r.cpu)).toFixed(1)} ms (medians of ${steady[side].length} rounds)`);
}
const ratio = (pick: (r: Round) => number): string => median(steady.A.map((r, i) => pick(r) / pick(steady.B[i]!))).toFixed(3);
console.log(`A/B: elapsed ${ratio((r) => r.elapsed)}x, CPU ${ratio((r) => r.cpu)}x (median of the per-round ratios)`);
