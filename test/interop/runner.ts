// The interop runner: `node build/test/interop/runner.js SERVERS.json [MATRIX.md]`, started by
// test/interop/run.sh once the servers are up. Runs every scenario against every server,
// prints the matrix, writes MATRIX.md, exits 1 when any scenario failed.
//
// node's test runner (`node --test build/test/`) also loads this file, as it loads every .js
// under a folder named test; without arguments it does nothing and exits 0.
import { readFile, writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadLibrary } from "./api.js";
import { aiosmtpdBox, dovecotBox, eximBox, postfixBox } from "./mailboxes.js";
import { startNodeServers } from "./node-server.js";
import { NEAR_LIMIT, nearLimitReport, runOne, unknownIdsReport, type Cell } from "./harness.js";
import { scenarios as allScenarios, type Offers, type ServerDef } from "./scenarios.js";

interface Config {
  runDir: string;
  /** What run.sh found installed (empty strings where it could not tell). */
  versions?: { postfix?: string; dovecot?: string; exim?: string; aiosmtpd?: string; openssl?: string; commit?: string };
  caFile: string;
  user: string;
  password: string;
  /** The bearer token Dovecot's oauth2 passdb accepts for `user` (through run.sh's introspection endpoint). */
  oauth?: { token: string; user: string; port: number; log: string };
  /** sizePort: an smtpd with message_size_limit sizeLimit (master.cf). */
  postfix: { port: number; tlsPort: number; sizePort?: number; sizeLimit?: number; maildir: string; log: string };
  exim: { port: number; tlsPort: number; ipv6: boolean; maildir: string; log: string };
  aiosmtpd: { port: number; tlsPort: number; dir: string; log: string };
  dovecot: { socket: string; mailRoot: string; log: string };
}

// INTEROP_ONLY=id,id runs only those scenarios (for working on one with INTEROP_KEEP=1). An
// id that names no scenario is an error (a typo must not turn into "0 failed"); a filtered
// run says so in its matrix, and writes it into the run directory, not over MATRIX.md.
const only = process.env["INTEROP_ONLY"]?.split(",").map((id) => id.trim()).filter((id) => id !== "");
const filtered = only !== undefined && only.length > 0;
const scenarios = filtered ? allScenarios.filter((s) => only.includes(s.id)) : allScenarios;
const unknownIds = filtered ? unknownIdsReport(only, allScenarios.map((s) => s.id)) : undefined;

const SMTP_RCPTS: [string, string, string] = ["alice@example.test", "bob@example.test", "carol@example.test"];

function smtpOffers(o: Partial<Offers>): Offers {
  return {
    starttls: true, implicitTls: true, auth: [], smtputf8: true, pipelining: true, chunking: false, dsn: true, ipv6: false,
    refusesSender: true, lmtpQuota: false, enhancedStatus: true, ...o,
  };
}

/** The version of Nodemailer's smtp-server that node-server.ts runs (from its package.json). */
async function smtpServerVersion(): Promise<string> {
  try {
    // Its package.json is not exported: found from the entry point, up to node_modules/smtp-server.
    const entry = fileURLToPath(import.meta.resolve("smtp-server"));
    const at = entry.lastIndexOf("/node_modules/smtp-server/");
    if (at < 0) return "";
    const pkg = join(entry.slice(0, at), "node_modules", "smtp-server", "package.json");
    return (JSON.parse(await readFile(pkg, "utf8")) as { version?: string }).version ?? "";
  } catch {
    return "";
  }
}

function servers(cfg: Config, node: { port: number; tlsPort: number; box: ServerDef["box"] }): ServerDef[] {
  return [
    {
      name: "postfix", lmtp: false, host: "127.0.0.1", port: cfg.postfix.port, tlsPort: cfg.postfix.tlsPort,
      box: postfixBox(cfg.postfix.maildir),
      offers: smtpOffers({ auth: ["PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256", "XOAUTH2", "OAUTHBEARER"], chunking: true }),
      rcpts: SMTP_RCPTS, refusedRcpt: "refused@example.test", target: { port: cfg.postfix.port },
      ...(cfg.oauth !== undefined ? { oauthToken: cfg.oauth.token } : {}),
      ...(cfg.postfix.sizePort !== undefined && cfg.postfix.sizeLimit !== undefined
        ? { sizeLimit: { port: cfg.postfix.sizePort, bytes: cfg.postfix.sizeLimit } }
        : {}),
    },
    {
      name: "exim", lmtp: false, host: "127.0.0.1", port: cfg.exim.port, tlsPort: cfg.exim.tlsPort,
      box: eximBox(cfg.exim.maildir),
      offers: smtpOffers({ auth: ["PLAIN", "LOGIN", "CRAM-MD5"], chunking: true, ipv6: cfg.exim.ipv6, enhancedStatus: false }),
      rcpts: SMTP_RCPTS, refusedRcpt: "refused@example.test", target: { port: cfg.exim.port },
    },
    {
      name: "aiosmtpd", lmtp: false, host: "127.0.0.1", port: cfg.aiosmtpd.port, tlsPort: cfg.aiosmtpd.tlsPort,
      box: aiosmtpdBox(cfg.aiosmtpd.dir),
      offers: smtpOffers({ auth: ["PLAIN", "LOGIN"], pipelining: false, dsn: false }),
      rcpts: SMTP_RCPTS, refusedRcpt: "refused@example.test", target: { port: cfg.aiosmtpd.port },
    },
    {
      name: "smtp-server", lmtp: false, host: "127.0.0.1", port: node.port, tlsPort: node.tlsPort, box: node.box,
      offers: smtpOffers({ auth: ["PLAIN", "LOGIN", "CRAM-MD5"] }),
      rcpts: SMTP_RCPTS, refusedRcpt: "refused@example.test", target: { port: node.port },
    },
    {
      name: "dovecot-lmtp", lmtp: true, host: cfg.dovecot.socket, port: 0, tlsPort: 0,
      box: dovecotBox(cfg.dovecot.mailRoot),
      offers: {
        starttls: false, implicitTls: false, auth: [], smtputf8: false, pipelining: true, chunking: true, dsn: false, ipv6: false,
        refusesSender: false, lmtpQuota: true, enhancedStatus: true,
      },
      rcpts: SMTP_RCPTS, refusedRcpt: "nobody@example.test", target: { path: cfg.dovecot.socket },
      proxyListenPath: join(cfg.runDir, "dovecot", "lmtp-proxy"),
    },
  ];
}

/** One line naming what ran: the commit, each server's version, Node and OpenSSL. */
export function versionLine(v: Config["versions"], smtpServer: string): string {
  const or = (x: string | undefined): string => (x === undefined || x === "" ? "unknown" : x);
  return `Commit ${or(v?.commit)}. Servers: Postfix ${or(v?.postfix)}, Dovecot ${or(v?.dovecot)}, ` +
    `Exim ${or(v?.exim)}, aiosmtpd ${or(v?.aiosmtpd)}, smtp-server ${or(smtpServer)}; ` +
    `Node ${process.version} (OpenSSL ${process.versions.openssl}), openssl(1) ${or(v?.openssl)}.`;
}

function render(names: string[], results: Map<string, Map<string, Cell>>, seconds: number, libNote: string, versions: string): string {
  const mark = (c: Cell): string => (c.status === "pass" ? "pass" : c.status === "fail" ? "**FAIL**" : "n/a");
  const out: string[] = [];
  out.push("# Interop matrix", "");
  out.push("Written by `npm run test:interop` (test/interop/run.sh); see test/interop/README.md.");
  out.push(`Run: ${new Date().toISOString()}, ${seconds.toFixed(0)} s of scenarios. ${libNote}`, "", versions, "");
  if (filtered) out.push(`**Filtered run**: only ${scenarios.map((s) => s.id).join(", ")} (INTEROP_ONLY).`, "");
  out.push("pass: the scenario passed; **FAIL**: it failed (details below); n/a: the server does not offer it.", "");
  out.push(`| scenario | ${names.join(" | ")} |`);
  out.push(`| --- | ${names.map(() => "---").join(" | ")} |`);
  for (const s of scenarios) {
    out.push(`| ${s.id} | ${names.map((n) => mark(results.get(n)?.get(s.id) as Cell)).join(" | ")} |`);
  }
  const counts = { pass: 0, fail: 0, "n/a": 0 };
  for (const row of results.values()) for (const c of row.values()) counts[c.status] += 1;
  out.push("", `${counts.pass} passed, ${counts.fail} failed, ${counts["n/a"]} not offered.`, "");
  out.push("## Scenarios", "");
  for (const s of scenarios) out.push(`- **${s.id}**: ${s.title}`);
  out.push("", "## Details", "");
  for (const n of names) {
    out.push(`### ${n}`, "");
    for (const s of scenarios) {
      const c = results.get(n)?.get(s.id) as Cell;
      out.push(`- ${s.id}: ${c.status}${c.detail ? ` (${c.detail.replace(/\|/g, "\\|")})` : ""}${c.ms ? `, ${(c.ms / 1000).toFixed(1)} s` : ""}`);
    }
    out.push("");
  }
  return out.join("\n");
}

function printMatrix(names: string[], results: Map<string, Map<string, Cell>>): void {
  const w = Math.max(...scenarios.map((s) => s.id.length)) + 2;
  const cw = Math.max(...names.map((n) => n.length)) + 2;
  console.log(`\n${"scenario".padEnd(w)}${names.map((n) => n.padEnd(cw)).join("")}`);
  for (const s of scenarios) {
    const cells = names.map((n) => {
      const c = results.get(n)?.get(s.id) as Cell;
      return (c.status === "fail" ? "FAIL" : c.status).padEnd(cw);
    });
    console.log(`${s.id.padEnd(w)}${cells.join("")}`);
  }
}

async function main(configPath: string, matrixPath: string | undefined): Promise<number> {
  const cfg = JSON.parse(await readFile(configPath, "utf8")) as Config;
  if (unknownIds !== undefined) {
    console.error(unknownIds);
    return 2;
  }
  const versions = versionLine(cfg.versions, await smtpServerVersion());
  console.log(versions);
  const ca = await readFile(cfg.caFile, "utf8");
  const transcriptDir = join(cfg.runDir, "transcripts");
  await mkdir(transcriptDir, { recursive: true });
  const lib = await loadLibrary().catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
  const libNote = lib instanceof Error ? `The library did not load: ${lib.message}.` : "";
  if (lib instanceof Error) console.log(`interop: the library did not load: ${lib.message}`);
  const certs = join(cfg.runDir, "certs");
  const node = await startNodeServers(
    await readFile(join(certs, "server.pem"), "utf8"),
    await readFile(join(certs, "server.key"), "utf8"),
    cfg.user,
    cfg.password,
  );
  const defs = servers(cfg, node);
  const results = new Map<string, Map<string, Cell>>();
  const t0 = Date.now();
  try {
    for (const server of defs) {
      const row = new Map<string, Cell>();
      results.set(server.name, row);
      for (const scenario of scenarios) {
        const cell = await runOne(lib, server, scenario, cfg, ca, transcriptDir);
        row.set(scenario.id, cell);
        const tag = cell.status === "fail" ? "FAIL" : cell.status;
        console.log(`${tag.padEnd(4)} ${server.name} ${scenario.id}${cell.detail ? `: ${cell.detail}` : ""}`);
      }
    }
  } finally {
    await node.close();
  }
  const seconds = (Date.now() - t0) / 1000;
  const names = defs.map((d) => d.name);
  printMatrix(names, results);
  if (matrixPath !== undefined) {
    const path = filtered ? join(cfg.runDir, "MATRIX.md") : matrixPath;
    await writeFile(path, render(names, results, seconds, libNote, versions) + "\n");
    if (filtered) console.log(`\nfiltered run (INTEROP_ONLY): matrix in ${path}, ${matrixPath} left as it was`);
  }
  let pass = 0;
  let fail = 0;
  let na = 0;
  for (const row of results.values()) {
    for (const c of row.values()) {
      if (c.status === "pass") pass += 1;
      if (c.status === "fail") fail += 1;
      if (c.status === "n/a") na += 1;
    }
  }
  const near = nearLimitReport(results, scenarios);
  if (near.length > 0) console.log(`\nnear their time limit (over ${NEAR_LIMIT * 100}% of it):\n  ${near.join("\n  ")}`);
  console.log(`\ntranscripts: ${transcriptDir}`);
  console.log(`interop: ${pass} passed, ${fail} failed, ${na} not offered`);
  return fail === 0 ? 0 : 1;
}

const [configPath, matrixPath] = process.argv.slice(2);
if (configPath === "--check-ids") {
  // run.sh, before it starts any server: INTEROP_ONLY's ids checked (exit 2 naming the
  // unknown ones and the nearest known ones), from this file bundled on its own.
  if (unknownIds !== undefined) console.error(unknownIds);
  process.exit(unknownIds !== undefined ? 2 : 0);
} else if (configPath !== undefined) {
  // run.sh stops the runner with TERM (Ctrl-C, its 20-minute limit): exit through
  // process.exit so that the "exit" handlers kill the scenarios' child processes.
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => process.exit(signal === "SIGINT" ? 130 : 143));
  main(configPath, matrixPath).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error("interop runner crashed:", err);
      process.exit(2);
    },
  );
}
