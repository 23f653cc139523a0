/**
 * `smtplib probe`: connect, show the greeting, the EHLO capabilities, TLS details and how
 * long each step took. Everything goes through the library's client.
 * @module
 */
import { performance } from "node:perf_hooks";
import type { PeerCertificate } from "node:tls";
import { LMTP_PORT, SMTP_PORT, SMTP_SSL_PORT } from "../constants.js";
import { escapeControl } from "../error-text.js";
import { SMTPHeloError } from "../index.js";
import { isPositiveCompletion } from "../protocol/reply.js";
import type { ProbeCommand } from "./args.js";
import { applyStarttls, describeTargetError, exitCodeFor, lineWriter, newClient, quitWithin, type Client } from "./connect.js";
import { ExitCode, type ExitCodeValue } from "./exit-codes.js";
import { handleInterrupts } from "./interrupts.js";
import { jsonView, textView, type ProbeView, type StepResult } from "./probe-report.js";

const MODE_LABEL = { none: "plain text", ssl: "implicit TLS", starttls: "STARTTLS if offered", "require-tls": "STARTTLS required" } as const;

/** Runs `step`, tells `view` its name, time and result (`show` as text, `result` for JSON), and returns its value. */
async function timed<T>(view: ProbeView, name: string, step: () => Promise<T>, show: (v: T) => string, result: (v: T) => StepResult): Promise<T> {
  const started = performance.now();
  const value = await step();
  view.step(name, performance.now() - started, show(value), result(value));
  return value;
}

/** Capabilities as `KEYWORD params` lines, keywords upper-case as servers send them. */
export function formatCapabilities(features: ReadonlyMap<string, string>): string[] {
  return [...features].map(([k, v]) => `  ${k.toUpperCase()}${v.trim() ? ` ${v.trim()}` : ""}`);
}

function dn(name: Record<string, string | string[] | undefined> | undefined): string {
  if (!name) return "(none)";
  return Object.entries(name).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join("+") : v}`).join(", ");
}

/** "10 days", "1 day", "5 hours" (under a day), "less than an hour", for `ms` either way. */
function timeSpan(ms: number): string {
  const hours = Math.floor(Math.abs(ms) / 3_600_000);
  const days = Math.floor(hours / 24);
  const count = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? "" : "s"}`;
  return days > 0 ? count(days, "day") : hours > 0 ? count(hours, "hour") : "less than an hour";
}

/** "10 days left", "1 day left", "5 hours left" (the last day), "EXPIRED 2 days ago", "EXPIRED 3 hours ago". */
export function timeToExpiry(ms: number): string {
  return ms >= 0 ? `${timeSpan(ms)} left` : `EXPIRED ${timeSpan(ms)} ago`;
}

/** The validity state: "NOT VALID YET: starts in 3 days" before `valid_from`, else {@link timeToExpiry}. */
function validity(cert: Partial<PeerCertificate>, now: number): string {
  const starts = Date.parse(cert.valid_from ?? "") - now;
  return starts > 0 ? `NOT VALID YET: starts in ${timeSpan(starts)}` : timeToExpiry(Date.parse(cert.valid_to ?? "") - now);
}

/** What the verification failures seen most say, by Node's code (`tlsInfo.authorizationError`). */
const NOT_VERIFIED_BECAUSE: ReadonlyMap<string, string> = new Map([
  ["CERT_HAS_EXPIRED", "the certificate has expired"],
  ["CERT_NOT_YET_VALID", "the certificate is not valid yet"],
  ["DEPTH_ZERO_SELF_SIGNED_CERT", "the certificate is self-signed, and not trusted"],
  ["SELF_SIGNED_CERT_IN_CHAIN", "its chain ends in a self-signed CA that is not trusted: give it as --ca-file"],
  ["UNABLE_TO_VERIFY_LEAF_SIGNATURE", "its issuer is not trusted: give its CA as --ca-file"],
  ["UNABLE_TO_GET_ISSUER_CERT", "its issuer is not trusted: give its CA as --ca-file"],
  ["UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "its issuer is not trusted: give its CA as --ca-file"],
  ["ERR_TLS_CERT_ALTNAME_INVALID", "the certificate is for another host name (see its names below, and --servername)"],
]);

/** The "verified" value of a certificate that did not verify (seen only with --insecure): why, when Node said (a code, or a message that may quote the certificate). */
function notVerified(code: string | undefined): string {
  if (code === undefined) return "NO (certificate not trusted or name mismatch; --insecure was given)";
  const why = NOT_VERIFIED_BECAUSE.get(code);
  return why === undefined ? `NO: ${escapeControl(code)} (--insecure was given)` : `NO: ${why} (${code}; --insecure was given)`;
}

/** TLS details: protocol, cipher, certificate subject/issuer/names/expiry. */
export function formatTls(info: NonNullable<Client["tlsInfo"]>, now = Date.now()): string[] {
  const cert: Partial<PeerCertificate> = info.peerCertificate ?? {};
  const lines = [`  protocol           ${info.protocol ?? "?"}`, `  cipher             ${info.cipher.name}`];
  lines.push(`  verified           ${info.authorized ? "yes" : notVerified(info.authorizationError)}`);
  if (cert.subject) {
    lines.push(`  subject            ${dn(cert.subject as unknown as Record<string, string>)}`);
    lines.push(`  issuer             ${dn(cert.issuer as unknown as Record<string, string>)}`);
    if (cert.subjectaltname) lines.push(`  names              ${cert.subjectaltname}`);
    if (cert.valid_to) lines.push(`  valid              ${cert.valid_from} .. ${cert.valid_to} (${validity(cert, now)})`);
    if (cert.fingerprint256) lines.push(`  sha256             ${cert.fingerprint256}`);
  }
  return lines;
}

/**
 * `probe`'s exit code for an error: 2 for a usage error (a --ca-file that cannot be used),
 * 1 for a bug, else 5: whatever the server refused (EHLO, STARTTLS), the probe failed to
 * reach a usable session. send's codes for a refused message or login (3, 4, 6) are not probe's.
 */
function probeExitCode(e: unknown): ExitCodeValue {
  const code = exitCodeFor(e);
  return code === ExitCode.USAGE || code === ExitCode.FAILURE ? code : ExitCode.UNAVAILABLE;
}

/**
 * The first line: what is probed and how. The port is the one used, the protocol's default
 * included (`probe mx.example.org --ssl`: `mx.example.org:465`); a Unix socket has none.
 */
export function probeTitle(cmd: Pick<ProbeCommand, "host" | "port" | "tlsMode" | "lmtp">): string {
  const where = cmd.host.includes(":") ? `[${cmd.host}]` : cmd.host;
  const port = probedPort(cmd);
  return `probe ${where}${port ? `:${port}` : ""} (${MODE_LABEL[cmd.tlsMode]}${cmd.lmtp ? ", LMTP" : ""})`;
}

/** The port probed: the one given, else the protocol's default; 0 for a Unix socket. */
function probedPort(cmd: Pick<ProbeCommand, "host" | "port" | "tlsMode" | "lmtp">): number {
  return cmd.port || (cmd.host.startsWith("/") ? 0 : cmd.tlsMode === "ssl" ? SMTP_SSL_PORT : cmd.lmtp ? LMTP_PORT : SMTP_PORT);
}

/** Probes the server; resolves to the exit code. */
export async function runProbe(cmd: ProbeCommand): Promise<ExitCodeValue> {
  const out = lineWriter(process.stdout);
  const err = lineWriter(process.stderr);
  let client: Client | undefined;
  const view = cmd.json ? jsonView((text) => void process.stdout.write(text), { host: cmd.host, port: probedPort(cmd), tlsMode: cmd.tlsMode, lmtp: cmd.lmtp }) : textView(out);
  // Ctrl-C or SIGTERM: 130 and a line, as `send` (killed by SIGTERM, it said nothing, and a
  // shell saw 143); the first quits at once, so a second has nothing to wait for either.
  // With --json the report still comes, with the steps done so far: a script reading stdout
  // gets an object, never nothing (stdout to a pipe or a file is written before the exit).
  const stopHandling = handleInterrupts((signal) => {
    client?.close();
    const said = `interrupted by ${signal}: the probe did not finish`;
    err(`smtplib: ${said}`);
    view.end(ExitCode.INTERRUPTED, said);
    process.exit(ExitCode.INTERRUPTED);
  }, (signal) => `smtplib: interrupted again by ${signal}: the probe did not finish`, err);
  if (!cmd.json) out(probeTitle(cmd));
  try {
    const c = await newClient(cmd, cmd.verbosity, err);
    client = c;
    const reply = (r: { code: number; message: string }): string => `${r.code} ${r.message.split("\n")[0]}`;
    const replied = (r: { code: number; message: string }): StepResult => ({ code: r.code, text: r.message });
    await timed(view, cmd.tlsMode === "ssl" ? "connect+TLS+greet" : "connect+greeting", () => c.connect(cmd.host, cmd.port), reply, replied);
    const hello = cmd.lmtp ? "LHLO" : "EHLO";
    const ehlo = await timed(view, hello, () => c.ehlo(), reply, replied);
    // As send (the library's greet()): LMTP has no HELO fallback (RFC 2033 §4.1), nor does
    // a 421; a server that refuses every greeting fails the probe.
    if (!isPositiveCompletion(ehlo.code)) {
      if (cmd.lmtp || ehlo.code === 421) throw new SMTPHeloError(ehlo.code, ehlo.message, { command: hello });
      const helo = await timed(view, "HELO (fallback)", () => c.helo(), reply, replied);
      if (!isPositiveCompletion(helo.code)) throw new SMTPHeloError(helo.code, helo.message, { command: "HELO" });
    }
    if (cmd.tlsMode === "starttls" || cmd.tlsMode === "require-tls") {
      await timed(view, `STARTTLS+${hello}`, () => applyStarttls(c, cmd, err), (used) => (used ? "TLS established" : "not offered"), (used) => ({ tls: used }));
    }
    view.capabilities(c.doesEsmtp, c.esmtpFeatures, formatCapabilities(c.esmtpFeatures));
    const info = c.tlsInfo ?? undefined;
    view.tls(info, info ? formatTls(info) : []);
    // bounded, and never a failure: the server has been probed by now
    await timed(view, "QUIT", () => quitWithin(c), (shown) => shown, (shown) => ({ note: shown }));
    view.end(ExitCode.OK);
    return ExitCode.OK;
  } catch (e) {
    const said = describeTargetError(e, cmd);
    err(`smtplib: ${said}`);
    // RFC 5321 §4.1.1.10: a session still open (EHLO and HELO refused, no STARTTLS with
    // --require-tls) ends with QUIT, not a dropped connection
    if (client?.connected) await quitWithin(client);
    const code = probeExitCode(e);
    view.end(code, said);
    return code;
  } finally {
    stopHandling();
    client?.close();
  }
}
