// The debugging server against a hostile client, by property: random command sequences
// (well formed or not, bare LF, NUL and 8-bit bytes, DATA and BDAT with any octets, junk,
// commands after QUIT) sent whole and split at random points. Asserted: no crash (an
// uncaught exception or unhandled rejection fails the test run); every command line gets
// exactly one reply (DATA's 354 then one reply to the data; in LMTP one per RCPT accepted;
// a BDAT LAST with no recipient accepted none, as documented; a malformed BDAT whose size can
// be read, one 501 after its octets); nothing after the session's
// last reply (221, 421, or the 501 of a BDAT whose size cannot be read); what the client
// received is what the transcript shows; and the session, its events in their places, is
// the same however the bytes were cut.

import { after, test } from "node:test";
import { strict as assert } from "node:assert";
import { connect as netConnect } from "node:net";
import fc from "fast-check";
import { startDebugServer, type DebugServer, type DebugServerOptions, type TranscriptEntry } from "../../src/server/debug-server.js";

/**
 * The option sets the sequences are run against (the size limits small enough to be hit; the
 * idle timeout short, so that a server that stops reading answers "421 Timeout" soon).
 */
const SETUPS: readonly DebugServerOptions[] = [
  {},
  { size: 40, extensions: { chunking: true, dsn: true } },
  { lmtp: true, extensions: { chunking: true } },
  { lmtp: true, size: 40, extensions: { size: false, chunking: true } },
  { auth: { users: { alice: "pw" }, allowInsecure: true }, maxRecipients: 2 },
  { lmtp: true, maxRecipients: 3 },
].map((setup) => ({ ...setup, socketTimeout: 3000 }));

/** A running server per setup, and the sessions whose "connection closed" line came. */
interface Running {
  readonly server: DebugServer;
  readonly closed: Map<string, () => void>;
}
const running = new Map<number, Promise<Running>>();
after(async () => {
  for (const r of running.values()) await (await r).server.close();
});

function serverFor(setup: number): Promise<Running> {
  let r = running.get(setup);
  if (r === undefined) {
    const closed = new Map<string, () => void>();
    const onTranscript = (e: TranscriptEntry): void => {
      if (e.direction === "*" && e.line === "connection closed") closed.get(e.session)?.();
    };
    r = startDebugServer({ ...SETUPS[setup], onTranscript }).then((server) => ({ server, closed }));
    running.set(setup, r);
  }
  return r;
}

const line = (text: string): fc.Arbitrary<string> => fc.constantFrom("\r\n", "\r\n", "\n", "\r\r\n").map((eol) => text + eol);
const octets = fc.string({ unit: fc.constantFrom("a", "\r", "\n", ".", "\0", "\xff", "QUIT\r\n", "\r\n.\r\n"), maxLength: 8 });
const commands = fc.constantFrom(
  "EHLO c.example", "LHLO c.example", "HELO c.example", "MAIL FROM:<a@example.org>", "MAIL FROM:<>", "MAIL FROM:<a@example.org> BODY=8BITMIME",
  "MAIL FROM:<a@example.org> BODY=BINARYMIME", "MAIL FROM:<a@example.org> SIZE=99999", "MAIL FROM:<\u00e9@example.org>", "MAIL FROM:<a@example.org> SMTPUTF8",
  "RCPT TO:<b@example.org>", "RCPT TO:<B@example.org>", "RCPT TO:<c@example.org>", "RCPT TO:<d@example.org> NOTIFY=SUCCESS,FAILURE", "RCPT TO:<postmaster>",
  "RSET", "NOOP", "HELP", "VRFY b", "VRFY", "QUIT", "", "\0", "\xff\xfe", "NOOP \x80\0", "X".repeat(600), "STARTTLS", "AUTH PLAIN AGFsaWNlAHB3",
  "AUTH PLAIN=AGFsaWNlAHB3", "\x1b[2J", "BDAT x", "BDAT -1", "BDAT 1 LAST extra", "BDAT 0 LAST", "BDAT 0", "DATA", "mail from:<a@example.org>", "rcpt to:<b@example.org>",
).chain(line);
const data = fc.constantFrom("hi\r\n", "..dot\r\n", "", "a\nb\rc\r\n", "\0\xff\r\n", `${"x".repeat(60)}\r\n`).map((body) => `DATA\r\n${body}.\r\n`);
const bdat = fc.tuple(octets, fc.boolean()).map(([bytes, last]) => `BDAT ${Buffer.byteLength(bytes, "latin1")}${last ? " LAST" : ""}\r\n${bytes}`);
// a whole transaction, so that messages come back to back in one read; and a burst of chunks
const message = fc.constantFrom("hi\r\n", "").map((body) => `MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nRCPT TO:<B@example.org>\r\nDATA\r\n${body}.\r\n`);
const burst = fc.integer({ min: 1000, max: 1500 }).map((n) => "BDAT 1\r\nx".repeat(n));
// mostly a session that gets as far as a transaction, so that its later steps are reached
const opening = fc.constantFrom("", "EHLO c.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\n", "LHLO c.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\n");
const session = fc.tuple(opening, fc.array(fc.oneof({ arbitrary: commands, weight: 8 }, { arbitrary: data, weight: 2 }, { arbitrary: bdat, weight: 4 }, { arbitrary: message, weight: 2 }, { arbitrary: burst, weight: 1 }), { minLength: 1, maxLength: 25 }))
  // whatever was left open (a DATA refused, so its body was commands) ends, then QUIT
  .map(([start, units]) => Buffer.from(`${start}${units.join("")}\r\n.\r\nQUIT\r\n`, "latin1"));

/** One session: the bytes written in pieces cut at `cuts`; what the client received, and the session's transcript lines. */
async function run(setup: number, bytes: Buffer, cuts: readonly number[]): Promise<{ received: string; lines: string[]; events: string[]; all: string[] }> {
  const { server, closed } = await serverFor(setup);
  const socket = netConnect(server.port, server.host);
  socket.setNoDelay(true);
  socket.on("error", () => undefined);
  const chunks: Buffer[] = [];
  let greeted: () => void = () => undefined;
  const greeting = new Promise<void>((resolve) => { greeted = resolve; });
  socket.on("data", (chunk: Buffer) => {
    chunks.push(chunk);
    if (chunk.includes("\n")) greeted();
  });
  await greeting; // sent earlier, the bytes would get "421 You talk too soon"
  const id = server.transcript.find((e) => e.line === `connection from 127.0.0.1:${socket.localPort}`)?.session;
  assert.ok(id !== undefined);
  const over = new Promise<void>((resolve) => closed.set(id, resolve));
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (cut <= at || socket.destroyed) continue;
    socket.write(bytes.subarray(at, cut));
    at = cut;
    await new Promise((resolve) => setImmediate(resolve));
  }
  await over;
  closed.delete(id);
  socket.destroy();
  const own = server.transcript.filter((e) => e.session === id);
  const lines = own.filter((e) => e.direction !== "*").map((e) => `${e.direction}: ${e.line}`);
  // the whole session for the comparison, events in their places, but its first and last (a port)
  const all = own.filter((e) => !/^connection (from|closed)/.test(e.line)).map((e) => `${e.direction}: ${e.line}`);
  return { received: Buffer.concat(chunks).toString("utf8"), lines, events: own.filter((e) => e.direction === "*").map((e) => e.line), all };
}

/** A command line and the replies (each its lines) and events that followed it, up to the next command line. */
interface Exchange {
  readonly command: string;
  readonly replies: string[][];
}

function exchanges(lines: readonly string[]): { greeting: string[][]; list: Exchange[] } {
  const greeting: string[][] = [];
  const list: Exchange[] = [];
  let open: string[] | undefined;
  for (const l of lines) {
    if (l.startsWith("C: ")) {
      assert.equal(open, undefined, `a reply cut off by ${l}`);
      list.push({ command: l.slice(3), replies: [] });
      continue;
    }
    const m = /^S: (\d{3})([ -]|$)/.exec(l);
    assert.ok(m, `not a reply line: ${l}`);
    if (open === undefined) (list.at(-1)?.replies ?? greeting).push(open = []);
    // RFC 5321 §4.2.1: each line of a multi-line reply has the same code
    assert.equal(open[0]?.slice(3, 6) ?? m[1], m[1], `code changed within a reply: ${l}`);
    open.push(l);
    if (m[2] !== "-") open = undefined;
  }
  assert.equal(open, undefined, "the last reply unfinished");
  return { greeting, list };
}

/** The checks of one session's exchanges (see the file's head). */
function checkSession(lines: readonly string[], lmtp: boolean, events: readonly string[]): void {
  const { greeting, list } = exchanges(lines);
  assert.equal(greeting.length, 1, "one greeting");
  assert.match(greeting[0]![0]!, /^S: 220 /);
  const code = (reply: string[] | undefined): string => reply?.at(-1)?.slice(3, 6) ?? "";
  let accepted = 0;
  let ended = false;
  for (const [i, x] of list.entries()) {
    assert.ok(!ended, `a command after the session's last reply: ${x.command}`);
    const codes = x.replies.map(code);
    const dataOf = /^<\d+ bytes of (DATA|BDAT data)>$/.exec(x.command)?.[1];
    const previous = list[i - 1]?.command ?? "";
    if (dataOf === "DATA") {
      assert.equal(code(list[i - 1]?.replies[0]), "354", "DATA's data after its 354");
      assert.equal(x.replies.length, lmtp ? accepted : 1, `replies to the data: ${codes.join(",")}`);
      accepted = 0;
    } else if (dataOf !== undefined && !/^BDAT \d+( +LAST)? *$/i.test(previous)) {
      // a malformed BDAT line whose size can be read (`BDAT 0 LAST\r`): its octets read and
      // dropped, one 501, the transaction (if any) failed, and the session goes on
      assert.match(previous, /^BDAT +\d{1,15}(?!\d)/i, "BDAT's octets after BDAT");
      assert.deepEqual(codes, ["501"], `reply to a malformed BDAT's octets: ${codes.join(",")}`);
      accepted = 0;
    } else if (dataOf !== undefined) {
      const last = / LAST/i.test(previous);
      if (!lmtp || !last) assert.equal(x.replies.length, 1, `replies to a chunk: ${codes.join(",")}`);
      else if (x.replies.length === 0) assert.ok(events.some((e) => e.startsWith("BDAT LAST with no recipient accepted: no reply")), "a BDAT LAST unanswered says so");
      else assert.ok(x.replies.length === accepted || x.replies.length === 1, `replies to BDAT LAST: ${codes.join(",")} (${accepted} RCPT accepted)`);
      if (last) accepted = 0;
    } else if (/^BDAT /i.test(x.command) && x.replies.length === 0) {
      assert.match(list[i + 1]?.command ?? "", /^<\d+ bytes of BDAT data>$/, `BDAT unanswered, and no octets: ${x.command}`);
    } else {
      assert.equal(x.replies.length, 1, `one reply to ${JSON.stringify(x.command)}: ${codes.join(",")}`);
      const verb = x.command.slice(0, 4).toUpperCase();
      if (codes[0] === "250" && (verb === "MAIL" || /^(RSET|EHLO|HELO|LHLO)$/.test(verb))) accepted = 0;
      if (codes[0] === "250" && verb === "RCPT") accepted++;
      if (codes[0] === "354") assert.match(list[i + 1]?.command ?? "", /^<\d+ bytes of DATA>$/, "354, then the data");
    }
    assert.ok(!x.replies.some((r) => / Timeout - closing connection$/.test(r.at(-1)!)), `the server stopped reading, after ${x.command}`);
    if (codes.includes("221") || codes.includes("421") || (/^BDAT /i.test(x.command) && codes[0] === "501")) ended = true;
  }
  assert.ok(ended, "the session ended with 221, 421 or BDAT's 501");
}

test("property: any command sequence, however cut: no crash, one reply per command (LMTP: per RCPT accepted), the same session whole and cut, the transcript what the client got", { timeout: 120_000 }, async () => {
  await fc.assert(fc.asyncProperty(fc.nat({ max: SETUPS.length - 1 }), session, fc.array(fc.nat(), { maxLength: 12 }), async (setup, bytes, rawCuts) => {
    const cuts = [...new Set(rawCuts.map((c) => c % bytes.length))].sort((a, b) => a - b);
    const whole = await run(setup, bytes, []);
    const cut = await run(setup, bytes, cuts);
    checkSession(whole.lines, SETUPS[setup]!.lmtp === true, whole.events);
    assert.deepEqual(cut.all, whole.all, "the same session whole and cut, events in the same places");
    assert.equal(cut.received, whole.received);
    const sent = whole.lines.filter((l) => l.startsWith("S: ")).map((l) => `${l.slice(3)}\r\n`).join("");
    assert.equal(whole.received, sent, "the transcript's S: lines are what the client received");
    (await serverFor(setup)).server.clear();
  }), { numRuns: 60 });
});
