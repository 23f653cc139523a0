import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { isIncomplete, isPositiveCompletion, makeReply, mixedLineCodes, ReplyParser, type ReplyLimits, type SMTPReply } from "../../src/protocol/reply.js";
import { parseEnhancedStatus, SMTPResponseException } from "../../src/errors.js";

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/** A reply literal built without makeReply, so the expectations do not share its code. */
function r(code: number, lines: string[], enhancedStatus?: string): SMTPReply {
  const reply: SMTPReply = { code, message: lines.join("\n"), lines };
  if (enhancedStatus !== undefined) reply.enhancedStatus = enhancedStatus;
  return reply;
}

interface Outcome {
  replies: SMTPReply[];
  error?: { code: number; message: string };
  /** The parser after the run, to check that it stays failed. */
  parser: ReplyParser;
}

function run(chunks: readonly Uint8Array[], limits?: ReplyLimits): Outcome {
  const parser = new ReplyParser(limits);
  const replies: SMTPReply[] = [];
  try {
    for (const c of chunks) replies.push(...parser.push(c));
    if (parser.failure) throw parser.failure;
  } catch (err) {
    assert.ok(err instanceof SMTPResponseException, `expected SMTPResponseException, got ${String(err)}`);
    return { replies, error: { code: err.smtpCode, message: err.smtpError }, parser };
  }
  return { replies, parser };
}

function bytes(wire: string | Uint8Array): Buffer {
  return typeof wire === "string" ? Buffer.from(wire, "utf8") : Buffer.from(wire);
}

/**
 * Split points to try: every index for inputs up to `every` bytes (10 kB unless a test of
 * many short lines asks for less, to keep the run short), else a stride plus both edges.
 */
function splitIndices(n: number, every = 10_000): number[] {
  if (n <= every) return Array.from({ length: n + 1 }, (_, i) => i);
  const out = new Set<number>();
  for (let i = 0; i <= 64; i++) { out.add(i); out.add(n - i); }
  for (let i = 0; i <= n; i += 997) out.add(i);
  return [...out].sort((a, b) => a - b);
}

/**
 * Feeds `wire` whole, byte by byte and split in two at every index, and asserts that
 * every run gives the same replies (or the same error). Returns the byte-by-byte outcome.
 * For an error, the replies completed before the bad bytes are the same too: a chunk that
 * completes replies and then hits a bad line returns them and keeps the error in
 * `failure`.
 */
function parseAllWays(wire: string | Uint8Array, limits?: ReplyLimits, every?: number): Outcome {
  const buf = bytes(wire);
  const bytewise = run([...buf].map((b) => Uint8Array.of(b)), limits);
  const runs: Array<[string, Outcome]> = [["whole", run([buf], limits)]];
  for (const i of splitIndices(buf.length, every)) runs.push([`split at ${i}`, run([buf.subarray(0, i), buf.subarray(i)], limits)]);
  for (const [name, outcome] of runs) {
    assert.deepEqual(outcome.error, bytewise.error, `${name}: error differs from byte-by-byte`);
    assert.deepEqual(outcome.replies, bytewise.replies, `${name}: replies differ from byte-by-byte`);
  }
  if (bytewise.error) assertStaysFailed(bytewise.parser, bytewise.error);
  return bytewise;
}

function expectReplies(wire: string | Uint8Array, expected: SMTPReply[], limits?: ReplyLimits): void {
  const outcome = parseAllWays(wire, limits);
  assert.equal(outcome.error, undefined, `unexpected error ${JSON.stringify(outcome.error)}`);
  assert.deepEqual(outcome.replies, expected);
  assert.equal(outcome.parser.inProgress, false);
}

function expectError(
  wire: string | Uint8Array, code: number, message: RegExp | string, limits?: ReplyLimits, before: SMTPReply[] = [],
  every?: number,
): void {
  const outcome = parseAllWays(wire, limits, every);
  assert.ok(outcome.error, "expected an error");
  assert.equal(outcome.error.code, code);
  if (typeof message === "string") assert.equal(outcome.error.message, message);
  else assert.match(outcome.error.message, message);
  assert.deepEqual(outcome.replies, before);
}

function assertStaysFailed(parser: ReplyParser, error: { code: number; message: string }): void {
  for (const more of ["250 ok\r\n", "", "\r\n"]) {
    assert.throws(() => parser.push(Buffer.from(more)), (err: unknown) => {
      assert.ok(err instanceof SMTPResponseException);
      assert.equal(err.smtpCode, error.code);
      assert.equal(err.smtpError, error.message);
      return true;
    });
  }
  assert.equal(parser.inProgress, false);
}

// ---------------------------------------------------------------------------
// Well-formed replies
// ---------------------------------------------------------------------------

describe("ReplyParser: well-formed replies", () => {
  const table: Array<[string, string | Uint8Array, SMTPReply[]]> = [
    ["single line", "220 mx.example.org ESMTP ready\r\n", [r(220, ["mx.example.org ESMTP ready"])]],
    ["multi-line", "250-mx.example.org\r\n250-PIPELINING\r\n250-SIZE 35882577\r\n250 8BITMIME\r\n",
      [r(250, ["mx.example.org", "PIPELINING", "SIZE 35882577", "8BITMIME"])]],
    ["code of the last line wins", "250-first\r\n550 last\r\n", [r(550, ["first", "last"])]],
    ["continuation codes may differ", "211-a\r\n212-b\r\n213 c\r\n", [r(213, ["a", "b", "c"])]],
    ["Python's strip of ' \\t\\r\\n' on both ends", "250  \t spaced  text \t \r\n", [r(250, ["spaced  text"])]],
    ["stray CR before CRLF is stripped", "250 ok\r\r\n", [r(250, ["ok"])]],
    ["interior CR is kept", "250 a\rb\r\n", [r(250, ["a\rb"])]],
    ["interior tabs are kept", "250 a\t\tb\r\n", [r(250, ["a\t\tb"])]],
    ["LF-only endings", "250-one\n250 two\n", [r(250, ["one", "two"])]],
    ["mixed endings", "250-one\n250-two\r\n250 three\n", [r(250, ["one", "two", "three"])]],
    ["code with nothing after", "250\r\n", [r(250, [""])]],
    ["code with nothing after, LF only", "250\n", [r(250, [""])]],
    ["code and a space only", "250 \r\n", [r(250, [""])]],
    ["empty continuation lines", "250-\r\n250-\r\n250\r\n", [r(250, ["", "", ""])]],
    ["code 000 and 999 are syntactically valid", "000 zero\r\n999 nine\r\n", [r(0, ["zero"]), r(999, ["nine"])]],
    ["text that starts with '-' after the space", "250 -dash\r\n", [r(250, ["-dash"])]],
    ["UTF-8 text", "250 héllo wörld ✓ 😀\r\n", [r(250, ["héllo wörld ✓ 😀"])]],
    ["invalid UTF-8 is replaced, never thrown", Buffer.from([0x32, 0x35, 0x30, 0x20, 0xff, 0xfe, 0x41, 0x0d, 0x0a]),
      [r(250, ["\ufffd\ufffdA"])]],
    ["truncated UTF-8 sequence", Buffer.from([0x35, 0x30, 0x30, 0x20, 0xe2, 0x9c, 0x0d, 0x0a]), [r(500, ["\ufffd"])]],
    ["several replies in one chunk", "250 a\r\n251 b\r\n252-c\r\n252 d\r\n",
      [r(250, ["a"]), r(251, ["b"]), r(252, ["c", "d"])]],
    ["a NUL inside the text is kept", "250 a\0b\r\n", [r(250, ["a\0b"])]],
  ];
  for (const [name, wire, expected] of table) {
    it(name, () => expectReplies(wire, expected));
  }

  it("keeps a partial reply across pushes and reports it in inProgress", () => {
    const p = new ReplyParser();
    assert.equal(p.inProgress, false);
    assert.deepEqual(p.push(Buffer.from("250 a\r\n25")), [r(250, ["a"])]);
    assert.equal(p.inProgress, true);
    assert.deepEqual(p.push(Buffer.from("0-b\r\n")), []);
    assert.equal(p.inProgress, true);
    assert.deepEqual(p.push(Buffer.from("250 c")), []);
    assert.equal(p.inProgress, true);
    assert.deepEqual(p.push(Buffer.from("\r\n")), [r(250, ["b", "c"])]);
    assert.equal(p.inProgress, false);
    assert.deepEqual(p.push(new Uint8Array(0)), []);
    assert.equal(p.inProgress, false);
  });

  it("accepts plain Uint8Array chunks (not Buffers), including views with an offset", () => {
    const backing = new Uint8Array(Buffer.from("xx250 ok\r\nyy"));
    const view = backing.subarray(2, 10);
    assert.deepEqual(new ReplyParser().push(view), [r(250, ["ok"])]);
  });

  it("does not keep a reference to the caller's buffer (the caller may reuse it)", () => {
    const p = new ReplyParser();
    const chunk = Buffer.from("250 hel");
    assert.deepEqual(p.push(chunk), []);
    chunk.fill(0x58); // the caller reuses its buffer for the next read
    assert.deepEqual(p.push(Buffer.from("lo\r\n")), [r(250, ["hello"])]);
  });
});

// ---------------------------------------------------------------------------
// Enhanced status codes (RFC 3463)
// ---------------------------------------------------------------------------

describe("ReplyParser: enhanced status codes", () => {
  const table: Array<[string, SMTPReply]> = [
    ["250 2.1.5 ok\r\n", r(250, ["2.1.5 ok"], "2.1.5")],
    ["550 5.1.1 User unknown\r\n", r(550, ["5.1.1 User unknown"], "5.1.1")],
    ["451 4.7.1 Try again later\r\n", r(451, ["4.7.1 Try again later"], "4.7.1")],
    ["250 2.999.999 three digits\r\n", r(250, ["2.999.999 three digits"], "2.999.999")],
    ["250 2.1.5\r\n", r(250, ["2.1.5"], "2.1.5")],
    ["250 2.1.5\tok\r\n", r(250, ["2.1.5\tok"], "2.1.5")],
    ["250-2.0.0 first\r\n250 2.0.0 last\r\n", r(250, ["2.0.0 first", "2.0.0 last"], "2.0.0")],
    // Class must equal the code's first digit.
    ["250 5.1.1 mismatched class\r\n", r(250, ["5.1.1 mismatched class"])],
    ["550 2.1.5 mismatched class\r\n", r(550, ["2.1.5 mismatched class"])],
    // Class 3 does not exist in RFC 3463.
    ["354 3.0.0 go ahead\r\n", r(354, ["3.0.0 go ahead"])],
    // Not an enhanced code.
    ["250 2.1.5ok\r\n", r(250, ["2.1.5ok"])],
    ["250 2.1\r\n", r(250, ["2.1"])],
    ["250 2.1000.5 x\r\n", r(250, ["2.1000.5 x"])],
    ["250 2..5 x\r\n", r(250, ["2..5 x"])],
    ["250 ok 2.1.5\r\n", r(250, ["ok 2.1.5"])],
    ["250 22.1.5 x\r\n", r(250, ["22.1.5 x"])],
    ["250\r\n", r(250, [""])],
  ];
  for (const [wire, expected] of table) {
    it(JSON.stringify(wire), () => expectReplies(wire, [expected]));
  }

  it("message keeps the enhanced code at its start, as Python does", () => {
    const [reply] = new ReplyParser().push(Buffer.from("250 2.1.5 Recipient ok\r\n"));
    assert.equal(reply!.message, "2.1.5 Recipient ok");
    assert.equal(reply!.enhancedStatus, "2.1.5");
  });

  it("makeReply builds the same shape", () => {
    assert.deepEqual(makeReply(250, ["2.1.5 ok", "more"]), r(250, ["2.1.5 ok", "more"], "2.1.5"));
    assert.deepEqual(makeReply(250, []), r(250, []));
    assert.equal("enhancedStatus" in makeReply(250, ["ok"]), false);
  });
});

// ---------------------------------------------------------------------------
// Malformed lines
// ---------------------------------------------------------------------------

describe("ReplyParser: malformed lines are code -1 and the parser stays failed", () => {
  const malformed = [
    "250ok\r\n", "ERROR\r\n", "ERROR\n", "25\r\n", "2\r\n", "\r\n", "\n", " 250 x\r\n", "2x0 ok\r\n",
    "250\tok\r\n", "250_ok\r\n", "250+ok\r\n", "250\rok\r\n", "-250 x\r\n", "+OK ready\r\n",
    "２５０ fullwidth digits\r\n", "25a ok\r\n", "abc def\r\n", "250-ok\r\nbad\r\n", "250-ok\r\n250x\r\n",
    "250-ok\r\n\r\n",
  ];
  for (const wire of malformed) {
    it(JSON.stringify(wire), () => expectError(wire, -1, /Malformed reply line/));
  }

  it("names the bad line in the message, with control characters escaped", () => {
    expectError("ERROR\r\n", -1, /"ERROR"/);
    const outcome = run([Buffer.from("\x1b[31mEVIL\r\n")]);
    assert.ok(outcome.error);
    assert.equal(outcome.error.message.includes("\x1b"), false);
  });

  it("a valid reply before a malformed line: the error wins and nothing after it is parsed", () => {
    // However the bytes are chunked, the 250 reply is returned first, then the error.
    expectError("250 ok\r\nERROR\r\n250 later\r\n", -1, /Malformed/, undefined, [r(250, ["ok"])]);
  });

  it("a complete reply before an overlong unfinished line is still returned (regression)", () => {
    expectError(Buffer.concat([Buffer.from("250 \r\n"), Buffer.alloc(25)]), 500, "Line too long.", { maxLineLength: 20, maxReplyBytes: 40, maxReplyLines: 3 }, [r(250, [""])]);
  });

  it("a malformed line does not fail until its line end arrives", () => {
    const p = new ReplyParser();
    assert.deepEqual(p.push(Buffer.from("ERR")), []);
    assert.equal(p.inProgress, true);
    assert.throws(() => p.push(Buffer.from("OR\r\n")), SMTPResponseException);
    assert.equal(p.inProgress, false);
  });
});

// ---------------------------------------------------------------------------
// Caps: line length, lines per reply, bytes per reply
// ---------------------------------------------------------------------------

describe("ReplyParser: line length cap", () => {
  const line = (total: number, eol = "\r\n"): string => `250 ${"x".repeat(total - 4 - eol.length)}${eol}`;

  it("a line of exactly 8192 bytes with CRLF passes", () => {
    const wire = line(8192);
    assert.equal(Buffer.byteLength(wire), 8192);
    expectReplies(wire, [r(250, ["x".repeat(8186)])]);
  });

  it("a line of exactly 8192 bytes with a bare LF passes", () => {
    expectReplies(line(8192, "\n"), [r(250, ["x".repeat(8187)])]);
  });

  it("8193 bytes with CRLF is 500 'Line too long.'", () => {
    expectError(line(8193), 500, "Line too long.");
  });

  it("8193 bytes is detected before the LF arrives", () => {
    const p = new ReplyParser();
    assert.throws(() => p.push(Buffer.from(`250 ${"x".repeat(8189)}`)), (err: unknown) => {
      assert.ok(err instanceof SMTPResponseException);
      assert.equal(err.smtpCode, 500);
      assert.equal(err.smtpError, "Line too long.");
      return true;
    });
    assertStaysFailed(p, { code: 500, message: "Line too long." });
  });

  it("8192 bytes without a line end already cannot fit (any terminator makes 8193)", () => {
    const p = new ReplyParser();
    assert.throws(() => p.push(Buffer.from(`250 ${"x".repeat(8188)}`)), /Line too long/);
  });

  it("8190 bytes plus CR waits for the LF and passes; 8191 plus CR fails at once", () => {
    const p = new ReplyParser();
    assert.deepEqual(p.push(Buffer.from(`250 ${"x".repeat(8186)}\r`)), []);
    assert.deepEqual(p.push(Buffer.from("\n")), [r(250, ["x".repeat(8186)])]);
    assert.throws(() => p.push(Buffer.from(`250 ${"x".repeat(8187)}\r`)), /Line too long/);
  });

  it("a long garbage line is 'Line too long.', not malformed", () => {
    expectError(`${"E".repeat(9000)}\r\n`, 500, "Line too long.");
  });

  it("custom maxLineLength", () => {
    const limits = { maxLineLength: 32 };
    expectReplies(line(32), [r(250, ["x".repeat(26)])], limits);
    expectError(line(33), 500, "Line too long.", limits);
  });

  it("aiosmtplib read_limit_overrun: a 180-byte line over a 128-byte cap", () => {
    const long = "220 At vero eos et accusamus et iusto odio dignissimos ducimus qui "
      + "blanditiis praesentium voluptatum deleniti atque corruptis qui "
      + "blanditiis praesentium voluptatum\n";
    expectError(long, 500, "Line too long.", { maxLineLength: 128 });
    expectReplies(long, [r(220, [long.slice(4, -1)])]);
  });
});

describe("ReplyParser: lines and bytes per reply", () => {
  it("1,000 lines pass, 1,001 lines fail with code -1 (default cap)", () => {
    const body = (n: number): string => `${"250-x\r\n".repeat(n - 1)}250 end\r\n`;
    // 7 kB of short lines: every split point of these is slow, so a stride (small caps below
    // are checked at every index).
    const ok = parseAllWays(body(1000), undefined, 1000);
    assert.equal(ok.error, undefined);
    assert.equal(ok.replies[0]!.lines.length, 1000);
    expectError(body(1001), -1, /Reply too long: more than 1000 lines/, undefined, [], 1000);
  });

  it("the line cap fires on the offending line, before the rest of the reply is read", () => {
    const p = new ReplyParser({ maxReplyLines: 3 });
    assert.deepEqual(p.push(Buffer.from("250-a\r\n250-b\r\n250-c\r\n")), []);
    assert.throws(() => p.push(Buffer.from("250-d\r\n")), /Reply too long/);
    expectError("250-a\r\n250-b\r\n250-c\r\n250 d\r\n", -1, /more than 3 lines/, { maxReplyLines: 3 });
    expectReplies("250-a\r\n250-b\r\n250 c\r\n", [r(250, ["a", "b", "c"])], { maxReplyLines: 3 });
  });

  it("the caps are per reply, not per connection", () => {
    const limits = { maxReplyLines: 2, maxReplyBytes: 20 };
    expectReplies("250-a\r\n250 b\r\n251-c\r\n251 d\r\n", [r(250, ["a", "b"]), r(251, ["c", "d"])], limits);
  });

  it("64 KiB reply passes, one byte more fails (default cap)", () => {
    // 64 lines of 1024 bytes = 65,536 bytes.
    const line = (sep: string): string => `250${sep}${"y".repeat(1024 - 6)}\r\n`;
    const exact = `${line("-").repeat(63)}${line(" ")}`;
    assert.equal(Buffer.byteLength(exact), 65536);
    const ok = parseAllWays(exact);
    assert.equal(ok.error, undefined);
    assert.equal(ok.replies.length, 1);
    const over = `${line("-").repeat(63)}250 ${"y".repeat(1024 - 5)}\r\n`;
    assert.equal(Buffer.byteLength(over), 65537);
    expectError(over, -1, /Reply too long/);
  });

  it("custom maxReplyBytes counts line ends", () => {
    const limits = { maxReplyBytes: 16 };
    expectReplies("250-abc\r\n250 d\r\n", [r(250, ["abc", "d"])], limits); // 9 + 7 = 16
    expectError("250-abc\r\n250 de\r\n", -1, /Reply too long/, limits); // 17
  });

  it("aiosmtplib continuation overrun: endless 250-spam lines over a 128-byte cap", () => {
    expectError("250-spam\r\n".repeat(100), -1, /Reply too long/, { maxReplyBytes: 128 });
  });

  it("aiosmtplib no-newline overrun: 500 bytes without a line end over a 128-byte reply cap", () => {
    expectError("2".repeat(500), -1, /Reply too long/, { maxReplyBytes: 128 });
  });

  it("a partial line that cannot fit the reply cap fails before its line end arrives", () => {
    const p = new ReplyParser({ maxReplyBytes: 20 });
    assert.deepEqual(p.push(Buffer.from("250-0123456789\r\n")), []); // 16 bytes
    assert.throws(() => p.push(Buffer.from("250 ")), /Reply too long/); // 20 bytes and no line end yet
  });

  it("when a line breaks both caps, the one broken first wins, however it is chunked", () => {
    const limits = { maxLineLength: 20, maxReplyBytes: 40 };
    const long = `250 ${"z".repeat(19)}\r\n`; // 25 bytes
    // 32 bytes before it: the reply cap (8 more bytes) breaks before the line cap (20).
    expectError(`250-0123456789\r\n250-0123456789\r\n${long}`, -1, /Reply too long/, limits);
    // 16 bytes before it: the line cap (20) breaks before the reply cap (24 more bytes).
    expectError(`250-0123456789\r\n${long}`, 500, "Line too long.", limits);
    // A malformed line that also breaks a cap: the cap wins (it is known before the LF).
    expectError(`250-0123456789\r\n250-0123456789\r\nERROR-ERROR\r\n`, -1, /Reply too long/, limits);
  });

  it("a partial line that still fits the reply cap waits", () => {
    const p = new ReplyParser({ maxReplyBytes: 20 });
    assert.deepEqual(p.push(Buffer.from("250-0123456789\r\n")), []);
    assert.deepEqual(p.push(Buffer.from("250")), []);
    assert.deepEqual(p.push(Buffer.from("\n")), [r(250, ["0123456789", ""])]);
  });
});

// ---------------------------------------------------------------------------
// aiosmtplib's reply-reading cases
// ---------------------------------------------------------------------------

describe("ReplyParser: aiosmtplib cases", () => {
  it("data received in two reads gives two replies", () => {
    const p = new ReplyParser();
    assert.deepEqual(p.push(Buffer.from("220 Hi\r\n")), [r(220, ["Hi"])]);
    assert.deepEqual(p.push(Buffer.from("221 Hi again!\r\n")), [r(221, ["Hi again!"])]);
  });

  it("a partial line at EOF is left in progress (the transport reports a disconnect)", () => {
    const p = new ReplyParser();
    assert.deepEqual(p.push(Buffer.from("499 incomplete response\\")), []);
    assert.equal(p.inProgress, true);
  });

  it("badly encoded text still gives the code", () => {
    expectReplies(Buffer.from([...Buffer.from("250 "), 0xff, 0xff, 0xff, 0xff, 0x0d, 0x0a]), [r(250, ["\ufffd".repeat(4)])]);
  });

  it("ERROR then a valid reply: the connection is poisoned, the 250 is never delivered", () => {
    expectError("ERROR\r\n250 ok\r\n", -1, /Malformed/);
  });

  it("multi-line EXPN reply", () => {
    expectReplies("250-Joseph Blow <jblow@example.com>\r\n250 Alice Smith <asmith@example.com>\r\n",
      [r(250, ["Joseph Blow <jblow@example.com>", "Alice Smith <asmith@example.com>"])]);
  });

  it("multi-line EHLO reply", () => {
    const wire = ["250-localhost", "250-PIPELINING", "250-8BITMIME", "250-SIZE 512000", "250-DSN",
      "250-ENHANCEDSTATUSCODES", "250-EXPN", "250-HELP", "250-SAML", "250-SEND", "250-SOML", "250-TURN",
      "250-XADR", "250-XSTA", "250-ETRN", "250 XGEN"].join("\r\n") + "\r\n";
    const [reply] = parseAllWays(wire).replies;
    assert.equal(reply!.code, 250);
    assert.equal(reply!.lines.length, 16);
    assert.equal(reply!.lines[3], "SIZE 512000");
  });
});

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

/** Python's bytes.strip(b' \t\r\n'), written independently of the parser. */
function pyStrip(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && " \t\r\n".includes(s[a]!)) a++;
  while (b > a && " \t\r\n".includes(s[b - 1]!)) b--;
  return s.slice(a, b);
}

function refEnhanced(code: number, first: string): string | undefined {
  const m = /^([245])\.([0-9]{1,3})\.([0-9]{1,3})(?:[ \t]|$)/.exec(first);
  return m && Number(m[1]) === Math.floor(code / 100) ? `${m[1]}.${m[2]}.${m[3]}` : undefined;
}

interface WireLine { text: string; padBefore: string; padAfter: string; eol: string; bare: boolean }

const textArb = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme-ascii", maxLength: 40 }),
  fc.constantFrom("2.1.5 ok", "5.1.1 no such user", "4.7.1", "2.0.0\tdone", "OK", "", "  ", "é✓😀"),
).map((s) => s.replace(/[\r\n]/g, ""));

const lineArb: fc.Arbitrary<WireLine> = fc.record({
  text: textArb,
  padBefore: fc.constantFrom("", " ", "\t", "  \t"),
  padAfter: fc.constantFrom("", " ", "\t ", "\r"),
  eol: fc.constantFrom("\r\n", "\n"),
  bare: fc.boolean(),
});

const replyArb = fc.record({
  code: fc.integer({ min: 0, max: 999 }),
  lines: fc.array(lineArb, { minLength: 1, maxLength: 6 }),
});

function render(reply: { code: number; lines: WireLine[] }): string {
  const code = String(reply.code).padStart(3, "0");
  return reply.lines.map((l, i) => {
    const sep = i === reply.lines.length - 1 ? " " : "-";
    const content = l.padBefore + l.text + l.padAfter;
    // A final line with no text may be sent as just the code.
    if (sep === " " && l.bare && pyStrip(content) === "") return `${code}${l.eol}`;
    return `${code}${sep}${content}${l.eol}`;
  }).join("");
}

function expected(reply: { code: number; lines: WireLine[] }): SMTPReply {
  // Expected text is what survives UTF-8 round-tripping (lone surrogates become U+FFFD).
  const lines = reply.lines.map((l) => pyStrip(Buffer.from(l.padBefore + l.text + l.padAfter, "utf8").toString("utf8")));
  return r(reply.code, lines, refEnhanced(reply.code, lines[0]!));
}

describe("parseEnhancedStatus: property", () => {
  it("agrees with the RFC 3463 pattern on text built from digits, dots and blanks", () => {
    // Text drawn from a tiny alphabet reaches every edge: 0 or 4 digits, missing dots,
    // a code of another class, a blank, a tab or a letter after the last digits.
    const text = fc.array(fc.constantFrom("0", "1", "2", "4", "5", "9", ".", " ", "\t", "x"), { maxLength: 12 }).map((a) => a.join(""));
    fc.assert(fc.property(fc.constantFrom(250, 251, 354, 421, 450, 550, 554, 199, 0), text, (code, first) => {
      assert.equal(parseEnhancedStatus(code, first), refEnhanced(code, first));
    }), { numRuns: 20000 });
  });
});

/** `wire` cut into chunks at the given points (each taken modulo its length + 1). */
function cutAt(wire: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let prev = 0;
  for (const p of points) { chunks.push(wire.subarray(prev, p)); prev = p; }
  chunks.push(wire.subarray(prev));
  return chunks;
}

describe("ReplyParser: properties", () => {
  it("arbitrary replies rendered to wire form and split arbitrarily parse back exactly", () => {
    fc.assert(fc.property(
      fc.array(replyArb, { minLength: 1, maxLength: 5 }),
      fc.array(fc.nat(), { maxLength: 8 }),
      (replies, cuts) => {
        const wire = Buffer.from(replies.map(render).join(""), "utf8");
        const outcome = run(cutAt(wire, cuts));
        assert.equal(outcome.error, undefined);
        assert.deepEqual(outcome.replies, replies.map(expected));
        assert.equal(outcome.parser.inProgress, false);
      },
    ), { numRuns: 300 });
  });

  it("the same, fed whole, byte by byte and at every split point", () => {
    fc.assert(fc.property(fc.array(replyArb, { minLength: 1, maxLength: 3 }), (replies) => {
      const outcome = parseAllWays(Buffer.from(replies.map(render).join(""), "utf8"));
      assert.deepEqual(outcome.replies, replies.map(expected));
    }), { numRuns: 60 });
  });

  it("replies that repeat (answered from the parser's recent replies) parse exactly as when first seen, however they are chunked", () => {
    // A small pool, drawn from again and again: the same reply comes back to back, after
    // others, past the number remembered, and as a line of a multi-line reply.
    const pool = fc.array(replyArb, { minLength: 1, maxLength: 7 });
    fc.assert(fc.property(pool, fc.array(fc.nat(), { minLength: 1, maxLength: 40 }), fc.array(fc.nat(), { maxLength: 6 }), (replies, picks, cuts) => {
      const sequence = picks.map((p) => replies[p % replies.length]!);
      const wire = Buffer.from(sequence.map(render).join(""), "utf8");
      const outcome = run(cutAt(wire, cuts));
      assert.equal(outcome.error, undefined);
      assert.deepEqual(outcome.replies, sequence.map(expected));
    }), { numRuns: 400 });
  });

  it("a stream of replies drawn from a small pool, raw bytes included, parses as each reply does alone in a new parser", () => {
    // The oracle has no memory of earlier replies: each reply parsed by a parser of its own.
    const byteReply = fc.tuple(fc.constantFrom("250 ", "550 ", "250-", "354 "), fc.uint8Array({ maxLength: 12 }), fc.constantFrom("\r\n", "\n"))
      .map(([head, body, eol]) => {
        const text = Buffer.from(body.filter((b) => b !== 0x0d && b !== 0x0a));
        const line = Buffer.concat([Buffer.from(head), text, Buffer.from(eol)]);
        // A continuation line needs a last line after it.
        return head.endsWith("-") ? Buffer.concat([line, Buffer.from(`${head.slice(0, 3)} end\r\n`)]) : line;
      });
    const wireReply = fc.oneof(replyArb.map((r) => Buffer.from(render(r), "utf8")), byteReply);
    fc.assert(fc.property(fc.array(wireReply, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { minLength: 1, maxLength: 30 }), fc.array(fc.nat(), { maxLength: 6 }), (pool, picks, cuts) => {
      const sequence = picks.map((p) => pool[p % pool.length]!);
      const alone = sequence.flatMap((wire) => new ReplyParser().push(wire));
      const outcome = run(cutAt(Buffer.concat(sequence), cuts));
      assert.equal(outcome.error, undefined);
      assert.deepEqual(outcome.replies, alone);
    }), { numRuns: 500 });
  });

  it("a repeated reply is a new object each time: changing one changes no other", () => {
    const [a, b, c] = new ReplyParser().push(Buffer.from("250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n"));
    a!.lines.push("changed");
    a!.message = "changed";
    assert.notEqual(a, b);
    assert.deepEqual(b, r(250, ["2.1.5 Ok"], "2.1.5"));
    assert.deepEqual(c, r(250, ["2.1.5 Ok"], "2.1.5"));
  });

  it("a line remembered as a one-line reply is not taken for one inside a multi-line reply, nor the other way round", () => {
    expectReplies("250 same\r\n250-same\r\n250 same\r\n250 same\r\n250-other\r\n250 other\r\n250 other\r\n", [
      r(250, ["same"]), r(250, ["same", "same"]), r(250, ["same"]), r(250, ["other", "other"]), r(250, ["other"]),
    ]);
  });

  it("repeated replies with bytes that are not UTF-8 (Latin-1 text, a C1 byte) parse as the first time (regression)", () => {
    // A lone 0xE9 decodes to U+FFFD: the same length as the byte, and not a high byte any
    // more, so the line once passed for plain ASCII and its repeats came back as "é".
    const line = (text: number[]): Buffer => Buffer.concat([Buffer.from("550 "), Buffer.from(text), Buffer.from("\r\n")]);
    const latin1 = line([0x63, 0x61, 0x66, 0xe9]);
    const c1 = line([0x78, 0x9b, 0x79]);
    const utf8 = Buffer.from("550 café\r\n", "utf8");
    const outcome = parseAllWays(Buffer.concat([latin1, latin1, c1, c1, utf8, utf8, latin1]));
    assert.equal(outcome.error, undefined);
    assert.deepEqual(outcome.replies.map((x) => x.message), ["caf\ufffd", "caf\ufffd", "x\ufffdy", "x\ufffdy", "café", "café", "caf\ufffd"]);
  });

  it("repeated replies with a bare LF, trailing blanks or no text parse as the first time", () => {
    expectReplies("250 ok\n250 ok\n250 ok \r\n250 ok \r\n250 \r\n250 \r\n250\r\n250\r\n250 ok\r\n250 ok\n", [
      r(250, ["ok"]), r(250, ["ok"]), r(250, ["ok"]), r(250, ["ok"]), r(250, [""]), r(250, [""]), r(250, [""]), r(250, [""]),
      r(250, ["ok"]), r(250, ["ok"]),
    ]);
  });

  it("arbitrary bytes never throw anything but SMTPResponseException, and chunking never changes the error", () => {
    const byteLine = fc.oneof(
      fc.uint8Array({ maxLength: 12 }),
      fc.constantFrom(Buffer.from("250-"), Buffer.from("250 "), Buffer.from("\r\n"), Buffer.from("\n"), Buffer.from("25")),
    );
    fc.assert(fc.property(fc.array(byteLine, { maxLength: 8 }), (parts) => {
      parseAllWays(Buffer.concat(parts), { maxReplyBytes: 40, maxLineLength: 20, maxReplyLines: 3 });
    }), { numRuns: 300 });
  });
});

// ---------------------------------------------------------------------------
// Each line's own code (for the debug trace)
// ---------------------------------------------------------------------------

/** Every way of feeding `wire` that parseAllWays uses; each run's replies with their line codes. */
function lineCodesAllWays(wire: string): Array<[string, Array<readonly number[] | undefined>]> {
  const buf = Buffer.from(wire, "utf8");
  const runs: Array<[string, Uint8Array[]]> = [["whole", [buf]], ["byte by byte", [...buf].map((b) => Uint8Array.of(b))]];
  for (const i of splitIndices(buf.length)) runs.push([`split at ${i}`, [buf.subarray(0, i), buf.subarray(i)]]);
  return runs.map(([name, chunks]) => {
    const outcome = run(chunks);
    assert.equal(outcome.error, undefined, name);
    return [name, outcome.replies.map(mixedLineCodes)];
  });
}

describe("ReplyParser: each line's code", () => {
  const table: Array<[string, string, Array<readonly number[] | undefined>]> = [
    ["lines that share a code keep none", "250-a\r\n250-b\r\n250 c\r\n", [undefined]],
    ["a one-line reply keeps none", "220 b\r\n", [undefined]],
    ["the last line differs", "250-a\r\n220 b\r\n", [[250, 220]]],
    ["a middle line differs", "250-a\r\n550-b\r\n250 c\r\n", [[250, 550, 250]]],
    ["every line differs", "211-a\r\n212-b\r\n213 c\r\n", [[211, 212, 213]]],
    ["the second line differs, the rest agree with it", "250-a\r\n354-b\r\n354-c\r\n354 d\r\n", [[250, 354, 354, 354]]],
    ["per reply: a mixed one between ordinary ones", "250-x\r\n250 y\r\n250-a\r\n220 b\r\n250-x\r\n250 y\r\n250 z\r\n",
      [undefined, [250, 220], undefined, undefined]],
  ];
  for (const [name, wire, expected] of table) {
    it(`${name}, fed whole, byte by byte and split at every index`, () => {
      for (const [how, codes] of lineCodesAllWays(wire)) assert.deepEqual(codes, expected, how);
    });
  }

  it("the reply itself is unchanged: the last line's code, the usual shape", () => {
    const [reply] = new ReplyParser().push(Buffer.from("250-a\r\n220 b\r\n"));
    assert.deepEqual(reply, r(220, ["a", "b"]));
    assert.deepEqual(Object.keys(reply!), ["code", "message", "lines"]);
  });

  it("property: a reply's lines with codes drawn at random come back with exactly those codes, however chunked", () => {
    const codes = fc.array(fc.constantFrom(220, 250, 354, 550), { minLength: 1, maxLength: 5 });
    fc.assert(fc.property(fc.array(codes, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 6 }), (replies, cuts) => {
      const wire = replies.map((cs) => cs.map((c, i) => `${c}${i === cs.length - 1 ? " " : "-"}line ${i}\r\n`).join("")).join("");
      const outcome = run(cutAt(Buffer.from(wire), cuts));
      assert.equal(outcome.error, undefined);
      assert.deepEqual(outcome.replies.map((x) => x.code), replies.map((cs) => cs[cs.length - 1]));
      assert.deepEqual(outcome.replies.map(mixedLineCodes), replies.map((cs) => (cs.every((c) => c === cs[0]) ? undefined : cs)));
    }), { numRuns: 500 });
  });
});

describe("reply classes (RFC 5321 §4.2.1)", () => {
  it("isPositiveCompletion is the 2yz class; isIncomplete the 1yz and 3yz classes, for every three-digit code", () => {
    for (let code = 0; code <= 999; code++) {
      const first = Math.floor(code / 100);
      assert.equal(isPositiveCompletion(code), first === 2, String(code));
      assert.equal(isIncomplete(code), first === 1 || first === 3, String(code));
    }
    // -1, the library's "no valid reply", is neither.
    assert.equal(isPositiveCompletion(-1), false);
    assert.equal(isIncomplete(-1), false);
  });
});
