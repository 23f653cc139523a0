/**
 * Runs one client job in its own process and collects its `JobResult`: the Node.js
 * clients (build/bench/client-*.js), the Python client (bench/client_python.py) and
 * Postfix's `smtp-source`, which is timed from outside (spawn to exit, under
 * `/usr/bin/time` for its peak RSS when that exists; the few milliseconds of process start
 * count against it).
 * @module
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { JobResult, JobSpec } from "./spec.js";
import { FROM, RCPT_DOMAIN } from "./messages.js";
import { SMTP_SOURCE } from "./servers.js";

const HERE = fileURLToPath(new URL(".", import.meta.url));
/** bench/ in the source tree (build/bench/ -> ../../bench). */
export const BENCH_SRC = fileURLToPath(new URL("../../bench/", import.meta.url));
const TIME = "/usr/bin/time";

interface Exec {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  wallMs: number;
}

/**
 * The PIDs of `pid`'s descendants (Linux /proc), deepest first; empty where /proc is missing.
 * A timed-out job run under /usr/bin/time has its real client as time's child, which
 * killing time alone would leave running (and sending to the sink) during the next jobs.
 */
function descendants(pid: number): number[] {
  let kids: number[];
  try {
    kids = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
  return kids.flatMap((k) => [...descendants(k), k]);
}

/** Spawns `cmd args` and waits for it, killing it and its descendants (by PID) after `timeoutMs`. */
export function exec(cmd: string, args: string[], timeoutMs: number): Promise<Exec> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      stderr += `\n[bench] killed after ${timeoutMs} ms`;
      if (!child.pid) return;
      for (const pid of [...descendants(child.pid), child.pid]) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }, timeoutMs);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("exit", (code, signal) => {
      const wallMs = performance.now() - t0;
      clearTimeout(timer);
      // let the pipes drain
      setImmediate(() => resolve({ code, signal, stdout, stderr, wallMs }));
    });
  });
}

function lastJson(e: Exec): JobResult {
  const line = e.stdout.trim().split("\n").filter((l) => l.startsWith("{")).pop();
  if (!line) {
    const why = e.stderr.trim().split("\n").slice(-3).join(" | ") || `exit ${e.code ?? e.signal}`;
    return { ok: false, error: why };
  }
  return JSON.parse(line) as JobResult;
}

/** Runs build/bench/<script> with the given arguments; returns the last JSON line it printed. */
export async function runNodeScript(script: string, args: string[], timeoutMs: number): Promise<JobResult> {
  return lastJson(await exec(process.execPath, [join(HERE, script), ...args], timeoutMs));
}

/** Runs build/bench/<script> with the spec. */
export function runNodeJob(script: string, spec: JobSpec, timeoutMs: number): Promise<JobResult> {
  return runNodeScript(script, [JSON.stringify(spec)], timeoutMs);
}

/** The Python interpreter: Debian's /usr/bin/python3 when present (what apt gives everyone). */
export function pythonPath(): string {
  return process.env["BENCH_PYTHON"] ?? (existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3");
}

export async function runPythonJob(spec: JobSpec & { headerFile?: string }, timeoutMs: number): Promise<JobResult> {
  return lastJson(await exec(pythonPath(), [join(BENCH_SRC, "client_python.py"), JSON.stringify(spec)], timeoutMs));
}

/** The smtp-source command line for a job (also printed in RESULTS.md). */
export function smtpSourceArgs(spec: JobSpec, lfFile: string): string[] {
  const total = spec.count * spec.connections;
  return [
    "-d", // keep the connection for the next message
    "-s", String(spec.connections),
    "-m", String(total),
    "-r", String(spec.rcpts),
    "-f", FROM,
    "-t", `rcpt@${RCPT_DOMAIN}`,
    "-M", "bench.client",
    "-F", lfFile,
    `127.0.0.1:${spec.port}`,
  ];
}

export async function runSmtpSourceJob(spec: JobSpec, lfFile: string, msgBytes: number, tmpDir: string, timeoutMs: number): Promise<JobResult> {
  const args = smtpSourceArgs(spec, lfFile);
  const rssFile = join(tmpDir, "smtp-source.rss");
  const useTime = existsSync(TIME);
  if (useTime) rmSync(rssFile, { force: true });
  const e = useTime
    ? await exec(TIME, ["-f", "%M %U %S", "-o", rssFile, SMTP_SOURCE, ...args], timeoutMs)
    : await exec(SMTP_SOURCE, args, timeoutMs);
  if (e.code !== 0) return { ok: false, error: (e.stderr.trim().split("\n").slice(-2).join(" | ") || `exit ${e.code ?? e.signal}`) };
  const total = spec.count * spec.connections;
  const res: JobResult = { ok: true, elapsedMs: e.wallMs, messages: total, bytes: total * msgBytes };
  if (useTime && existsSync(rssFile)) {
    const [kib, user, sys] = (readFileSync(rssFile, "utf8").trim().split("\n").pop() ?? "").split(" ").map(Number);
    if (kib !== undefined && Number.isFinite(kib)) res.maxRssKiB = kib;
    if (user !== undefined && sys !== undefined && Number.isFinite(user + sys)) res.cpuMs = (user + sys) * 1000; // whole process, 10 ms resolution
  }
  return res;
}
