// Interop scenarios for the command line: `smtplib send` and `smtplib probe` run as child
// processes (node build/src/cli/main.js: the same compile of this checkout as the library the
// other scenarios load; package.json's bin is its copy in dist/) against each server. What
// arrived is checked in the server's mailbox as the other scenarios do.
//
// `send --subject/--body` makes its own headers (src/cli/test-message.ts), so the
// X-Interop-Token line that finds the stored copies rides in the (ASCII) body: the mailboxes
// look for it anywhere in a message's first 64 KiB.
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { headerSection, type Delivered } from "./mailboxes.js";
import type { RecordingProxy } from "./proxy.js";
import { OVER_QUOTA, SENDER, authCapable, authCommands, bodyOf, check, delivered, type Context, type Scenario, type ServerDef, withProxy } from "./kit.js";

/** The compiled CLI next to the compiled library (this file is build/test/interop/scenarios-cli.js). */
const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
/** How long one `smtplib` child may run before it is killed (SIGKILL). */
const CHILD_LIMIT_MS = 20_000;
/** The CLI's own --timeout per step: it gives up (exit 5) before it would be killed. */
const CLI_TIMEOUT_MS = "15000";
/** How long to wait for a message to be stored. */
const STORE_WAIT_MS = 20_000;
/** The environment variable `--password-env` names. */
const PASSWORD_VAR = "SMTPLIB_INTEROP_PASSWORD";
/** Non-ASCII and longer than one encoded word holds (45 bytes), so it is folded. */
const SUBJECT = "Grüße aus der Kommandozeile — 你好, ✓ ein längerer Betreff";

/** Children still running; killed should the runner exit before their own limit does. */
const running = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `smtplib ...args` to its end, killed after {@link CHILD_LIMIT_MS}; the command line,
 * its stderr (the -v transcript) and stdout go into the scenario's transcript.
 */
async function cli(ctx: Context, args: string[], env: Record<string, string> = {}, main = MAIN): Promise<CliRun> {
  ctx.signal.throwIfAborted(); // out of time: the runner has closed everything already
  const child = spawn(process.execPath, [main, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on("data", (d: Buffer) => { stderr += d.toString(); });
  running.add(child);
  ctx.children.push(child);
  const timer = setTimeout(() => child.kill("SIGKILL"), CHILD_LIMIT_MS);
  try {
    // "close", not "exit": the child's output may still be in the pipes when it exits.
    const [code, signal] = (await once(child, "close")) as [number | null, NodeJS.Signals | null];
    const shown = args.map((a) => (/^[\w@.:=,/-]+$/.test(a) ? a : JSON.stringify(a))).join(" ");
    ctx.transcript.push(`$ smtplib ${shown}`, `exit ${code ?? signal}`, "--- stderr",
      ...stderr.trimEnd().split("\n"), "--- stdout", ...stdout.trimEnd().split("\n"));
    return { code, signal, stdout, stderr };
  } finally {
    clearTimeout(timer);
    running.delete(child);
  }
}

/**
 * The installed command: package.json's `bin` (dist/, built by scripts/build.mjs, which run.sh
 * runs), found from the checkout run.sh runs the runner in.
 */
async function distBin(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(process.cwd(), "package.json"), "utf8")) as { bin?: Record<string, string> };
  const bin = pkg.bin?.["smtplib"];
  check(bin !== undefined, "package.json has no bin smtplib");
  const path = join(process.cwd(), bin);
  check(existsSync(path), `${bin} missing: build dist/ with node scripts/build.mjs`);
  return path;
}

/** A failure message for an unexpected exit: the code and the last thing printed. */
function exited(run: CliRun, want: number): string {
  const said = run.stderr.trim().split("\n").filter((l) => l.startsWith("smtplib:")).pop() ?? run.stdout.trim().split("\n").pop() ?? "";
  return `exit ${run.code ?? `by ${run.signal ?? "?"}`}, expected ${want}${run.code === null ? ` (killed after ${CHILD_LIMIT_MS / 1000} s)` : ""}: ${said.slice(0, 200)}`;
}

/** `--server`/`probe` target: host:port, or the LMTP socket path (with --lmtp). */
function target(s: ServerDef, via?: RecordingProxy): string[] {
  if (s.lmtp) return [via !== undefined ? (s.proxyListenPath as string) : s.host, "--lmtp"];
  return [`127.0.0.1:${via !== undefined ? via.port : s.port}`];
}

/** `send` with a test message to `to`: the token line in the body, which starts with a dot line. */
function sendArgs(s: ServerDef, token: string, to: string[], via?: RecordingProxy): { args: string[]; body: string } {
  const body = `.a line starting with a dot\nSent by smtplib send from the interop suite.\nX-Interop-Token: ${token}`;
  const [where, ...lmtp] = target(s, via);
  const args = ["send", "-v", "--timeout", CLI_TIMEOUT_MS, "--server", where as string, ...lmtp, "--from", SENDER,
    ...to.flatMap((r) => ["--to", r]), "--subject", SUBJECT, "--body", body];
  return { args, body };
}

/** RFC 2047 encoded words (UTF-8, B or Q) decoded; whitespace between two of them dropped (§6.2). */
function decodeWords(value: string): string {
  const word = /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g;
  return value.replace(/(\?=)\s+(?==\?)/g, "$1").replace(word, (_m, charset: string, enc: string, text: string) => {
    check(/^utf-8$/i.test(charset), `encoded word in charset ${charset}`);
    const bytes = enc.toUpperCase() === "B"
      ? Buffer.from(text, "base64")
      : Buffer.from(text.replace(/_/g, " ").replace(/=([0-9A-F]{2})/gi, (_h, hex: string) => String.fromCharCode(parseInt(hex, 16))), "latin1");
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  });
}

/** The unfolded value of the first `name` field of a stored copy. */
function field(copy: Delivered, name: string): string {
  const unfolded = headerSection(copy.raw).replace(/\r?\n[ \t]+/g, " ");
  return new RegExp(`^${name}:[ \\t]*(.*)$`, "im").exec(unfolded)?.[1]?.trim() ?? "";
}

/**
 * Checks a stored copy of the CLI's test message: 7-bit, the Subject as encoded words that
 * decode to {@link SUBJECT}, From and To from the envelope, the body as given (CRLF read as LF).
 */
function checkTestMessage(copy: Delivered, body: string, to: string[]): string {
  // eslint-disable-next-line no-control-regex
  check(/^[\x00-\x7f]*$/.test(headerSection(copy.raw)) && /^[\x00-\x7f]*$/.test(bodyOf(copy.raw)), "the stored message is not 7-bit");
  const subject = field(copy, "Subject");
  check(/^=\?UTF-8\?B\?/i.test(subject), `Subject not RFC 2047 encoded: ${subject.slice(0, 80)}`);
  const decoded = decodeWords(subject);
  check(decoded === SUBJECT, `Subject decodes to ${JSON.stringify(decoded)}`);
  check(field(copy, "From") === SENDER, `From: ${field(copy, "From")}`);
  check(field(copy, "To").split(/,\s*/).join(",") === to.join(","), `To: ${field(copy, "To")}`);
  const got = bodyOf(copy.raw);
  check(got === `${body}\n`, `stored body differs: ${JSON.stringify(got.slice(0, 120))}`);
  check(copy.from === SENDER, `envelope sender stored as ${String(copy.from)}`);
  return `${copy.exact ? "bytes as sent" : "Maildir copy"}: Subject decoded, body identical`;
}

/** Checks a send's exit code and stdout (one `delivered` line per recipient), then the stored copies. */
async function checkSent(ctx: Context, run: CliRun, token: string, to: string[], body: string): Promise<string> {
  check(run.code === 0, exited(run, 0));
  for (const r of to) check(new RegExp(`^delivered <${r}>: 250 `, "m").test(run.stdout), `no "delivered <${r}>: 250" in the output`);
  check(run.stdout.includes(`sent to ${to.length} of ${to.length} recipient(s)`), `output: ${run.stdout.trim().slice(-120)}`);
  const found = await delivered(ctx, token, to, STORE_WAIT_MS);
  const notes = found.map((copy) => checkTestMessage(copy, body, to));
  return `exit 0; ${found.length} cop${found.length === 1 ? "y" : "ies"}; ${[...new Set(notes)].join("; ")}`;
}

/** A send with `--auth-mech mech` and the given password, over STARTTLS (required) verified against the test CA. */
async function sendWithAuth(ctx: Context, mech: string, password: string, token: string): Promise<{ run: CliRun; body: string }> {
  const { args, body } = sendArgs(ctx.server, token, [ctx.server.rcpts[0]]);
  const auth = ["--require-tls", "--ca-file", ctx.caFile, "--user", ctx.user, "--password-env", PASSWORD_VAR, "--auth-mech", mech];
  return { run: await cli(ctx, [...args, ...auth], { [PASSWORD_VAR]: password }), body };
}

/** The capability lines `probe` printed (between "capabilities:" and "TLS"), keywords first. */
function capabilities(stdout: string): string[] {
  const lines = stdout.split("\n");
  const from = lines.findIndex((l) => l.startsWith("capabilities:"));
  const to = lines.findIndex((l, i) => i > from && l.startsWith("TLS"));
  return from < 0 ? [] : lines.slice(from + 1, to < 0 ? undefined : to).map((l) => l.trim());
}

/** The `--header` field past ASCII, and the file `--attach` sends: every byte value, a name past ASCII with a space. */
const NOTE = "Prüfung — ✓";
const ATTACHED = { name: "Bericht über Tests.bin", bytes: Buffer.from(Array.from({ length: 3000 }, (_v, i) => (i * 37 + (i >> 8)) & 0xff)) };

/**
 * Checks a stored copy of the test message with `--header` fields and a file: 7-bit, the
 * X-Interop-Note field decoding to {@link NOTE}, the Reply-To display name decoded, and the
 * file's part (in multipart/mixed) with its RFC 2231 name and its bytes back.
 */
function checkAttached(copy: Delivered, body: string): string {
  // eslint-disable-next-line no-control-regex
  check(/^[\x00-\x7f]*$/.test(copy.raw.toString("latin1")), "the stored message is not 7-bit");
  check(decodeWords(field(copy, "X-Interop-Note")) === NOTE, `X-Interop-Note: ${field(copy, "X-Interop-Note")}`);
  check(decodeWords(field(copy, "Reply-To")) === `Jörg <${SENDER}>`, `Reply-To: ${field(copy, "Reply-To")}`);
  const boundary = /^multipart\/mixed;\s*boundary="([^"]+)"$/i.exec(field(copy, "Content-Type"))?.[1];
  check(boundary !== undefined, `Content-Type: ${field(copy, "Content-Type")}`);
  const parts = `\n${bodyOf(copy.raw)}`.split(`\n--${boundary as string}`);
  check(parts.length === 4 && parts[3]!.startsWith("--"), `${parts.length - 1} delimiters`);
  check(parts[1]!.endsWith(`\n\n${body}\n`), "the text part differs");
  const [head, data] = parts[2]!.split("\n\n") as [string, string];
  const name = /filename\*=utf-8''(\S+)/.exec(head)?.[1];
  check(name !== undefined && decodeURIComponent(name) === ATTACHED.name, `the file's part names it ${name ?? "nothing"}`);
  check(Buffer.from(data.replace(/\s+/g, ""), "base64").equals(ATTACHED.bytes), "the file's bytes differ");
  return `${copy.exact ? "bytes as sent" : "Maildir copy"}: fields decoded, file identical`;
}

/** Keywords the server's row in runner.ts says it offers in plain text (STARTTLS) or after TLS (AUTH). */
function expectedCapabilities(s: ServerDef, tls: boolean): string[] {
  const o = s.offers;
  return [
    ...(o.pipelining ? ["PIPELINING"] : []), ...(o.chunking ? ["CHUNKING"] : []), ...(o.smtputf8 ? ["SMTPUTF8"] : []),
    ...(o.dsn ? ["DSN"] : []), ...(!tls && o.starttls ? ["STARTTLS"] : []), ...(tls && o.auth.length > 0 ? ["AUTH"] : []),
  ];
}

/** Runs one probe and checks its exit code, the capabilities it printed and its TLS section. */
async function probe(ctx: Context, args: string[], tls: boolean): Promise<string> {
  const run = await cli(ctx, ["probe", "--timeout", CLI_TIMEOUT_MS, ...args]);
  check(run.code === 0, exited(run, 0));
  const caps = capabilities(run.stdout);
  const keywords = caps.map((l) => l.split(" ")[0]);
  const missing = expectedCapabilities(ctx.server, tls).filter((k) => !keywords.includes(k));
  check(missing.length === 0, `capabilities printed lack ${missing.join(", ")}: ${keywords.join(" ")}`);
  if (tls) {
    check(/^ {2}verified +yes$/m.test(run.stdout), `certificate not shown as verified: ${run.stdout.split("TLS:")[1]?.slice(0, 200) ?? "no TLS section"}`);
    const mechs = (caps.find((l) => /^AUTH /.test(l)) ?? "").split(" ").slice(1);
    const lacking = ctx.server.offers.auth.filter((m) => !mechs.includes(m));
    check(lacking.length === 0, `AUTH line lacks ${lacking.join(", ")}: AUTH ${mechs.join(" ")}`);
  } else {
    check(/^TLS: not in use$/m.test(run.stdout), "a TLS section in a plain-text probe");
  }
  return `${keywords.length} capabilities; ${await probeJson(ctx, args, tls, keywords)}`;
}

/** The same probe with --json: exit 0, the same capability keywords, and the TLS section (verified, days left) where TLS was asked for. */
async function probeJson(ctx: Context, args: string[], tls: boolean, keywords: readonly (string | undefined)[]): Promise<string> {
  const run = await cli(ctx, ["probe", "--timeout", CLI_TIMEOUT_MS, ...args, "--json"]);
  check(run.code === 0, exited(run, 0));
  let report: { ok?: boolean; capabilities?: Record<string, string>; tls?: { verified?: boolean; certificate?: { daysLeft?: number } } | null };
  try {
    report = JSON.parse(run.stdout) as typeof report;
  } catch {
    throw new Error(`--json printed no JSON: ${run.stdout.slice(0, 120)}`);
  }
  check(report.ok === true, "--json: ok is not true");
  const listed = Object.keys(report.capabilities ?? {});
  check(keywords.every((k) => k !== undefined && listed.includes(k)), `--json capabilities ${listed.join(" ")} differ from the lines' ${keywords.join(" ")}`);
  if (!tls) {
    check(report.tls === null, "--json: a TLS section in a plain-text probe");
    return "--json agrees";
  }
  const days = report.tls?.certificate?.daysLeft;
  check(report.tls?.verified === true && typeof days === "number" && days >= 0, `--json tls: ${JSON.stringify(report.tls).slice(0, 160)}`);
  return `--json agrees (certificate: ${days} days left)`;
}

export const cliScenarios: Scenario[] = [
  {
    id: "cli-send",
    title: "CLI: `smtplib send --subject --body` (a non-ASCII subject) to two recipients exits 0; stored 7-bit, Subject RFC 2047, body as given",
    notOffered: () => undefined,
    timeoutMs: 50_000,
    async run(ctx) {
      const token = randomUUID();
      const to = [ctx.server.rcpts[0], ctx.server.rcpts[1]];
      const { args, body } = sendArgs(ctx.server, token, to);
      return checkSent(ctx, await cli(ctx, args), token, to, body);
    },
  },
  {
    id: "cli-send-options",
    title: "CLI: send --mail-option RET=HDRS --mail-option ENVID= --rcpt-option NOTIFY=SUCCESS,FAILURE --no-pipelining (--no-chunking): parameters on the wire, one command at a time, delivered",
    notOffered: (s) => (s.offers.dsn ? undefined : "no DSN"),
    timeoutMs: 50_000,
    async run(ctx) {
      return withProxy(ctx, async (proxy) => {
        const token = randomUUID();
        const to = [ctx.server.rcpts[0]];
        const { args, body } = sendArgs(ctx.server, token, to, proxy);
        // RET=HDRS: a success report (NOTIFY=SUCCESS) carries the headers only, not the
        // body's token line, so it is never taken for a copy of this message.
        const run = await cli(ctx, [...args, "--mail-option", "RET=HDRS", "--mail-option", `ENVID=${token}`,
          "--rcpt-option", "NOTIFY=SUCCESS,FAILURE", "--no-pipelining", ...(ctx.server.offers.chunking ? ["--no-chunking"] : [])]);
        const note = await checkSent(ctx, run, token, to, body);
        const { commands, maxInFlight, bdatChunks, usedData } = proxy.analyse();
        const mail = commands.find((l) => /^MAIL FROM:/i.test(l)) ?? "";
        const rcpt = commands.find((l) => /^RCPT TO:/i.test(l)) ?? "";
        check(mail.includes("RET=HDRS") && mail.includes(`ENVID=${token}`), `MAIL line: ${mail}`);
        check(rcpt.includes("NOTIFY=SUCCESS,FAILURE"), `RCPT line: ${rcpt}`);
        // Two commands in one write would count as two in flight as well.
        check(maxInFlight === 1, `up to ${maxInFlight} commands in flight: ${commands.slice(0, 8).join(" | ")}`);
        check(usedData && bdatChunks === 0, `BDAT chunks ${bdatChunks}, DATA used ${usedData}`);
        return `parameters sent, one command at a time, DATA; ${note}`;
      });
    },
  },
  {
    id: "cli-auth",
    title: "CLI: send --user --password-env --auth-mech PLAIN, then LOGIN, over --require-tls --ca-file: exit 0, delivered; a wrong password exits 6, nothing delivered",
    notOffered: (s) => authCapable(s) ?? (["PLAIN", "LOGIN"].some((m) => s.offers.auth.includes(m)) ? undefined : "neither PLAIN nor LOGIN offered"),
    timeoutMs: 120_000,
    async run(ctx) {
      const notes: string[] = [];
      const mechs = ["PLAIN", "LOGIN"].filter((m) => ctx.server.offers.auth.includes(m));
      for (const mech of mechs) {
        const token = randomUUID();
        const from = ctx.transcript.length;
        const { run, body } = await sendWithAuth(ctx, mech, ctx.password, token);
        const used = authCommands(ctx.transcript.slice(from));
        check(used.length === 1 && used[0] === mech, `AUTH commands in the -v transcript: ${used.join(", ") || "none"}`);
        check(!run.stderr.includes(ctx.password) && !run.stderr.includes(Buffer.from(ctx.password).toString("base64")),
          "the password is in the -v transcript");
        await checkSent(ctx, run, token, [ctx.server.rcpts[0]], body);
        notes.push(`${mech} exit 0, delivered`);
      }
      const token = randomUUID();
      const { run } = await sendWithAuth(ctx, mechs[0] as string, "wrong-password", token);
      check(run.code === 6, exited(run, 6));
      await new Promise((resolve) => setTimeout(resolve, 500));
      check((await ctx.server.box.scan(token)).length === 0, "the message was delivered despite the failed login");
      notes.push(`${mechs[0] as string} with a wrong password exit 6`);
      return notes.join("; ");
    },
  },
  {
    id: "cli-lmtp-quota",
    title: "CLI (dist/ bin): send --lmtp to two recipients, one over quota: exit 3, stdout `delivered` for one and `refused ... 552 5.2.2` for the other, then `sent to 1 of 2 recipient(s)`; stored for the one only",
    notOffered: (s) => (s.offers.lmtpQuota ? undefined : "not an LMTP server"),
    timeoutMs: 50_000,
    async run(ctx) {
      const full = OVER_QUOTA;
      const a = ctx.server.rcpts[0];
      const token = randomUUID();
      const { args } = sendArgs(ctx.server, token, [a, full]);
      // The body over full@'s 1 KiB quota (4 KiB), the token line in it as sendArgs has it.
      const at = args.indexOf("--body") + 1;
      args[at] = `${args[at] as string}\n${"quota filler line, seventy-six characters long, repeated to pass 1 KiB.....\n".repeat(56)}`;
      const run = await cli(ctx, args, {}, await distBin());
      check(run.code === 3, exited(run, 3));
      const lines = run.stdout.trim().split("\n");
      check(new RegExp(`^delivered <${a}>: 250 2\\.0\\.0 `).test(lines[0] ?? ""), `first line: ${lines[0] ?? ""}`);
      check(/^refused <full@example\.test>: [45]52 [45]\.2\.2 /.test(lines[1] ?? ""), `second line: ${lines[1] ?? ""}`);
      check(/^sent to 1 of 2 recipient\(s\)(?: \(\d+ bytes\))?$/.test(lines[2] ?? ""), `last line: ${lines[2] ?? ""} (${lines.length} lines)`);
      check(lines.length === 3, `stdout has ${lines.length} lines`);
      check(!/^smtplib: error/m.test(run.stderr), `stderr: ${run.stderr.trim().split("\n").pop() ?? ""}`);
      const found = await delivered(ctx, token, [a], STORE_WAIT_MS);
      check(found.every((d) => !d.rcpts.includes(full)), "the over-quota mailbox received the message");
      return `exit 3; ${lines[0]?.slice(0, 60) ?? ""}; ${lines[1]?.slice(0, 60) ?? ""}; stored for ${a.split("@")[0] as string} only`;
    },
  },
  {
    id: "cli-send-attach",
    title: "CLI: send --header (a field past ASCII, a Reply-To with a display name past ASCII) --attach (a binary file with a name past ASCII): exit 0; stored 7-bit, fields decoded, the file's bytes and name back",
    notOffered: () => undefined,
    timeoutMs: 50_000,
    async run(ctx) {
      const dir = await mkdtemp(join(tmpdir(), "smtplib-interop-attach-"));
      try {
        const file = join(dir, ATTACHED.name);
        await writeFile(file, ATTACHED.bytes);
        const token = randomUUID();
        const to = [ctx.server.rcpts[0]];
        const { args, body } = sendArgs(ctx.server, token, to);
        const run = await cli(ctx, [...args, "--header", `X-Interop-Note: ${NOTE}`, "--header", `Reply-To: Jörg <${SENDER}>`, "--attach", file]);
        check(run.code === 0, exited(run, 0));
        const found = await delivered(ctx, token, to, STORE_WAIT_MS);
        return `exit 0; ${[...new Set(found.map((copy) => checkAttached(copy, body)))].join("; ")}`;
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  },
  {
    id: "cli-probe",
    title: "CLI: `smtplib probe` exits 0 and prints the capabilities the server offers; also with --starttls and with --ssl (verified against --ca-file) where offered; --json reports the same",
    notOffered: () => undefined,
    timeoutMs: 80_000,
    async run(ctx) {
      const s = ctx.server;
      const notes = [`plain: ${await probe(ctx, target(s), false)}`];
      if (s.offers.starttls) notes.push(`STARTTLS: ${await probe(ctx, [...target(s), "--starttls", "--ca-file", ctx.caFile], true)}`);
      if (s.offers.implicitTls) notes.push(`--ssl: ${await probe(ctx, [`127.0.0.1:${s.tlsPort}`, "--ssl", "--ca-file", ctx.caFile], true)}`);
      return notes.join("; ");
    },
  },
];
