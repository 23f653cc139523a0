/**
 * Differential tests of transactions against CPython's smtplib: one scripted server is
 * played to Python's client (test/parity/py_send_driver.py) and to ours in turn, with the
 * same calls; each run records every byte the server received and each call's outcome, in
 * one JSON-able shape, so that a test compares the two runs.
 */

import net from "node:net";
import {
  LMTP, SMTP, SMTPRecipientsRefused, SMTPResponseException, SMTPSenderRefused,
} from "../../src/index.js";
import { parityDriver, runPythonDriver } from "./python-driver.js";

/**
 * How the server answers: `greeting` and `ehlo` (reply lines, joined by "\n"), and for each
 * command verb (upper case; `.` for the end of data) a queue of replies, used in order. A
 * reply is its lines joined by "\n"; `<close>` as a reply (or as its last line) closes the
 * connection instead of (or after) replying. A verb whose queue is empty gets its default:
 * 250 (354 for DATA, 221 and a close for QUIT). A BDAT chunk (verb `BDAT`) is answered once
 * its bytes are in.
 */
export interface ParityPlan {
  greeting?: string;
  ehlo?: string;
  replies?: Record<string, readonly string[]>;
}

/** A message body, as the driver takes it: text, or bytes (sent as base64). */
export type ParityBody = { str: string } | { b64: string };

/** One call made on both clients, in Python's terms (see py_send_driver.py). */
export interface ParityCall {
  op: "sendmail" | "send_message" | "mail" | "rcpt" | "data" | "rset" | "noop" | "quit" | "ehlo" | "docmd";
  from?: string;
  to?: string | string[];
  msg?: ParityBody;
  mail_options?: string[];
  rcpt_options?: string[];
  sender?: string;
  recip?: string;
  options?: string[];
  cmd?: string;
  args?: string;
  /** send_message: parse with email.policy.default (else compat32, which cannot send SMTPUTF8). */
  policy?: "default";
}

/** A reply as compared: `[code, text]`. */
export type PairReply = [number, string];

/** What one call came to: its result, or its error with Python's fields under API.md's names. */
export type Outcome =
  | { ok: unknown }
  | { error: { cls: string; code?: number; error?: string; sender?: string; recipients?: [string, PairReply][]; text: string } };

/** One client's run: the bytes the server received (latin1, one string) and each call's outcome. */
export interface ParityRun {
  wire: string;
  outcomes: Outcome[];
}

/** Bytes as the driver takes them. */
export function bytesBody(bytes: Uint8Array | string): ParityBody {
  return { b64: Buffer.from(bytes).toString("base64") };
}

const DEFAULTS: Record<string, string> = { DATA: "354 go", ".": "250 queued", QUIT: "221 bye\n<close>" };

function send(sock: net.Socket, reply: string): boolean {
  const lines = reply.split("\n");
  const close = lines.at(-1) === "<close>";
  const text = close ? lines.slice(0, -1) : lines;
  if (text.length > 0) sock.write(text.map((l) => `${l}\r\n`).join(""), "latin1");
  if (close) sock.end();
  return close;
}

/** Starts the plan's server for one connection; `wire()` gives what it received so far. */
async function planServer(plan: ParityPlan): Promise<{ port: number; wire(): string; close(): Promise<void> }> {
  const chunks: Buffer[] = [];
  const queues = new Map(Object.entries(plan.replies ?? {}).map(([k, v]) => [k, [...v]]));
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on("error", () => undefined);
    let pending = "";
    let inData = false;
    /** BDAT bytes still to read, and the chunk's verb to answer once they are in. */
    let chunkLeft = 0;
    let closed = send(sock, plan.greeting ?? "220 mx.test ESMTP");
    const answer = (verb: string): void => {
      const queued = queues.get(verb)?.shift();
      const reply = queued ?? (verb === "EHLO" || verb === "LHLO" ? plan.ehlo ?? "250 mx.test" : DEFAULTS[verb] ?? "250 ok");
      if (verb === "DATA" && reply.startsWith("354")) inData = true;
      closed = send(sock, reply);
    };
    sock.on("data", (d: Buffer) => {
      chunks.push(d);
      pending += d.toString("latin1");
      while (!closed) {
        if (chunkLeft > 0) {
          const skip = Math.min(chunkLeft, pending.length);
          pending = pending.slice(skip);
          chunkLeft -= skip;
          if (chunkLeft > 0) break;
          answer("BDAT");
          continue;
        }
        const end = pending.indexOf("\r\n");
        if (end < 0) break;
        const line = pending.slice(0, end);
        pending = pending.slice(end + 2);
        if (inData) {
          if (line === ".") {
            inData = false;
            answer(".");
          }
          continue;
        }
        const bdat = /^BDAT (\d+)/i.exec(line);
        if (bdat && Number(bdat[1]) > 0) chunkLeft = Number(bdat[1]);
        else answer(line.split(" ")[0]!.toUpperCase());
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    wire: () => Buffer.concat(chunks).toString("latin1"),
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

const DRIVER = parityDriver("py_send_driver.py");

/** Runs the calls with CPython's smtplib (python3 must exist: a missing one fails the test). */
export async function runPython(plan: ParityPlan, calls: readonly ParityCall[], lmtp = false): Promise<ParityRun> {
  const server = await planServer(plan);
  try {
    const { outcomes } = await runPythonDriver(DRIVER, { port: server.port, lmtp, calls }) as { outcomes: Outcome[] };
    return { wire: server.wire(), outcomes };
  } finally {
    await server.close();
  }
}

function pair(reply: { code: number; message: string }): PairReply {
  return [reply.code, reply.message];
}

function describe(err: unknown): Outcome {
  const e = err as Error;
  const out: Extract<Outcome, { error: unknown }>["error"] = { cls: e.name, text: e.message };
  if (err instanceof SMTPResponseException) {
    out.code = err.smtpCode;
    out.error = err.smtpError;
  }
  if (err instanceof SMTPSenderRefused) out.sender = err.sender;
  if (err instanceof SMTPRecipientsRefused) out.recipients = [...err.recipients].map(([a, r]) => [a, pair(r)]);
  return { error: out };
}

function bodyOf(b: ParityBody | undefined): string | Uint8Array {
  if (b === undefined) throw new TypeError("call without msg");
  return "str" in b ? b.str : Buffer.from(b.b64, "base64");
}

async function runOne(client: SMTP, c: ParityCall): Promise<unknown> {
  const refused = (m: Map<string, { code: number; message: string }>): unknown => [...m].map(([a, r]) => [a, pair(r)]);
  switch (c.op) {
    case "sendmail": return refused(await client.sendmail(c.from!, c.to!, bodyOf(c.msg), c.mail_options, c.rcpt_options));
    case "send_message": return refused(await client.sendMessage(bodyOf(c.msg), c.from, c.to, c.mail_options, c.rcpt_options));
    case "mail": return pair(await client.mail(c.sender!, c.options));
    case "rcpt": return pair(await client.rcpt(c.recip!, c.options));
    case "data": return pair(await client.data(bodyOf(c.msg)));
    case "docmd": return pair(await client.docmd(c.cmd!, c.args));
    case "rset": return pair(await client.rset());
    case "noop": return pair(await client.noop());
    case "quit": return pair(await client.quit());
    case "ehlo": return pair(await client.ehlo());
  }
}

/**
 * Runs the calls with our client ({ pipelining, chunking } left at their defaults): one
 * after the other, or with `concurrent` all at once (our calls queue and run in order, so
 * each should come to what it comes to in Python's sequential run).
 */
export async function runOurs(plan: ParityPlan, calls: readonly ParityCall[], lmtp = false, concurrent = false): Promise<ParityRun> {
  const server = await planServer(plan);
  const Cls = lmtp ? LMTP : SMTP;
  const client = await Cls.connect("127.0.0.1", server.port, { localHostname: "client.test", timeout: 5000 });
  const outcome = (p: Promise<unknown>): Promise<Outcome> => p.then((ok) => ({ ok }), describe);
  try {
    const outcomes: Outcome[] = [];
    if (concurrent) outcomes.push(...await Promise.all(calls.map((c) => outcome(runOne(client, c)))));
    else for (const c of calls) outcomes.push(await outcome(runOne(client, c)));
    return { wire: server.wire(), outcomes };
  } finally {
    client.close();
    await server.close();
  }
}

const VERBS = new Set(["EHLO", "HELO", "LHLO", "MAIL", "RCPT", "DATA", "RSET", "NOOP", "QUIT", "VRFY"]);

/**
 * The wire with API.md's deliberate difference taken out: commands go with upper-case verbs
 * and parameter keywords (Python sends `mail FROM:<a> size=12`). A line is taken as a
 * command when its first word is a known verb in any case (tests keep such lines out of
 * their messages).
 */
export function normalizeWire(wire: string): string {
  return wire.split("\r\n").map((line) => {
    const [verb = "", ...rest] = line.split(" ");
    if (!VERBS.has(verb.toUpperCase())) return line;
    const params = rest.map((p, i) => (i === 0 ? p.replace(/^(FROM|TO):/i, (m) => m.toUpperCase()) : p.replace(/^[^=]+/, (k) => k.toUpperCase())));
    return [verb.toUpperCase(), ...params].join(" ");
  }).join("\r\n");
}

/** Both runs, for a test to compare. */
export async function runBoth(plan: ParityPlan, calls: readonly ParityCall[], lmtp = false): Promise<{ py: ParityRun; ts: ParityRun }> {
  const py = await runPython(plan, calls, lmtp);
  const ts = await runOurs(plan, calls, lmtp);
  return { py, ts };
}
