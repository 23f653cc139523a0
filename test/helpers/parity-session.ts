/**
 * Differential testing against CPython's smtplib: one scripted server is played to
 * Python's `smtplib.SMTP` (driven by `test/parity/py_driver.py`, read from the source
 * tree) and to ours, in turn, with the same calls; then the bytes each sent, each call's
 * result (reply, value or error) and the state after each call are compared.
 *
 * A scenario's calls are Python's: `{ op: "ehlo", args: ["x"] }`, with `kwargs` in
 * Python's names (`initial_response_ok`); see {@link runOurs} for how each maps to ours.
 * Deliberate differences (API.md, README "Where we differ") are either normalised here
 * ({@link normaliseVerbs}, {@link API_NAMES}) or listed by the test that meets them
 * ({@link assertParity}). To add calls (a transaction's), give `callOurs` a case for each
 * op; the driver calls any SMTP method by its Python name.
 * @module
 */

import assert from "node:assert/strict";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { LMTP, SMTP, SMTP_SSL, SMTPResponseException, type SMTPReply } from "../../src/index.js";
import type { AuthObject } from "../../src/auth/auth-object.js";
import { parityDriver, runPythonDriver } from "./python-driver.js";

/** One call of a scenario, in Python's terms. */
export interface ParityCall {
  op: string;
  args?: (string | number | boolean | null)[];
  kwargs?: Record<string, unknown>;
}

/**
 * What the server does at one turn: turn 0 at the connection, turn N after the client's
 * Nth line. `send` is written as is (CRLFs included); then `close` ends the connection
 * (`end` half-closes, `destroy` resets), or `tls` starts a server-side TLS handshake.
 * `latin1` sends each char of `send` as one byte (for bytes that are not UTF-8).
 * A string is `{ send }`; `""` answers a line with nothing (a line of message data). A
 * line that comes after the last turn makes the server close the connection.
 */
export type ParityTurn = string | { send?: string; latin1?: boolean; close?: "end" | "destroy"; tls?: boolean };

/** A scenario: the server's turns and the calls made against it. */
export interface ParityScenario {
  turns: readonly ParityTurn[];
  calls: readonly ParityCall[];
  /** Server key and certificate for a `tls` turn, and the CA the clients trust. */
  certs?: { key: string; cert: string; ca: string; caFile: string };
  /**
   * True when the scenario sends a verb of {@link normaliseVerbs}'s list in lower case with
   * `docmd`/`putcmd`/`send` (which both send as given): Python's wire is then not normalised.
   */
  verbsAsGiven?: boolean;
  /** The class used on both sides (default `SMTP`); `SMTP_SSL` makes the server speak TLS from the first byte (needs `certs`). */
  cls?: "SMTP" | "LMTP" | "SMTP_SSL";
  /** Both clients' timeout in seconds (Python's unit); default 5. */
  timeout?: number;
  /** Listen on a Unix socket (for LMTP) instead of TCP: `{path}` in a `connect` host stands for its path. */
  unixSocket?: boolean;
}

/** What a call gave: its value, or its error's class name (and code and text for a reply error). */
export type CallOutcome = { value: unknown } | { error: { name: string; code?: number; error?: string } };

/** One call's outcome and the session state after it. */
export type CallResult = CallOutcome & { state: SessionState };

/** Python's state attributes after a call. */
export interface SessionState {
  esmtp_features: Record<string, string>;
  does_esmtp: boolean;
  ehlo_resp: string | null;
  helo_resp: string | null;
}

/** One client's run: the bytes the server received and each call's result. */
export interface ParityRun {
  wire: string;
  results: CallResult[];
}

/** The Python driver, in the source tree (the build copies no .py file). */
export const PY_DRIVER = parityDriver("py_driver.py");

/** A server that plays `turns` to one connection and records every byte it receives (TLS: the plaintext). */
async function startResponder(turns: readonly ParityTurn[], certs?: ParityScenario["certs"], implicitTLS = false, path?: string): Promise<{ port: number; received: () => string; close: () => Promise<void> }> {
  const chunks: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((raw) => {
    sockets.add(raw);
    let sock: net.Socket = raw;
    let turn = 0;
    let stop = (): void => undefined;
    const play = (): void => {
      const t = turns[turn++];
      if (t === undefined) {
        sock.end();
        return;
      }
      const step = typeof t === "string" ? { send: t } : t;
      if (step.send !== undefined) sock.write(Buffer.from(step.send, "latin1" in step && step.latin1 === true ? "latin1" : "utf8"));
      if (step.close === "end") sock.end();
      else if (step.close === "destroy") sock.destroy();
      else if (step.tls === true) {
        if (!certs) throw new Error("a tls turn needs scenario.certs");
        stop();
        const secure = new tls.TLSSocket(sock, { isServer: true, key: certs.key, cert: certs.cert });
        secure.on("error", () => undefined);
        sockets.add(secure);
        sock = secure;
        listen();
      }
    };
    const listen = (): void => {
      let buffered = "";
      let active = true;
      const onData = (d: Buffer): void => {
        chunks.push(d);
        buffered += d.toString("latin1");
        for (let i = buffered.indexOf("\n"); i !== -1 && active; i = buffered.indexOf("\n")) {
          buffered = buffered.slice(i + 1);
          play();
        }
      };
      const current = sock;
      current.on("data", onData);
      stop = () => {
        active = false;
        current.off("data", onData);
      };
    };
    raw.on("error", () => undefined);
    if (implicitTLS) {
      if (!certs) throw new Error("SMTP_SSL needs scenario.certs");
      const secure = new tls.TLSSocket(raw, { isServer: true, key: certs.key, cert: certs.cert });
      secure.on("error", () => undefined);
      sockets.add(secure);
      sock = secure;
    }
    listen();
    play();
  });
  await new Promise<void>((resolve) => (path === undefined ? server.listen(0, "127.0.0.1", resolve) : server.listen(path, resolve)));
  return {
    port: path === undefined ? (server.address() as net.AddressInfo).port : 0,
    received: () => Buffer.concat(chunks).toString("utf8"),
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

let sockets = 0;

/** A fresh Unix socket path for a scenario that asks for one. */
function socketPath(scenario: ParityScenario): string | undefined {
  return scenario.unixSocket === true ? join(tmpdir(), `smtplib-parity-${process.pid}-${++sockets}.sock`) : undefined;
}

/** Runs the calls with Python's smtplib against a fresh server playing `scenario.turns`. */
export async function runPython(scenario: ParityScenario): Promise<ParityRun> {
  const path = socketPath(scenario);
  const server = await startResponder(scenario.turns, scenario.certs, scenario.cls === "SMTP_SSL", path);
  try {
    const spec = { port: server.port, path, host: "127.0.0.1", local_hostname: "client.test", timeout: scenario.timeout ?? 5, cafile: scenario.certs?.caFile, cls: scenario.cls, calls: scenario.calls };
    const { results } = await runPythonDriver(PY_DRIVER, spec) as { results: CallResult[] };
    return { wire: server.received(), results };
  } finally {
    await server.close();
  }
}

function replyValue(reply: SMTPReply): { code: number; message: string } {
  return { code: reply.code, message: reply.message };
}

function valueOf(value: unknown): unknown {
  if (value === undefined) return null;
  if (value !== null && typeof value === "object" && "code" in value && "message" in value) return replyValue(value as SMTPReply);
  return value;
}

function errorOf(err: unknown): { name: string; code?: number; error?: string } {
  if (err instanceof SMTPResponseException) return { name: err.name, code: err.smtpCode, error: err.smtpError };
  return { name: err instanceof Error ? err.name : typeof err };
}

function stateOf(smtp: SMTP): SessionState {
  return {
    esmtp_features: Object.fromEntries([...smtp.esmtpFeatures].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    does_esmtp: smtp.doesEsmtp,
    ehlo_resp: smtp.ehloResp,
    helo_resp: smtp.heloResp,
  };
}

/** Our names for Python's auth objects. */
const AUTH_OBJECTS: Record<string, (s: SMTP) => AuthObject> = {
  auth_plain: (s) => s.authPlain,
  auth_login: (s) => s.authLogin,
  auth_cram_md5: (s) => s.authCramMd5,
};

/** Python's attribute names for `set`. */
const ATTRIBUTES: Record<string, "user" | "password" | "localHostname"> = { user: "user", password: "password", local_hostname: "localHostname" };

/** Runs one call with our client, mapped from Python's name and arguments. */
async function callOurs(smtp: SMTP, call: ParityCall, port: number, certs: ParityScenario["certs"], path?: string): Promise<unknown> {
  const a = (call.args ?? []) as string[];
  const opts = call.kwargs?.["initial_response_ok"] === undefined ? {} : { initialResponseOk: call.kwargs["initial_response_ok"] as boolean };
  switch (call.op) {
    case "connect": {
      // Optional [host, port]: "{port}" stands for the server's port, in either.
      if (a.length === 0) return smtp.connect("127.0.0.1", port);
      const host = String(a[0]).replace("{port}", String(port)).replace("{path}", path ?? "");
      return smtp.connect(host, (a[1] as unknown) === "{port}" ? port : ((a[1] as unknown as number | null) ?? 0));
    }
    case "set_feature": smtp.esmtpFeatures.set(a[0]!, a[1]!); return null;
    case "del_feature": smtp.esmtpFeatures.delete(a[0]!); return null;
    case "set": (smtp as unknown as Record<string, unknown>)[ATTRIBUTES[a[0]!]!] = a[1]; return null;
    case "ehlo": return smtp.ehlo(...(a as [string?]));
    case "helo": return smtp.helo(...(a as [string?]));
    case "ehlo_or_helo_if_needed": return smtp.ehloOrHeloIfNeeded();
    case "has_extn": return smtp.hasExtn(a[0]!);
    case "docmd": return smtp.docmd(...(a as [string, string?]));
    case "putcmd": return smtp.putcmd(...(a as [string, string?]));
    case "getreply": return smtp.getreply();
    case "send": return smtp.send(a[0]!);
    case "verify": return smtp.verify(a[0]!);
    case "expn": return smtp.expn(a[0]!);
    case "help": return smtp.help(...(a as [string?]));
    case "noop": return smtp.noop();
    case "rset": return smtp.rset();
    case "quit": return smtp.quit();
    case "close": return smtp.close();
    case "__exit__": return smtp[Symbol.asyncDispose]();
    case "login": return smtp.login(a[0]!, a[1]!, opts);
    case "auth": return smtp.auth(a[0]!, AUTH_OBJECTS[a[1]!]!(smtp), opts);
    case "starttls": return smtp.starttls(certs ? { ca: certs.ca } : undefined);
    default: throw new Error(`no mapping for op ${call.op}`);
  }
}

/** Runs the calls with our `SMTP` against a fresh server playing `scenario.turns`. */
export async function runOurs(scenario: ParityScenario): Promise<ParityRun> {
  const path = socketPath(scenario);
  const server = await startResponder(scenario.turns, scenario.certs, scenario.cls === "SMTP_SSL", path);
  const Cls = { SMTP, LMTP, SMTP_SSL }[scenario.cls ?? "SMTP"];
  const smtp = new Cls({ localHostname: "client.test", timeout: (scenario.timeout ?? 5) * 1000, diagnoseTLS: false, ...(scenario.certs ? { tls: { ca: scenario.certs.ca } } : {}) });
  const results: CallResult[] = [];
  try {
    for (const call of scenario.calls) {
      try {
        const value = await callOurs(smtp, call, server.port, scenario.certs, path);
        results.push({ value: valueOf(value), state: stateOf(smtp) });
      } catch (err) {
        results.push({ error: errorOf(err), state: stateOf(smtp) });
      }
    }
    smtp.close();
    return { wire: server.received(), results };
  } finally {
    smtp.close();
    await server.close();
  }
}

/**
 * Python sends these verbs in lower case; API.md: "Commands go on the wire with
 * upper-case verbs". Upper-cases them at a line start of Python's wire bytes.
 */
export function normaliseVerbs(wire: string): string {
  return wire.replace(/(^|\n)(ehlo|lhlo|helo|mail|rcpt|data|rset|noop|quit|vrfy|expn|help)(?=[ \r])/g, (_m, lead: string, verb: string) => lead + verb.toUpperCase());
}

/**
 * Python's exceptions that are not smtplib's, by the name API.md gives them: a caller's
 * mistake (a CR or LF, a character the command encoding lacks) is a TypeError; a failed
 * connection attempt an SMTPConnectError (README "Choices"); a timeout SMTPTimeoutError;
 * a TLS failure an SMTPException.
 */
const API_NAMES: Record<string, string> = {
  ValueError: "TypeError", UnicodeEncodeError: "TypeError",
  ConnectionRefusedError: "SMTPConnectError", gaierror: "SMTPConnectError",
  TimeoutError: "SMTPTimeoutError", timeout: "SMTPTimeoutError",
  SSLError: "SMTPException", SSLCertVerificationError: "SMTPException",
};

/** Python's outcome with its error named as API.md names it (see {@link API_NAMES}). */
function apiNamed(outcome: object): object {
  if (!("error" in outcome)) return outcome;
  const error = (outcome as { error: { name: string } }).error;
  return { ...outcome, error: { ...error, name: API_NAMES[error.name] ?? error.name } };
}

/**
 * Every difference between Python's run and ours, as `path: python <json> ours <json>`
 * (the wire after {@link normaliseVerbs}, Python's errors by {@link API_NAMES}); an empty
 * list is full parity.
 */
export function differences(python: ParityRun, ours: ParityRun, verbsAsGiven = false): string[] {
  const diffs: string[] = [];
  const compare = (path: string, p: unknown, o: unknown): void => {
    if (JSON.stringify(p) !== JSON.stringify(o)) diffs.push(`${path}: python ${JSON.stringify(p)} ours ${JSON.stringify(o)}`);
  };
  compare("wire", verbsAsGiven ? python.wire : normaliseVerbs(python.wire), ours.wire);
  const n = Math.max(python.results.length, ours.results.length);
  for (let i = 0; i < n; i++) {
    const p = python.results[i];
    const o = ours.results[i];
    const { state: ps, ...pr } = p ?? { state: undefined };
    const { state: os, ...or } = o ?? { state: undefined };
    compare(`[${i}]`, apiNamed(pr), or);
    for (const key of ["esmtp_features", "does_esmtp", "ehlo_resp", "helo_resp"] as const) compare(`[${i}].${key}`, ps?.[key], os?.[key]);
  }
  return diffs;
}

/** Runs the scenario with both clients and returns the differences (see {@link differences}). */
export async function parity(scenario: ParityScenario): Promise<string[]> {
  const python = await runPython(scenario);
  const ours = await runOurs(scenario);
  return differences(python, ours, scenario.verbsAsGiven);
}

/**
 * Runs the scenario with both clients and fails unless the differences are exactly the
 * `documented` ones: their paths (`wire`, `[2]`, `[2].ehlo_resp`) mapped to the reason,
 * a deliberate difference that API.md or the README states. The failure shows every
 * difference with both values.
 */
export async function assertParity(scenario: ParityScenario, documented: Record<string, string> = {}): Promise<void> {
  const diffs = await parity(scenario);
  const paths = diffs.map((d) => d.slice(0, d.indexOf(": python ")));
  assert.deepEqual(paths, Object.keys(documented), `differences from Python:\n${diffs.join("\n")}`);
}
