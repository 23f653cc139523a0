/**
 * What RESULTS.md says about the machine and the software, and how to reproduce the run.
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { exec, pythonPath, smtpSourceArgs } from "./jobs.js";
import { FROM } from "./messages.js";
import { SMTP_SINK, SMTP_SOURCE } from "./servers.js";

async function out(cmd: string, args: string[]): Promise<string> {
  try {
    const e = await exec(cmd, args, 10_000);
    return (e.stdout + e.stderr).trim();
  } catch {
    return "?";
  }
}

function nodemailerVersion(): string {
  try {
    let dir = dirname(fileURLToPath(import.meta.resolve("nodemailer")));
    for (let i = 0; i < 5; i++) {
      const pkg = join(dir, "package.json");
      if (existsSync(pkg)) {
        const j = JSON.parse(readFileSync(pkg, "utf8")) as { name?: string; version?: string };
        if (j.name === "nodemailer") return j.version ?? "?";
      }
      dir = dirname(dir);
    }
  } catch {
    // fall through
  }
  return "?";
}

/** One line per fact, for a Markdown list. */
export async function machineInfo(): Promise<string[]> {
  const cpus = os.cpus();
  const debian = existsSync("/etc/debian_version") ? readFileSync("/etc/debian_version", "utf8").trim() : "?";
  const commit = await out("git", ["rev-parse", "--short", "HEAD"]);
  const dirty = await out("git", ["status", "--porcelain", "--", "src"]);
  return [
    `Machine: ${cpus.length} x ${cpus[0]?.model ?? "?"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${os.release()}, Debian ${debian}; load average at the start: ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`,
    `Node.js ${process.version}; ${await out(pythonPath(), ["--version"])} (${pythonPath()}); Nodemailer ${nodemailerVersion()}; Postfix ${(await out("/usr/sbin/postconf", ["-d", "-h", "mail_version"])) || "?"} (smtp-sink, smtp-source)`,
    `Library tree: commit ${commit}${dirty && dirty !== "?" ? " plus uncommitted changes in src/ (other engineers' work in progress)" : ""}`,
  ];
}

/** The "how to reproduce" section. */
export function reproduceSection(lf1k: string, lf10m: string): string {
  const rel = (p: string): string => p.slice(p.indexOf("bench/"));
  const spec = { host: "127.0.0.1", port: 2525, mode: "pipelined", connections: 1, count: 2000, rcpts: 1, msgFile: "bench/.run/msg-1k.eml", window: 64 };
  const src1k = smtpSourceArgs({ host: "127.0.0.1", port: 2525, mode: "", connections: 1, count: 2000, rcpts: 1 }, rel(lf1k));
  const src10m = smtpSourceArgs({ host: "127.0.0.1", port: 2525, mode: "", connections: 1, count: 20, rcpts: 1 }, rel(lf10m));
  return [
    "## How to reproduce",
    "",
    "```sh",
    "echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections",
    "DEBIAN_FRONTEND=noninteractive apt-get install -y postfix   # smtp-sink, smtp-source",
    "npm ci",
    "npm run bench                                   # everything, ~15 min; writes bench/RESULTS.md",
    "npm run build && npx tsc -p tsconfig.json && node build/bench/run.js --case 1kb --rounds 3   # one case, quick",
    "node build/bench/run.js --list                  # cases and clients",
    "```",
    "",
    "What the harness starts (ports are picked free on 127.0.0.1; 2525 stands for one):",
    "",
    "```sh",
    `${SMTP_SINK} -u nobody 127.0.0.1:2525 256        # -u only when run as root`,
    `${SMTP_SINK} -u nobody -p 127.0.0.1:2525 256     # the nopipe case: PIPELINING not announced`,
    "node build/bench/chunk-sink.js 2525              # the bdat cases: PIPELINING + CHUNKING sink",
    `node build/bench/client-smtplib.js '${JSON.stringify(spec)}'`,
    `node build/bench/client-nodemailer.js '${JSON.stringify({ ...spec, mode: "conn", window: undefined })}'`,
    `${pythonPath()} bench/client_python.py '${JSON.stringify({ ...spec, mode: "sequential", window: undefined })}'`,
    `${SMTP_SOURCE} ${src1k.join(" ")}`,
    `${SMTP_SOURCE} ${src10m.join(" ")}`,
    "node build/bench/dot-stuff-bench.js 3",
    "```",
    "",
    `Messages: bench/.run/msg-1k.eml (1,024 bytes), bench/.run/msg-10m-dots.eml (10,485,760 bytes, every second`,
    `line starts with "."), written by the harness with CRLF endings (the .lf.eml twins, for smtp-source -F, have LF).`,
    `Envelope: MAIL FROM:<${FROM}>, RCPT TO:<rcptN@bench.example> (smtp-source: <Nrcpt@bench.example>).`,
    "",
  ].join("\n");
}
