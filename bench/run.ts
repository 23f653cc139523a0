/**
 * `npm run bench`: runs the cases of issue 7 against Postfix's smtp-sink (and our CHUNKING
 * sink), interleaved round by round, every client run in its own process, and prints the
 * table; a full run also writes bench/RESULTS.md.
 *
 *   node build/bench/run.js [--case 1kb,10mb] [--rounds 3] [--clients smtplib,python]
 *                           [--out FILE] [--timeout-ms 300000] [--list]
 *
 * Anything narrower than the full run writes bench/.run/RESULTS-partial.md instead,
 * unless --out says otherwise.
 * @module
 */
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CASES, type CaseDef, type ClientDef } from "./cases.js";
import { BENCH_SRC, exec, runNodeJob, runNodeScript, runPythonJob, runSmtpSourceJob } from "./jobs.js";
import { streamHeader, writeMessages, type MessageFiles } from "./messages.js";
import { caseTable, evaluate, targetsTable, type TargetOutcome } from "./report.js";
import { startChunkSink, startSmtpSink, type Server } from "./servers.js";
import type { JobResult, JobSpec } from "./spec.js";
import { rateOf, type CaseResult, type Sample } from "./stats.js";
import { machineInfo, reproduceSection } from "./machine.js";

interface Options {
  cases: CaseDef[];
  rounds?: number;
  clients?: Set<string>;
  out?: string;
  timeoutMs: number;
  full: boolean;
}

const RUN_DIR = join(BENCH_SRC, ".run");
/** Timed passes per implementation in each round of the dot-stuffer micro-benchmark. */
const DOTSTUFF_REPS = 3;

function usage(): string {
  return [
    "usage: node build/bench/run.js [--case ID[,ID...]] [--rounds N] [--clients ID[,ID...]] [--out FILE] [--timeout-ms MS] [--list]",
    "cases: " + CASES.map((c) => c.id).join(", "),
  ].join("\n");
}

function parseArgs(argv: string[]): Options | "list" {
  const opts: Options = { cases: [...CASES], timeoutMs: 300_000, full: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value\n${usage()}`);
      return v;
    };
    switch (flag) {
      case "--case":
      case "--cases": {
        const ids = value().split(",");
        const unknown = ids.filter((id) => !CASES.some((c) => c.id === id));
        if (unknown.length) throw new Error(`unknown case ${unknown.join(", ")}\n${usage()}`);
        opts.cases = CASES.filter((c) => ids.includes(c.id));
        opts.full = false;
        break;
      }
      case "--rounds":
        opts.rounds = Number(value());
        if (!Number.isInteger(opts.rounds) || opts.rounds < 1) throw new Error("--rounds must be a positive integer");
        opts.full = false;
        break;
      case "--clients":
        opts.clients = new Set(value().split(","));
        opts.full = false;
        break;
      case "--out":
        opts.out = value();
        break;
      case "--timeout-ms":
        opts.timeoutMs = Number(value());
        break;
      case "--list":
        return "list";
      case "--help":
      case "-h":
        console.log(usage());
        process.exit(0);
        break;
      default:
        throw new Error(`unknown argument ${a}\n${usage()}`);
    }
  }
  return opts;
}

async function startServer(kind: CaseDef["server"]): Promise<Server | undefined> {
  if (kind === "sink") return startSmtpSink(true);
  if (kind === "sink-nopipe") return startSmtpSink(false);
  if (kind === "chunk") return startChunkSink();
  return undefined;
}

interface Files {
  m1k: MessageFiles;
  m10m: MessageFiles;
  header: string;
  /** Snapshot of dist/ (the package as users load it; of build/src when dist/ is missing) taken at the start, so that every round runs the same library. */
  libDir: string | undefined;
  /** Snapshot of build/src, for the dot-stuffer's micro-benchmark (an internal module, not in the bundle's files). */
  srcDir: string | undefined;
}

/**
 * Copies `from` (`dist/`: the package as `npm run build` bundles it; `build/src`: the library
 * as `tsc -p tsconfig.json` compiles it, module by module) to bench/.run/lib/`name`: other
 * engineers rebuild the tree while the benchmark runs, and a round must never load a
 * half-written or newer library than the one before it.
 */
function snapshotLibrary(from: URL, name: string): string | undefined {
  const built = fileURLToPath(from);
  if (!existsSync(join(built, "index.js"))) return undefined;
  const dest = join(RUN_DIR, "lib", name);
  rmSync(dest, { recursive: true, force: true });
  cpSync(built, dest, { recursive: true });
  return dest;
}

async function runClient(def: CaseDef, c: ClientDef, port: number, files: Files, timeoutMs: number): Promise<JobResult> {
  const msg = def.msg === "1k" ? files.m1k : def.msg === "10m" ? files.m10m : undefined;
  const spec: JobSpec = { host: "127.0.0.1", port, mode: c.mode, connections: def.connections, count: def.count, rcpts: def.rcpts };
  if (msg) spec.msgFile = msg.crlf;
  if (def.msg === "stream") spec.streamChunks = 13107;
  if (c.window !== undefined) spec.window = c.window;
  if (c.libOptions) spec.libOptions = c.libOptions;
  if (files.libDir) spec.libDir = files.libDir;
  switch (c.runner) {
    case "smtplib":
      return runNodeJob("client-smtplib.js", spec, timeoutMs);
    case "nodemailer":
      return runNodeJob("client-nodemailer.js", spec, timeoutMs);
    case "python":
      return runPythonJob({ ...spec, headerFile: files.header }, timeoutMs);
    case "raw":
      if (!msg) return { ok: false, skipped: "the reference client only sends message files" };
      return runNodeJob("client-raw.js", spec, timeoutMs);
    case "smtp-source":
      if (!msg) return { ok: false, skipped: "smtp-source only sends message files" };
      return runSmtpSourceJob(spec, msg.lf, msg.size, RUN_DIR, timeoutMs);
  }
}

function rotate<T>(xs: readonly T[], k: number): T[] {
  if (xs.length === 0) return [];
  const s = k % xs.length;
  return [...xs.slice(s), ...xs.slice(0, s)];
}

function progress(line: string): void {
  process.stderr.write(line + "\n");
}

async function runDotStuff(def: CaseDef, rounds: number, timeoutMs: number, libDir: string | undefined): Promise<CaseResult> {
  const t0 = performance.now();
  const cr: CaseResult = { def, rounds, samples: new Map(), skipped: new Map(), errors: new Map(), notes: new Map(), metrics: new Map(), seconds: 0 };
  for (let r = 0; r < rounds; r++) {
    const res = (await runNodeScript("dot-stuff-bench.js", [String(DOTSTUFF_REPS), ...(libDir ? [libDir] : [])], timeoutMs).catch(
      (e: Error): JobResult => ({ ok: false, error: e.message }),
    )) as JobResult & { results?: Record<string, number> };
    if (!res.ok || !res.results) {
      cr.errors.set("dotstuff", [...(cr.errors.get("dotstuff") ?? []), res.error ?? "no result"]);
      continue;
    }
    if (res.note) cr.notes.set("dotstuff", res.note);
    for (const [name, v] of Object.entries(res.results)) {
      const arr = cr.metrics.get(name) ?? Array<number | undefined>(rounds).fill(undefined);
      arr[r] = v;
      cr.metrics.set(name, arr);
    }
    progress(`  dotstuff round ${r + 1}/${rounds}: ${Object.entries(res.results).map(([k, v]) => `${k} ${v.toFixed(2)} GB/s`).join("; ")}`);
  }
  return { ...cr, seconds: (performance.now() - t0) / 1000 };
}

async function runCase(def: CaseDef, opts: Options, files: Files): Promise<CaseResult> {
  if (def.id === "dotstuff") return runDotStuff(def, opts.rounds ?? def.defaultRounds ?? 7, opts.timeoutMs, files.srcDir);
  const rounds = opts.rounds ?? def.defaultRounds ?? 7;
  const clients = def.clients.filter((c) => !opts.clients || opts.clients.has(c.id));
  const t0 = performance.now();
  const cr: CaseResult = { def: { ...def, clients }, rounds, samples: new Map(), skipped: new Map(), errors: new Map(), notes: new Map(), metrics: new Map(), seconds: 0 };
  for (const c of clients) cr.samples.set(c.id, Array<Sample | undefined>(rounds).fill(undefined));
  const server = await startServer(def.server);
  if (!server) throw new Error(`case ${def.id} needs a server`);
  progress(`case ${def.id}: ${def.title}; ${server.name} pid ${server.pid} on 127.0.0.1:${server.port}`);
  try {
    for (let r = 0; r < rounds; r++) {
      for (const c of rotate(clients, r)) {
        if (cr.skipped.has(c.id) || (c.maxRounds !== undefined && r >= c.maxRounds)) continue;
        let res: JobResult;
        try {
          res = await runClient(def, c, server.port, files, opts.timeoutMs);
        } catch (err) {
          res = { ok: false, error: (err as Error).message };
        }
        if (res.skipped) {
          cr.skipped.set(c.id, res.skipped);
          progress(`  ${def.id} ${c.id}: skipped: ${res.skipped}`);
          continue;
        }
        const rate = rateOf(def, res);
        cr.samples.get(c.id)![r] = rate === undefined ? { round: r, result: res } : { round: r, result: res, rate };
        if (res.note) cr.notes.set(c.id, res.note);
        if (!res.ok) cr.errors.set(c.id, [...(cr.errors.get(c.id) ?? []), res.error ?? "failed"]);
        const rss = res.maxRssKiB !== undefined ? `, peak RSS ${((res.maxRssKiB * 1024) / 1e6).toFixed(0)} MB` : "";
        progress(`  ${def.id} round ${r + 1}/${rounds} ${c.id}: ${rate === undefined ? `FAILED ${res.error ?? ""}` : `${rate.toFixed(def.unit === "msg/s" ? 0 : 1)} ${def.unit}${rss}`}`);
      }
    }
  } finally {
    const said = (await server.stop()).trim();
    const stats = said.split("\n").find((l) => l.startsWith("stats "));
    if (stats) cr.notes.set("server", `${server.name} received ${stats.slice(6)}`);
  }
  return { ...cr, seconds: (performance.now() - t0) / 1000 };
}

async function main(): Promise<void> {
  const parsed = parseArgs(process.argv.slice(2));
  if (parsed === "list") {
    for (const c of CASES) console.log(`${c.id.padEnd(9)} ${c.title}\n${c.clients.map((x) => `          - ${x.id}: ${x.how}`).join("\n")}`);
    return;
  }
  const opts = parsed;
  mkdirSync(RUN_DIR, { recursive: true });
  const msgs = writeMessages(RUN_DIR);
  const header = join(RUN_DIR, "stream-header.eml");
  writeFileSync(header, streamHeader());
  const before = await machineInfo(); // before the snapshot: the commit it names is what gets copied
  // bench/ compiles to build/bench: the package is at ../../dist, tsc's modules at ../src
  const libDir = snapshotLibrary(new URL("../../dist/", import.meta.url), "dist");
  const srcDir = snapshotLibrary(new URL("../src/", import.meta.url), "src");
  // Without dist/ the clients would load the live build/src, which a rebuild can change mid-run: they get its snapshot.
  progress(libDir ? `library: snapshot of dist/ in ${libDir}` : `library: dist/index.js missing (npm run build); the clients load the snapshot of build/src${srcDir ? ` in ${srcDir}` : " (missing too: they will be skipped)"}`);
  const files: Files = { ...msgs, header, libDir: libDir ?? srcDir, srcDir };
  const started = new Date();
  const results: CaseResult[] = [];
  for (const def of opts.cases) results.push(await runCase(def, opts, files));
  const loadAfter = (await exec("cat", ["/proc/loadavg"], 5000)).stdout.trim();

  const tables = results.map(caseTable).join("\n");
  const outcomes: TargetOutcome[] = results.flatMap((cr) => cr.def.targets.map((t) => evaluate(cr, t)));
  const targets = targetsTable(outcomes);
  const totalS = results.reduce((s, r) => s + r.seconds, 0);
  console.log("\n" + tables + "\n## Targets (issue 7)\n\n" + targets + "\n");

  const md = [
    "# Benchmark results",
    "",
    opts.full ? "The last full run of `npm run bench` (issue 7 part 5). Every figure below comes from that run." : `A partial run (${process.argv.slice(2).join(" ")}).`,
    "",
    `- Date: ${started.toISOString()} (took ${(totalS / 60).toFixed(1)} min)`,
    ...before.map((l) => `- ${l}`),
    `- Load average at the end: ${loadAfter}`,
    "",
    "Rates are medians over the rounds; a client's rate is measured inside its own process, from",
    "just before connecting to just after QUIT is answered (smtp-source: from spawn to exit).",
    "MB = 10^6 bytes of message (before dot-stuffing); peak RSS is the client process's maxRSS.",
    "Client CPU is the user + system time the client process spent in the timed part (smtp-source:",
    "the whole process, at /usr/bin/time's 10 ms resolution); it depends far less on the machine's",
    "load than the rates do, so it is the steadier figure when the two cores are shared.",
    "Ratios are taken within each round, then the median of the rounds' ratios is reported.",
    "",
    "## Targets (issue 7)",
    "",
    targets,
    "",
    "## Cases",
    "",
    tables,
    reproduceSection(files.m1k.lf, files.m10m.lf),
  ].join("\n");
  const outFile = opts.out ?? (opts.full ? join(BENCH_SRC, "RESULTS.md") : join(RUN_DIR, "RESULTS-partial.md"));
  writeFileSync(outFile, md);
  progress(`wrote ${outFile}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
