// The interop scenarios: each one drives the library's public API against one server and
// checks what the server delivered. A scenario throws (fails) or resolves with a short note.
import { createHash, randomUUID } from "node:crypto";
import type { Library, SMTPClient, SMTPClass, SMTPOptions, SMTPReply } from "./api.js";
import { headerSection, waitFor, type Delivered, type Mailbox } from "./mailboxes.js";
import { RecordingProxy, type Target } from "./proxy.js";

/** What a server is configured to offer (test/interop/*), independent of what the client sees. */
export interface Offers {
  starttls: boolean;
  implicitTls: boolean;
  auth: string[];
  smtputf8: boolean;
  pipelining: boolean;
  chunking: boolean;
  refusesSender: boolean;
  lmtpQuota: boolean;
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
}

export interface Context {
  lib: Library;
  server: ServerDef;
  ca: string;
  user: string;
  password: string;
  /** The library's debug output for this scenario (debugLevel 1). */
  transcript: string[];
  /** Clients opened by the scenario; the runner closes any still open. */
  clients: SMTPClient[];
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

// ------------------------------------------------------------------ helpers

function check(cond: unknown, what: string): asserts cond {
  if (!cond) throw new Error(what);
}

function options(ctx: Context, extra: Partial<SMTPOptions> = {}): SMTPOptions {
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

function plainClass(ctx: Context): SMTPClass {
  return ctx.server.lmtp ? ctx.lib.LMTP : ctx.lib.SMTP;
}

async function track(ctx: Context, client: Promise<SMTPClient>): Promise<SMTPClient> {
  const c = await client;
  ctx.clients.push(c);
  return c;
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

async function openStarttls(ctx: Context): Promise<SMTPClient> {
  const c = await openPlain(ctx);
  await c.ehlo();
  check(c.hasExtn("starttls"), "STARTTLS not seen in the EHLO reply");
  const r = await c.starttls();
  check(r.code === 220, `STARTTLS answered ${r.code} ${r.message}`);
  await c.ehlo();
  return c;
}

async function openImplicit(ctx: Context): Promise<SMTPClient> {
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
function message(spec: MessageSpec): string {
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

function bodyOf(raw: Buffer | string): string {
  const text = typeof raw === "string" ? raw : raw.toString("utf8");
  const m = /\r?\n\r?\n/.exec(text);
  const body = m === null ? "" : text.slice(m.index + m[0].length);
  return body.replace(/\r\n/g, "\n");
}

function digest(s: string): string {
  return createHash("sha256").update(s).digest("hex").slice(0, 16);
}

/** The first line where two texts differ, for failure messages. */
function firstDifference(a: string, b: string): string {
  const la = a.split("\n");
  const lb = b.split("\n");
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) return `line ${i + 1}: sent ${JSON.stringify(la[i]?.slice(0, 80))}, stored ${JSON.stringify(lb[i]?.slice(0, 80))}`;
  }
  return "no line differs (line ends?)";
}

/**
 * Checks a stored copy against what was sent: byte for byte where the server stores the
 * exact bytes; otherwise the body after the header section with CRLF read as LF (Maildir
 * stores LF; the MTA adds trace headers above).
 */
function checkContent(copy: Delivered, sent: string): string {
  if (copy.exact) {
    const want = Buffer.from(sent, "utf8");
    check(copy.raw.equals(want),
      `stored bytes differ from the sent message (${copy.raw.length} vs ${want.length} bytes; ${firstDifference(sent.replace(/\r\n/g, "\n"), copy.raw.toString("utf8").replace(/\r\n/g, "\n"))})`);
    return "byte-exact";
  }
  const want = bodyOf(sent);
  const got = bodyOf(copy.raw);
  check(got === want, `stored body differs (${got.length} vs ${want.length} chars; ${firstDifference(want, got)})`);
  return "body identical";
}

async function delivered(ctx: Context, token: string, rcpts: string[], ms = 30_000): Promise<Delivered[]> {
  const covers = (found: Delivered[]): boolean => {
    const got = new Set(found.flatMap((d) => d.rcpts.map((r) => r.toLowerCase())));
    return found.length > 0 && rcpts.every((r) => got.has(r.toLowerCase()));
  };
  const found = await waitFor(ctx.server.box, token, covers, ms);
  check(found.length > 0, `nothing delivered within ${ms / 1000} s`);
  check(covers(found), `delivered to ${JSON.stringify(found.flatMap((d) => d.rcpts))}, expected ${JSON.stringify(rcpts)}`);
  return found;
}

function expectNoRefusals(refused: Map<string, SMTPReply>): void {
  check(refused.size === 0, `refused: ${[...refused].map(([a, r]) => `${a} ${r.code} ${r.message}`).join("; ")}`);
}

async function quit(c: SMTPClient): Promise<void> {
  const r = await c.quit();
  check(r.code === 221, `QUIT answered ${r.code}`);
}

/** Sends `msg` over a fresh plain connection and checks every recipient's stored copy. */
async function sendAndCheck(ctx: Context, spec: MessageSpec, waitMs = 30_000): Promise<string> {
  const to = spec.to ?? [ctx.server.rcpts[0]];
  const sent = message({ ...spec, to });
  const c = await openPlain(ctx, undefined, waitMs > 30_000 ? { timeout: waitMs } : {});
  expectNoRefusals(await c.sendmail(spec.from ?? SENDER, to, sent));
  await quit(c);
  const found = await delivered(ctx, spec.token, to, waitMs);
  return checkContent(found[0] as Delivered, sent);
}

/** The mechanisms of the AUTH commands in the debug output (EHLO reply lines skipped). */
function authCommands(transcript: string[]): string[] {
  return transcript
    .filter((line) => !/\b\d{3}[- ]AUTH\b/i.test(line))
    .map((line) => /\bAUTH ([A-Z0-9_-]+)/i.exec(line)?.[1]?.toUpperCase())
    .filter((m): m is string => m !== undefined);
}

function isInstance(err: unknown, cls: abstract new (...args: never[]) => Error): boolean {
  return err instanceof cls;
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { smtpCode?: unknown }).smtpCode;
    return `${err.name}${code !== undefined ? ` ${String(code)}` : ""}: ${err.message}`;
  }
  return String(err);
}

function authCapable(s: ServerDef): string | undefined {
  return s.offers.auth.length === 0 ? "no AUTH" : undefined;
}

function authMechanism(mech: string, bindName: "authPlain" | "authLogin" | "authCramMd5"): Scenario {
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
      return `235 ${r.enhancedStatus ?? ""}`.trim();
    },
  };
}

/** Lines that exercise dot transparency (RFC 5321 §4.5.2). */
const DOT_BODY = [
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
function bigBody(bytes: number): string {
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

function sizeScenario(id: string, bytes: number, timeoutMs: number): Scenario {
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

// ------------------------------------------------------------------ the scenarios

export const scenarios: Scenario[] = [
  {
    id: "plain",
    title: "sendmail over a plain connection; content checked",
    notOffered: () => undefined,
    timeoutMs: 40_000,
    async run(ctx) {
      return sendAndCheck(ctx, { token: randomUUID(), subject: "plain send" });
    },
  },
  {
    id: "starttls",
    title: "starttls() verified against the test CA, then sendmail",
    notOffered: (s) => (s.offers.starttls ? undefined : "no STARTTLS"),
    timeoutMs: 40_000,
    async run(ctx) {
      const token = randomUUID();
      const to = [ctx.server.rcpts[0]];
      const sent = message({ token, to, subject: "starttls" });
      const c = await openStarttls(ctx);
      expectNoRefusals(await c.sendmail(SENDER, to, sent));
      await quit(c);
      const found = await delivered(ctx, token, to);
      return checkContent(found[0] as Delivered, sent);
    },
  },
  {
    id: "starttls-untrusted",
    title: "starttls() without the test CA is refused (certificate not trusted)",
    notOffered: (s) => (s.offers.starttls ? undefined : "no STARTTLS"),
    timeoutMs: 30_000,
    async run(ctx) {
      const c = await track(ctx, plainClass(ctx).connect(ctx.server.host, ctx.server.port, { ...options(ctx), tls: {} }));
      await c.ehlo();
      try {
        await c.starttls();
      } catch (err) {
        check(isInstance(err, ctx.lib.SMTPException), `expected an SMTPException, got ${describe(err)}`);
        return describe(err).slice(0, 100);
      }
      throw new Error("starttls() succeeded against a certificate from an unknown CA");
    },
  },
  {
    id: "implicit-tls",
    title: "SMTP_SSL (implicit TLS) verified against the test CA, then sendmail",
    notOffered: (s) => (s.offers.implicitTls ? undefined : "no implicit-TLS port"),
    timeoutMs: 40_000,
    async run(ctx) {
      const token = randomUUID();
      const to = [ctx.server.rcpts[0]];
      const sent = message({ token, to, subject: "implicit tls" });
      const c = await openImplicit(ctx);
      expectNoRefusals(await c.sendmail(SENDER, to, sent));
      await quit(c);
      const found = await delivered(ctx, token, to);
      return checkContent(found[0] as Delivered, sent);
    },
  },
  {
    id: "login",
    title: "login() after STARTTLS (the library picks the mechanism), then sendmail",
    notOffered: authCapable,
    timeoutMs: 40_000,
    async run(ctx) {
      const c = await openStarttls(ctx);
      const r = await c.login(ctx.user, ctx.password);
      check(r.code === 235, `login answered ${r.code} ${r.message}`);
      const token = randomUUID();
      const to = [ctx.server.rcpts[0]];
      expectNoRefusals(await c.sendmail(SENDER, to, message({ token, to, subject: "after login" })));
      await quit(c);
      await delivered(ctx, token, to);
      const used = authCommands(ctx.transcript);
      return `235 via ${used.length > 0 ? used.join(" then ") : "(no AUTH command seen in debug output)"}`;
    },
  },
  authMechanism("PLAIN", "authPlain"),
  authMechanism("LOGIN", "authLogin"),
  authMechanism("CRAM-MD5", "authCramMd5"),
  {
    id: "auth-scram-sha-256",
    title: "login() uses SCRAM-SHA-256 where offered (the strongest built-in)",
    notOffered: (s) => (s.offers.auth.includes("SCRAM-SHA-256") ? undefined : "SCRAM-SHA-256 not offered"),
    timeoutMs: 30_000,
    async run(ctx) {
      const c = await openStarttls(ctx);
      const r = await c.login(ctx.user, ctx.password);
      check(r.code === 235, `login answered ${r.code} ${r.message}`);
      const used = authCommands(ctx.transcript);
      check(used.length === 1 && used[0] === "SCRAM-SHA-256", `AUTH commands in the debug output: ${used.join(", ") || "none"}`);
      await quit(c);
      return "235 via SCRAM-SHA-256";
    },
  },
  {
    id: "auth-wrong-password",
    title: "login() with a wrong password throws SMTPAuthenticationError",
    notOffered: authCapable,
    timeoutMs: 30_000,
    async run(ctx) {
      const c = await openStarttls(ctx);
      try {
        await c.login(ctx.user, "wrong-password");
      } catch (err) {
        check(isInstance(err, ctx.lib.SMTPAuthenticationError), `expected SMTPAuthenticationError, got ${describe(err)}`);
        return `tried ${authCommands(ctx.transcript).join(", ")}; ${describe(err).slice(0, 100)}`;
      }
      throw new Error("login with a wrong password succeeded");
    },
  },
  {
    id: "refused-sender",
    title: "a sender refused at MAIL throws SMTPSenderRefused",
    notOffered: (s) => (s.offers.refusesSender ? undefined : "no sender policy"),
    timeoutMs: 30_000,
    async run(ctx) {
      const c = await openPlain(ctx);
      try {
        await c.sendmail(REFUSED_SENDER, [ctx.server.rcpts[0]], message({ token: randomUUID(), to: [ctx.server.rcpts[0]] }));
      } catch (err) {
        check(isInstance(err, ctx.lib.SMTPSenderRefused), `expected SMTPSenderRefused, got ${describe(err)}`);
        const e = err as Error & { smtpCode?: number; sender?: string };
        check(e.sender === REFUSED_SENDER, `sender is ${String(e.sender)}`);
        check(typeof e.smtpCode === "number" && e.smtpCode >= 500 && e.smtpCode < 600, `smtpCode ${String(e.smtpCode)}`);
        const r = await c.noop();
        check(r.code === 250, `NOOP after the refusal answered ${r.code}`);
        await quit(c);
        return `${e.smtpCode}`;
      }
      throw new Error("sendmail with a refused sender succeeded");
    },
  },
  {
    id: "refused-recipient",
    title: "one recipient refused at RCPT: returned in the map, the other delivered",
    notOffered: () => undefined,
    timeoutMs: 40_000,
    async run(ctx) {
      const token = randomUUID();
      const good = ctx.server.rcpts[0];
      const bad = ctx.server.refusedRcpt;
      const c = await openPlain(ctx);
      const refused = await c.sendmail(SENDER, [good, bad], message({ token, to: [good, bad] }));
      await quit(c);
      check(refused.size === 1 && refused.has(bad), `refused map: ${JSON.stringify([...refused.keys()])}`);
      const r = refused.get(bad) as SMTPReply;
      check(r.code >= 500 && r.code < 600, `refusal code ${r.code}`);
      await delivered(ctx, token, [good]);
      return `${r.code} ${r.enhancedStatus ?? ""}`.trim();
    },
  },
  sizeScenario("1mb", 1 << 20, 60_000),
  sizeScenario("50mb", 50 << 20, 300_000),
  {
    id: "stream-50mb",
    title: "a 50 MB body as an AsyncIterable, cut at awkward places (inside CRLF, before dots); content checked",
    notOffered: () => undefined,
    timeoutMs: 300_000,
    async run(ctx) {
      const token = randomUUID();
      const to = [ctx.server.rcpts[0]];
      const sent = message({ token, to, subject: "stream", body: DOT_BODY + bigBody(50 << 20) });
      const bytes = Buffer.from(sent, "utf8");
      const sizes = [1, 2, 3, 5, 77, 4093, 65_537, 1 << 20];
      let chunks = 0;
      async function* pieces(): AsyncGenerator<Uint8Array> {
        for (let at = 0, i = 0; at < bytes.length; i++) {
          const n = sizes[i % sizes.length] as number;
          chunks += 1;
          yield bytes.subarray(at, at + n);
          at += n;
        }
      }
      const t0 = Date.now();
      const c = await openPlain(ctx, undefined, { timeout: 120_000 });
      expectNoRefusals(await c.sendmail(SENDER, to, pieces()));
      await quit(c);
      const found = await delivered(ctx, token, to, 120_000);
      return `${checkContent(found[0] as Delivered, sent)}, ${chunks} chunks, ${((Date.now() - t0) / 1000).toFixed(1)} s`;
    },
  },
  {
    id: "dot-stuffing",
    title: "lines starting with '.' arrive intact (checked in the stored message)",
    notOffered: () => undefined,
    timeoutMs: 40_000,
    async run(ctx) {
      return sendAndCheck(ctx, { token: randomUUID(), subject: "dots", body: DOT_BODY });
    },
  },
  {
    id: "smtputf8",
    title: "SMTPUTF8: non-ASCII sender and recipient, UTF-8 header, stored intact",
    notOffered: (s) => (s.offers.smtputf8 ? undefined : "no SMTPUTF8"),
    timeoutMs: 40_000,
    async run(ctx) {
      const token = randomUUID();
      const from = "jörg.müller@example.test";
      const to = ["ünïcødé.收件人@example.test"];
      const sent = message({ token, from, to, subject: "Grüße, 你好", body: "Körper: ✓ 漢字\r\n" });
      const c = await openPlain(ctx);
      expectNoRefusals(await c.sendmail(from, to, sent, ["SMTPUTF8"]));
      await quit(c);
      const found = await delivered(ctx, token, to);
      const copy = found[0] as Delivered;
      if (copy.from !== undefined) check(copy.from === from, `envelope sender stored as ${copy.from}`);
      check(headerSection(copy.raw).includes("Subject: Grüße, 你好"), "UTF-8 Subject not stored intact");
      return checkContent(copy, sent);
    },
  },
  {
    id: "smtputf8-unsupported",
    title: "a non-ASCII address to a server without SMTPUTF8: SMTPNotSupportedError, connection still usable",
    notOffered: (s) => (s.offers.smtputf8 ? "offers SMTPUTF8 (see smtputf8)" : undefined),
    timeoutMs: 30_000,
    async run(ctx) {
      const to = ["ünïcødé@example.test"];
      const c = await openPlain(ctx);
      try {
        await c.sendmail("jörg@example.test", to, message({ token: randomUUID(), to }), ["SMTPUTF8"]);
      } catch (err) {
        check(isInstance(err, ctx.lib.SMTPNotSupportedError), `expected SMTPNotSupportedError, got ${describe(err)}`);
        const r = await c.noop();
        check(r.code === 250, `NOOP afterwards answered ${r.code}`);
        await quit(c);
        return describe(err).slice(0, 100);
      }
      throw new Error("sendmail with SMTPUTF8 addresses succeeded on a server without SMTPUTF8");
    },
  },
  {
    id: "bcc",
    title: "sendMessage: To, Cc and Bcc all get it; no stored copy has a Bcc header",
    notOffered: () => undefined,
    timeoutMs: 40_000,
    async run(ctx) {
      const token = randomUUID();
      const [to, cc, bcc] = ctx.server.rcpts;
      const sent = message({ token, to: [to], cc: [cc], bcc: [bcc], subject: "bcc" });
      const c = await openPlain(ctx);
      expectNoRefusals(await c.sendMessage(sent));
      await quit(c);
      const found = await delivered(ctx, token, [to, cc, bcc]);
      for (const copy of found) {
        check(!/^bcc:/im.test(headerSection(copy.raw)), `a Bcc header was delivered (${copy.where})`);
      }
      return `${found.length} cop${found.length === 1 ? "y" : "ies"}, no Bcc header`;
    },
  },
  {
    id: "pipelining",
    title: "PIPELINING used when advertised (seen on the wire by a proxy); refusals still right",
    notOffered: (s) => (s.offers.pipelining ? undefined : "no PIPELINING"),
    timeoutMs: 40_000,
    async run(ctx) {
      const proxy = await RecordingProxy.start(ctx.server.target, ctx.server.proxyListenPath);
      try {
        const token = randomUUID();
        const [a, b] = ctx.server.rcpts;
        const bad = ctx.server.refusedRcpt;
        const c = await openPlain(ctx, proxy);
        const refused = await c.sendmail(SENDER, [a, bad, b], message({ token, to: [a, b] }));
        const noop = await c.noop();
        await quit(c);
        check(refused.size === 1 && refused.has(bad), `refused map: ${JSON.stringify([...refused.keys()])}`);
        check(noop.code === 250, `NOOP after the transaction answered ${noop.code}`);
        const { maxInFlight, commands } = proxy.analyse();
        check(maxInFlight >= 2, `commands were sent one at a time: ${commands.slice(0, 8).join(" | ")}`);
        await delivered(ctx, token, [a, b]);
        return `up to ${maxInFlight} commands in flight`;
      } finally {
        await proxy.close();
      }
    },
  },
  {
    id: "bdat",
    title: "CHUNKING/BDAT used when advertised (seen on the wire); content checked",
    notOffered: (s) => (s.offers.chunking ? undefined : "no CHUNKING"),
    timeoutMs: 40_000,
    async run(ctx) {
      const proxy = await RecordingProxy.start(ctx.server.target, ctx.server.proxyListenPath);
      try {
        const token = randomUUID();
        const to = [ctx.server.rcpts[0]];
        const sent = message({ token, to, subject: "bdat", body: DOT_BODY + bigBody(300_000) });
        const c = await openPlain(ctx, proxy);
        expectNoRefusals(await c.sendmail(SENDER, to, sent));
        await quit(c);
        const { bdatChunks, usedData } = proxy.analyse();
        check(bdatChunks > 0 && !usedData, `no BDAT on the wire (DATA used: ${usedData})`);
        const found = await delivered(ctx, token, to);
        return `${bdatChunks} BDAT chunk(s), ${checkContent(found[0] as Delivered, sent)}`;
      } finally {
        await proxy.close();
      }
    },
  },
  {
    id: "lmtp-quota",
    title: "LMTP: one reply per recipient; the over-quota one refused, the others delivered",
    notOffered: (s) => (s.offers.lmtpQuota ? undefined : "not an LMTP server"),
    timeoutMs: 40_000,
    async run(ctx) {
      const full = "full@example.test";
      const [a, b] = ctx.server.rcpts;
      const token = randomUUID();
      // Over the 1 KiB quota of full@ and nothing for the others.
      const sent = message({ token, to: [a, full, b], body: bigBody(4096) });
      const c = await openPlain(ctx);
      const refused = await c.sendmail(SENDER, [a, full, b], sent);
      check(refused.size === 1 && refused.has(full), `refused map: ${JSON.stringify([...refused].map(([k, v]) => [k, v.code]))}`);
      const r = refused.get(full) as SMTPReply;
      check(r.code === 552 || r.code === 452, `over-quota reply ${r.code} ${r.message}`);
      const noop = await c.noop();
      check(noop.code === 250, `NOOP after DATA answered ${noop.code} (replies out of step?)`);
      // Only the over-quota recipient: nobody got it, so SMTPRecipientsRefused.
      let threw = false;
      try {
        await c.sendmail(SENDER, [full], message({ token: randomUUID(), to: [full], body: bigBody(4096) }));
      } catch (err) {
        threw = true;
        check(isInstance(err, ctx.lib.SMTPRecipientsRefused), `expected SMTPRecipientsRefused, got ${describe(err)}`);
        const map = (err as { recipients?: Map<string, SMTPReply> }).recipients;
        check(map instanceof Map && map.has(full), "SMTPRecipientsRefused.recipients lacks the over-quota address");
      }
      check(threw, "sendmail to the over-quota mailbox alone did not throw");
      await quit(c);
      const found = await delivered(ctx, token, [a, b]);
      check(found.every((d) => !d.rcpts.includes(full)), "the over-quota mailbox received the message");
      return `${r.code} ${r.enhancedStatus ?? ""} for ${full}; ${a} and ${b} delivered`;
    },
  },
  {
    id: "lmtp-data-replies",
    title: "LMTP low-level mail/rcpt/data: data() carries one reply per accepted recipient",
    notOffered: (s) => (s.offers.lmtpQuota ? undefined : "not an LMTP server"),
    timeoutMs: 40_000,
    async run(ctx) {
      const full = "full@example.test";
      const [a, b] = ctx.server.rcpts;
      const token = randomUUID();
      const c = await openPlain(ctx);
      await c.ehloOrHeloIfNeeded();
      check((await c.mail(SENDER)).code === 250, "MAIL refused");
      for (const r of [a, full, b]) check((await c.rcpt(r)).code === 250, `RCPT ${r} refused`);
      const reply = await c.data(message({ token, to: [a, full, b], body: bigBody(4096) }));
      const map = reply.recipients;
      check(map instanceof Map, "data() reply has no recipients map");
      check(map.size === 3, `recipients map has ${map.size} entries`);
      check(map.get(a)?.code === 250 && map.get(b)?.code === 250, `replies for ${a}/${b}: ${map.get(a)?.code}/${map.get(b)?.code}`);
      const q = map.get(full);
      check(q !== undefined && (q.code === 552 || q.code === 452), `reply for ${full}: ${q?.code}`);
      check(reply.code === q.code, `data() reply code ${reply.code}, expected the first refusal's ${q.code}`);
      const noop = await c.noop();
      check(noop.code === 250, `NOOP afterwards answered ${noop.code}`);
      await quit(c);
      await delivered(ctx, token, [a, b]);
      return `${[...map].map(([k, v]) => `${k.split("@")[0]} ${v.code}`).join(", ")}`;
    },
  },
];
