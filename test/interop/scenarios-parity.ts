// Differential scenario: CPython's smtplib (test/interop/py_parity_driver.py) and the library
// make the same calls against the same real server; what each call came to (refused map,
// or exception class, code and text) and what the server stored (after its own trace
// headers, with the message's token taken out) must be the same.
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { dirname, join } from "node:path";
import type { SMTPClient } from "./api.js";
import { OVER_QUOTA, REFUSED_SENDER, SENDER, bigBody, check, DOT_BODY, message, openPlain, type Context, type Scenario } from "./kit.js";
import { waitFor, type Delivered } from "./mailboxes.js";

/** One case: a call made by both clients, each on its own connection. */
interface Case {
  name: string;
  op: "sendmail" | "send_message";
  from?: string;
  /** sendmail's recipients; for send_message, those its message names (not passed: each client finds them). */
  to?: string[];
  /** The message with TOKEN where each client's own token goes. */
  msg: string;
  /** Lines of 76 "x" appended to the message (an oversized one). */
  pad?: number;
  /** Sent as bytes (8-bit content: Python's sendmail encodes a str as ASCII). */
  bytes?: boolean;
  mailOptions?: string[];
  /** Python's LMTP reads one reply after the data: a documented difference, not compared. */
  pythonLmtpOneReply?: boolean;
}

/** An outcome as compared: the refused map, or the error's class, code, text and recipients. */
type Outcome = { ok: [string, number, string][] } | { error: { cls: string; code?: number; error?: string; recipients?: [string, number, string][] } };

const TOKEN = "@@TOKEN@@";
const PAD_LINE = `${"x".repeat(76)}\r\n`;

function cases(ctx: Context): Case[] {
  const s = ctx.server;
  const [a, b, c] = s.rcpts;
  const bad = s.refusedRcpt;
  const m = (to: string[], body?: string, extra: { from?: string; cc?: string[]; bcc?: string[]; subject?: string } = {}): string =>
    message({ token: TOKEN, to, body, ...extra });
  const list: Case[] = [
    { name: "plain", op: "sendmail", to: [a], msg: m([a]) },
    { name: "dots", op: "sendmail", to: [a], msg: m([a], DOT_BODY) },
    { name: "8bit", op: "sendmail", to: [a], msg: m([a], "Grüße: ✓ 漢字\r\n.ß\r\n"), bytes: true },
    { name: "one-refused", op: "sendmail", to: [a, bad, b], msg: m([a, b]), pythonLmtpOneReply: s.lmtp },
    { name: "all-refused", op: "sendmail", to: [bad], msg: m([bad]) },
    { name: "bcc", op: "send_message", to: [a, b, c], msg: m([a], undefined, { cc: [b], bcc: [c] }), pythonLmtpOneReply: s.lmtp },
    {
      name: "smtputf8", op: "sendmail", from: "jörg.müller@example.test", to: ["ünïcødé.收件人@example.test"],
      msg: m(["ünïcødé.收件人@example.test"], "Körper ✓\r\n", { from: "jörg.müller@example.test", subject: "Grüße" }),
      bytes: true, mailOptions: ["SMTPUTF8"],
    },
  ];
  const head = m([a], "");
  list.push(
    { name: "bare-cr-lf", op: "sendmail", to: [a], msg: `${head}one\rtwo\nthree\r\r\nfour\n.five\r.six\r\n` },
    { name: "no-final-eol", op: "sendmail", to: [a], msg: `${head}last line\r\n.` },
    { name: "no-final-eol-message", op: "send_message", to: [a], msg: `${head}last line` },
    { name: "long-line", op: "sendmail", to: [a], msg: `${head}${"y".repeat(3000)}\r\n.${"z".repeat(1200)}\r\n` },
    { name: "nul", op: "sendmail", to: [a], msg: `${head}a\0b\r\n` },
    { name: "null-sender", op: "sendmail", from: "", to: [a], msg: m([a]) },
    { name: "duplicate", op: "sendmail", to: [a, a, "Bob <bob@example.test>"], msg: m([a]), pythonLmtpOneReply: s.lmtp },
    { name: "quoted-local", op: "sendmail", to: [a, '"john doe"@example.test'], msg: m([a]), pythonLmtpOneReply: s.lmtp },
  );
  if (s.offers.refusesSender) list.push({ name: "refused-sender", op: "sendmail", from: REFUSED_SENDER, to: [a], msg: m([a]) });
  // Every SMTP server here has a 100 MiB SIZE limit; Dovecot's LMTP offers no SIZE.
  if (!s.lmtp) list.push({ name: "oversized", op: "sendmail", to: [a], msg: m([a], "big\r\n"), pad: Math.ceil((101 << 20) / PAD_LINE.length) });
  if (s.offers.lmtpQuota) {
    list.push({ name: "quota", op: "sendmail", to: [a, OVER_QUOTA, b], msg: m([a, b], bigBody(4096)), pythonLmtpOneReply: true },
      { name: "quota-only", op: "sendmail", to: [OVER_QUOTA], msg: m([OVER_QUOTA], bigBody(4096)), pythonLmtpOneReply: true });
  }
  return list;
}

function withToken(msg: string, token: string): string {
  return msg.split(TOKEN).join(token);
}

const driverPath = (ctx: Context): string => join(dirname(ctx.caFile), "..", "..", "py_parity_driver.py");

type PyOutcome = { ok: [string, [number, string]][] } | { error: { cls: string; code?: number; error?: string; recipients?: [string, [number, string]][] } };

/** Python drivers still running; killed should the runner exit while one runs. */
const live = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

async function runPython(ctx: Context, k: Case, token: string): Promise<Outcome> {
  const msg = withToken(k.msg, token);
  const body = k.pad !== undefined ? { str: msg, pad: k.pad } : k.bytes === true ? { b64: Buffer.from(msg, "utf8").toString("base64") } : { str: msg };
  const call = k.op === "sendmail"
    ? { op: "sendmail", from: k.from ?? SENDER, to: k.to, msg: body, mail_options: k.mailOptions ?? [] }
    : { op: "send_message", msg: body };
  ctx.signal.throwIfAborted(); // out of time: the runner has closed everything already
  const child = spawn("python3", [driverPath(ctx)], { stdio: ["pipe", "pipe", "pipe"] });
  ctx.children.push(child);
  live.add(child);
  child.once("close", () => live.delete(child));
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => { out += d.toString("utf8"); });
  child.stderr.on("data", (d: Buffer) => { err += d.toString("utf8"); });
  const status = new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", resolve);
  });
  child.stdin.end(JSON.stringify({ host: ctx.server.host, port: ctx.server.port, lmtp: ctx.server.lmtp, calls: [call] }));
  const code = await status;
  check(code === 0, `python3 driver exited with ${code}: ${err.slice(-300)}`);
  const o = (JSON.parse(out) as { outcomes: PyOutcome[] }).outcomes[0] as PyOutcome;
  const flat = (m: [string, [number, string]][]): [string, number, string][] => m.map(([addr, [c, t]]) => [addr, c, t]);
  if ("ok" in o) return { ok: flat(o.ok) };
  const e = o.error;
  return { error: { cls: e.cls, code: e.code, error: e.error, recipients: e.recipients && flat(e.recipients) } };
}

async function runOurs(ctx: Context, k: Case, token: string): Promise<Outcome> {
  const text = withToken(k.msg, token) + (k.pad !== undefined ? PAD_LINE.repeat(k.pad) : "");
  const msg = k.bytes === true ? Buffer.from(text, "utf8") : text;
  const client: SMTPClient = await openPlain(ctx, undefined, { localHostname: "client.test" });
  const flat = (m: Map<string, { code: number; message: string }>): [string, number, string][] => [...m].map(([addr, r]) => [addr, r.code, r.message]);
  try {
    const refused = k.op === "sendmail"
      ? await client.sendmail(k.from ?? SENDER, k.to ?? [], msg, k.mailOptions ?? [])
      : await client.sendMessage(msg);
    return { ok: flat(refused) };
  } catch (err) {
    const e = err as Error & { smtpCode?: number; smtpError?: string; recipients?: Map<string, { code: number; message: string }> };
    return { error: { cls: e.name, code: e.smtpCode, error: e.smtpError, recipients: e.recipients && flat(e.recipients) } };
  } finally {
    try {
      await client.quit();
    } catch {
      client.close();
    }
  }
}

/** Recipients a call reported delivered: its `to` (or the message's) less the refused. */
function deliveredTo(k: Case, o: Outcome, ctx: Context): string[] {
  if ("error" in o) return [];
  // send_message's are the message's own: taking every mailbox of the server waited 15 s for
  // each copy never sent (twice per server for a message to one), most of the scenario's time.
  const to = k.to ?? [];
  const refused = new Set(o.ok.map(([addr]) => addr));
  // Waited for: the server's own mailboxes among them (a display name taken off).
  const boxes = new Set(ctx.server.rcpts.map((r) => r.toLowerCase()));
  return [...new Set(to.filter((r) => !refused.has(r)).map((r) => (/<([^>]*)>/.exec(r)?.[1] ?? r).toLowerCase()))]
    .filter((r) => boxes.has(r) || /[^ -~]/.test(r));
}

/** A stored copy as compared: from our message's first header on, the token taken out. */
function comparable(copy: Delivered, token: string): string {
  const text = copy.raw.toString("latin1");
  const at = text.search(/^From: Interop Sender/m);
  return (at < 0 ? text : text.slice(at)).split(token).join("TOKEN");
}

/** The stored copies of `token`'s message by recipient; a recipient in `rcpts` with none after 15 s fails. */
async function stored(ctx: Context, token: string, rcpts: string[]): Promise<Map<string, string>> {
  const want = rcpts.map((r) => r.toLowerCase());
  const covers = (found: Delivered[]): boolean => {
    const got = new Set(found.flatMap((d) => d.rcpts.map((r) => r.toLowerCase())));
    return want.every((r) => got.has(r));
  };
  const found = await waitFor(ctx.server.box, token, covers, want.length > 0 ? 15_000 : 0);
  check(covers(found), `no copy of ${token} stored for some of ${show(want)} within 15 s`);
  const byRcpt = new Map<string, string>();
  for (const d of found) for (const r of d.rcpts) byRcpt.set(r.toLowerCase(), comparable(d, token));
  return byRcpt;
}

const show = (v: unknown): string => String(JSON.stringify(v)).slice(0, 400);

export const parityScenarios: Scenario[] = [
  {
    id: "python-parity",
    title: "CPython's smtplib and ours make the same calls (plain, dots, 8-bit, refusals, Bcc, SMTPUTF8, oversized, LMTP quota): same outcomes, same stored message",
    notOffered: () => undefined,
    timeoutMs: 60_000,
    async run(ctx) {
      const diffs: string[] = [];
      const documented: string[] = [];
      const pending: { k: Case; py: [string, string[]]; ts: [string, string[]] }[] = [];
      for (const k of cases(ctx)) {
        const [tp, tt] = [randomUUID(), randomUUID()];
        const py = await runPython(ctx, k, tp);
        const ts = await runOurs(ctx, k, tt);
        ctx.transcript.push(`parity ${k.name}: python ${show(py)}`, `parity ${k.name}: ours ${show(ts)}`);
        if (show(py) !== show(ts)) {
          (k.pythonLmtpOneReply === true ? documented : diffs).push(`${k.name}: python ${show(py)}, ours ${show(ts)}`);
          if (k.pythonLmtpOneReply === true) continue;
        }
        pending.push({ k, py: [tp, deliveredTo(k, py, ctx)], ts: [tt, deliveredTo(k, ts, ctx)] });
      }
      for (const { k, py, ts } of pending) {
        const [sp, st] = [await stored(ctx, ...py), await stored(ctx, ...ts)];
        const keys = [...new Set([...sp.keys(), ...st.keys()])].sort();
        ctx.transcript.push(`parity ${k.name}: stored for ${show(keys)}, ${[...sp.values()].map((v) => v.length).join("/")} bytes`);
        if (show([...sp.keys()].sort()) !== show([...st.keys()].sort())) {
          diffs.push(`${k.name}: stored for python ${show([...sp.keys()])}, ours ${show([...st.keys()])}`);
          continue;
        }
        for (const r of keys) {
          const [x, y] = [sp.get(r) ?? "", st.get(r) ?? ""];
          if (x !== y) {
            const lx = x.split("\n");
            const ly = y.split("\n");
            const i = Math.max(0, ...[lx.findIndex((l, j) => l !== ly[j]), ly.findIndex((l, j) => l !== lx[j])].filter((n) => n >= 0));
            diffs.push(`${k.name} (${r}): stored copies differ at line ${i + 1}: python ${show(lx[i])}, ours ${show(ly[i])}`);
          }
        }
      }
      check(diffs.length === 0, diffs.join("; "));
      return `${pending.length} cases identical${documented.length > 0 ? `; documented (Python's LMTP reads one reply after the data): ${documented.join("; ")}` : ""}`;
    },
  },
];
