// What the interop scenarios share: the server description, the per-scenario context, ways
// to connect, test messages, and checks of what a server stored.
import type { ChildProcess } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import type { Library, SMTPClient, SMTPClass, SMTPOptions, SMTPReply } from "./api.js";
import { waitFor, type Delivered, type Mailbox } from "./mailboxes.js";
import { RecordingProxy, type Target } from "./proxy.js";

export interface Offers {
  starttls: boolean;
  implicitTls: boolean;
  auth: string[];
  smtputf8: boolean;
  pipelining: boolean;
  chunking: boolean;
  dsn: boolean;
  /** Also listens on ::1 (same ports). */
  ipv6: boolean;
  refusesSender: boolean;
  lmtpQuota: boolean;
  /**
   * Starts its reply texts with RFC 3463 enhanced status codes (advertised as
   * ENHANCEDSTATUSCODES, or the interop server's own handler texts); Exim does not.
   */
  enhancedStatus: boolean;
}

export interface ServerDef {
  name: string;
  lmtp: boolean;
  /** 127.0.0.1, or a Unix socket path for LMTP. */
  host: string;
  port: number;
  tlsPort: number;
  box: Mailbox;
  offers: Offers;
  /** Recipients the server delivers to. */
  rcpts: [string, string, string];
  /** A recipient it refuses at RCPT. */
  refusedRcpt: string;
  /** Where a recording proxy connects to reach the plain-text service. */
  target: Target;
  /** A Unix socket path for the proxy to listen on (LMTP), or undefined for TCP. */
  proxyListenPath?: string;
  /** A port of the same server with a small SIZE limit of `bytes` (Postfix's message_size_limit). */
  sizeLimit?: { port: number; bytes: number };
  /** The OAuth 2.0 bearer token the server accepts for `user` (XOAUTH2, OAUTHBEARER), where it takes one. */
  oauthToken?: string;
}

export interface Context {
  lib: Library;
  server: ServerDef;
  ca: string;
  /** The test CA's PEM file (for the CLI's --ca-file). */
  caFile: string;
  user: string;
  password: string;
  /** The library's debug output for this scenario (debugLevel 1). */
  transcript: string[];
  /** Clients opened by the scenario; the runner closes any still open. */
  clients: SMTPClient[];
  /**
   * Child processes the scenario started (the CLI, Python's driver); the runner kills any
   * still running when the scenario ends, also when it failed or ran out of time.
   */
  children: ChildProcess[];
  /** Recording proxies the scenario has open (withProxy); the runner closes any still open. */
  proxies: RecordingProxy[];
  /**
   * Aborted (with the overrun error as reason) when the scenario runs past its time limit:
   * the runner then closes its clients and proxies and kills its children at once, and
   * {@link track}, {@link withProxy} and the CLI's runs open nothing more.
   */
  signal: AbortSignal;
}

export interface Scenario {
  id: string;
  title: string;
  /** Undefined when the server offers what the scenario needs; otherwise why not (n/a). */
  notOffered(server: ServerDef): string | undefined;
  timeoutMs: number;
  run(ctx: Context): Promise<string>;
}

export const SENDER = "sender@example.test";
export const REFUSED_SENDER = "refused-sender@example.test";
/** Dovecot's user with a 1 KiB quota (test/interop/dovecot/users): a message over it is refused after the data (552 5.2.2). */
export const OVER_QUOTA = "full@example.test";

// ------------------------------------------------------------------ helpers

export function check(cond: unknown, what: string): asserts cond {
  if (!cond) throw new Error(what);
}

export function options(ctx: Context, extra: Partial<SMTPOptions> = {}): SMTPOptions {
  return {
    timeout: 60_000,
    tls: { ca: ctx.ca },
    debugLevel: 1,
    debugOutput: (line: string) => {
      if (ctx.transcript.length < 2000) ctx.transcript.push(line.length > 500 ? `${line.slice(0, 500)}...` : line);
    },
    ...extra,
  };
}

export function plainClass(ctx: Context): SMTPClass {
  return ctx.server.lmtp ? ctx.lib.LMTP : ctx.lib.SMTP;
}

export async function track(ctx: Context, client: Promise<SMTPClient>): Promise<SMTPClient> {
  const c = await client;
  if (ctx.signal.aborted) {
    // Opened after the scenario ran out of time: closed at once, the scenario stopped.
    c.close();
    throw ctx.signal.reason;
  }
  ctx.clients.push(c);
  return c;
}

/**
 * Runs `run` with a recording proxy in front of the server under test (or in front of the TCP
 * port `to`), closed however `run` ends.
 */
export async function withProxy<T>(ctx: Context, run: (proxy: RecordingProxy) => Promise<T>, to?: Target): Promise<T> {
  ctx.signal.throwIfAborted();
  const proxy = to !== undefined ? await RecordingProxy.start(to) : await RecordingProxy.start(ctx.server.target, ctx.server.proxyListenPath);
  ctx.proxies.push(proxy);
  try {
    ctx.signal.throwIfAborted();
    return await run(proxy);
  } finally {
    const at = ctx.proxies.indexOf(proxy);
    if (at >= 0) ctx.proxies.splice(at, 1);
    await proxy.close();
  }
}

/** A plain-text connection (TCP or the LMTP Unix socket), or one through `via` (a proxy). */
export async function openPlain(ctx: Context, via?: RecordingProxy, extra?: Partial<SMTPOptions>): Promise<SMTPClient> {
  const s = ctx.server;
  if (via !== undefined) {
    const host = s.proxyListenPath ?? "127.0.0.1";
    return track(ctx, plainClass(ctx).connect(host, s.proxyListenPath !== undefined ? 0 : via.port, options(ctx, extra)));
  }
  return track(ctx, plainClass(ctx).connect(s.host, s.lmtp ? 0 : s.port, options(ctx, extra)));
}

export async function openStarttls(ctx: Context, extra?: Partial<SMTPOptions>): Promise<SMTPClient> {
  const c = await openPlain(ctx, undefined, extra);
  await c.ehlo();
  check(c.hasExtn("starttls"), "STARTTLS not seen in the EHLO reply");
  const r = await c.starttls();
  check(r.code === 220, `STARTTLS answered ${r.code} ${r.message}`);
  await c.ehlo();
  return c;
}

export async function openImplicit(ctx: Context): Promise<SMTPClient> {
  return track(ctx, ctx.lib.SMTP_SSL.connect("127.0.0.1", ctx.server.tlsPort, options(ctx)));
}

interface MessageSpec {
  token: string;
  from?: string;
  to?: string[];
  cc?: string[];
  bcc?: string[];
  subject?: string;
  body?: string;
}

/** An RFC 5322 message with CRLF line ends, ending in CRLF, carrying the scenario's token. */
export function message(spec: MessageSpec): string {
  const lines = [
    `From: Interop Sender <${spec.from ?? SENDER}>`,
    `To: ${(spec.to ?? []).join(", ")}`,
    ...(spec.cc !== undefined ? [`Cc: ${spec.cc.join(", ")}`] : []),
    ...(spec.bcc !== undefined ? [`Bcc: ${spec.bcc.join(", ")}`] : []),
    `Subject: ${spec.subject ?? "interop"}`,
    `Message-ID: <${spec.token}@interop.test>`,
    `Date: ${new Date().toUTCString().replace("GMT", "+0000")}`,
    `X-Interop-Token: ${spec.token}`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: 8bit",
  ];
  return `${lines.join("\r\n")}\r\n\r\n${spec.body ?? "Hello from the smtplib interop suite.\r\n"}`;
}

export function bodyOf(raw: Buffer | string): string {
  const text = typeof raw === "string" ? raw : raw.toString("utf8");
  const m = /\r?\n\r?\n/.exec(text);
  const body = m === null ? "" : text.slice(m.index + m[0].length);
  return body.replace(/\r\n/g, "\n");
}

export function digest(s: string): string {
  return createHash("sha256").update(s).digest("hex").slice(0, 16);
}

/** The first line where two texts differ, for failure messages. */
export function firstDifference(a: string, b: string): string {
  const la = a.split("\n");
  const lb = b.split("\n");
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) return `line ${i + 1}: sent ${JSON.stringify(la[i]?.slice(0, 80))}, stored ${JSON.stringify(lb[i]?.slice(0, 80))}`;
  }
  return "no line differs (line ends?)";
}

/** The header section of a message (up to the first empty line), CRLF read as LF. */
function headsOf(raw: Buffer | string): string {
  const text = (typeof raw === "string" ? raw : raw.toString("utf8")).replace(/\r\n/g, "\n");
  const at = text.indexOf("\n\n");
  return at < 0 ? text : text.slice(0, at);
}

/**
 * Checks a stored copy against what was sent: byte for byte where the server stores the
 * exact bytes; otherwise, with CRLF read as LF (Maildir stores LF), the header section as
 * sent at the end of the stored one (the MTA adds its trace headers above it) and the body
 * after it identical.
 */
export function checkContent(copy: Delivered, sent: string, from?: string): string {
  if (from !== undefined) check(copy.from === from, `envelope sender stored as ${String(copy.from)}, sent ${from}`);
  if (copy.exact) {
    const want = Buffer.from(sent, "utf8");
    check(copy.raw.equals(want),
      `stored bytes differ from the sent message (${copy.raw.length} vs ${want.length} bytes; ${firstDifference(sent.replace(/\r\n/g, "\n"), copy.raw.toString("utf8").replace(/\r\n/g, "\n"))})`);
    return "byte-exact";
  }
  const sentHead = headsOf(sent);
  const storedHead = headsOf(copy.raw);
  if (!storedHead.endsWith(`\n${sentHead}`)) {
    const tail = storedHead.split("\n").slice(-sentHead.split("\n").length).join("\n");
    throw new Error(`stored header section does not end with the one sent (${firstDifference(sentHead, tail)})`);
  }
  const want = bodyOf(sent);
  const got = bodyOf(copy.raw);
  check(got === want, `stored body differs (${got.length} vs ${want.length} chars; ${firstDifference(want, got)})`);
  return "headers and body identical";
}

export async function delivered(ctx: Context, token: string, rcpts: string[], ms = 30_000): Promise<Delivered[]> {
  const covers = (found: Delivered[]): boolean => {
    const got = new Set(found.flatMap((d) => d.rcpts.map((r) => r.toLowerCase())));
    return found.length > 0 && rcpts.every((r) => got.has(r.toLowerCase()));
  };
  const found = await waitFor(ctx.server.box, token, covers, ms);
  check(found.length > 0, `nothing delivered within ${ms / 1000} s`);
  check(covers(found), `delivered to ${JSON.stringify(found.flatMap((d) => d.rcpts))}, expected ${JSON.stringify(rcpts)}`);
  return found;
}

/**
 * Checks a reply's `enhancedStatus` against its text: the RFC 3463 code that starts the
 * text when its class is the reply code's first digit, else none (API.md); and, from a
 * server that sends them, that there is one (`want`, when given, is the exact code).
 * Returns "code x.y.z" for notes.
 */
export function checkEnhanced(ctx: Context, r: SMTPReply, what: string, want?: string): string {
  const m = /^([245])\.\d{1,3}\.\d{1,3}(?=[ \t]|$)/.exec(r.message);
  const inText = m !== null && Number(m[1]) === Math.floor(r.code / 100) ? m[0] : undefined;
  check(r.enhancedStatus === inText,
    `${what}: enhancedStatus ${String(r.enhancedStatus)} for the reply ${r.code} ${JSON.stringify(r.message.slice(0, 80))}`);
  if (ctx.server.offers.enhancedStatus) {
    check(inText !== undefined, `${what}: no enhanced status code in ${r.code} ${JSON.stringify(r.message.slice(0, 80))} from a server that sends them`);
    if (want !== undefined) check(inText === want, `${what}: enhanced status ${String(inText)}, expected ${want}`);
  }
  return `${r.code}${r.enhancedStatus !== undefined ? ` ${r.enhancedStatus}` : ""}`;
}

export function expectNoRefusals(refused: Map<string, SMTPReply>): void {
  check(refused.size === 0, `refused: ${[...refused].map(([a, r]) => `${a} ${r.code} ${r.message}`).join("; ")}`);
}

export async function quit(c: SMTPClient): Promise<void> {
  const r = await c.quit();
  check(r.code === 221, `QUIT answered ${r.code}`);
}

/** Sends `msg` over a fresh plain connection and checks every recipient's stored copy. */
export async function sendAndCheck(ctx: Context, spec: MessageSpec, waitMs = 30_000): Promise<string> {
  const to = spec.to ?? [ctx.server.rcpts[0]];
  const sent = message({ ...spec, to });
  const c = await openPlain(ctx, undefined, waitMs > 30_000 ? { timeout: waitMs } : {});
  expectNoRefusals(await c.sendmail(spec.from ?? SENDER, to, sent));
  await quit(c);
  const found = await delivered(ctx, spec.token, to, waitMs);
  return checkContent(found[0] as Delivered, sent, spec.from ?? SENDER);
}

/** The mechanisms of the AUTH commands in the debug output (EHLO reply lines skipped). */
export function authCommands(transcript: string[]): string[] {
  return transcript
    .filter((line) => !/\b\d{3}[- ]AUTH\b/i.test(line))
    .map((line) => /\bAUTH ([A-Z0-9_-]+)/i.exec(line)?.[1]?.toUpperCase())
    .filter((m): m is string => m !== undefined);
}

export function isInstance(err: unknown, cls: abstract new (...args: never[]) => Error): boolean {
  return err instanceof cls;
}

export function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { smtpCode?: unknown }).smtpCode;
    return `${err.name}${code !== undefined ? ` ${String(code)}` : ""}: ${err.message}`;
  }
  return String(err);
}

export function authCapable(s: ServerDef): string | undefined {
  return s.offers.auth.length === 0 ? "no AUTH" : undefined;
}

export function authMechanism(mech: string, bindName: "authPlain" | "authLogin" | "authCramMd5"): Scenario {
  return {
    id: `auth-${mech.toLowerCase()}`,
    title: `auth("${mech}", ${bindName}) after STARTTLS`,
    notOffered: (s) => (s.offers.auth.includes(mech) ? undefined : `${mech} not offered`),
    timeoutMs: 30_000,
    async run(ctx) {
      const c = await openStarttls(ctx);
      c.user = ctx.user;
      c.password = ctx.password;
      const r = await c.auth(mech, (challenge?: Buffer) => c[bindName](challenge));
      check(r.code === 235, `AUTH ${mech} answered ${r.code} ${r.message}`);
      await quit(c);
      return checkEnhanced(ctx, r, `AUTH ${mech}`);
    },
  };
}

/** Lines that exercise dot transparency (RFC 5321 §4.5.2). */
export const DOT_BODY = [
  ".",
  "..",
  "...",
  ".leading dot",
  "..two leading dots",
  ". space after a dot",
  "a line",
  ".",
  "",
  ".\t.",
  "end",
  ".",
].join("\r\n") + "\r\n";

/** A body of about `bytes` bytes: 76-character ASCII lines, every 997th one starting with a dot. */
export function bigBody(bytes: number): string {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const prefix = i % 997 === 0 ? "." : "";
    const line = `${prefix}${i.toString().padStart(9, "0")} ${"abcdefghijklmnopqrstuvwxyz0123456789".repeat(2)}`.slice(0, 76);
    lines.push(line);
    size += line.length + 2;
  }
  return lines.join("\r\n") + "\r\n";
}

export function sizeScenario(id: string, bytes: number, timeoutMs: number): Scenario {
  return {
    id,
    title: `a ${bytes >= 1 << 20 ? `${bytes / (1 << 20)} MB` : `${bytes} B`} message, content checked`,
    notOffered: () => undefined,
    timeoutMs,
    async run(ctx) {
      const token = randomUUID();
      const body = bigBody(bytes);
      const t0 = Date.now();
      const how = await sendAndCheck(ctx, { token, subject: `size ${bytes}`, body }, timeoutMs - 5_000);
      return `${how}, sha256 ${digest(bodyOf(message({ token, body })))}.., ${((Date.now() - t0) / 1000).toFixed(1)} s`;
    },
  };
}
