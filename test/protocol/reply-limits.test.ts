// ReplyParser on replies it refuses: malformed lines (code -1, the parser stays failed),
// the line length cap, and the caps on lines and bytes per reply.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ReplyParser } from "../../src/protocol/reply.js";
import { SMTPResponseException } from "../../src/errors.js";
import { r, run, parseAllWays, expectReplies, expectError, assertStaysFailed } from "../helpers/reply-parse.js";

// ---------------------------------------------------------------------------
// Malformed lines
// ---------------------------------------------------------------------------

describe("ReplyParser: malformed lines are code -1 and the parser stays failed", () => {
  const malformed = [
    "250ok\r\n", "ERROR\r\n", "ERROR\n", "25\r\n", "2\r\n", "\r\n", "\n", " 250 x\r\n", "2x0 ok\r\n",
    "250\tok\r\n", "250_ok\r\n", "250+ok\r\n", "250\rok\r\n", "-250 x\r\n", "+OK ready\r\n",
    "２５０ fullwidth digits\r\n", "25a ok\r\n", "abc def\r\n", "250-ok\r\nbad\r\n", "250-ok\r\n250x\r\n",
    "250-ok\r\n\r\n", "25:\r\n", "2:0 ok\r\n", ":50 ok\r\n",
    // CRs alone end the line (reply-wellformed); a CR then text is still no separator
    "250\r\rok\r\n", "250\r\r \r\n", "250-ok\r\n250\rx\r\r\n",
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
    // Each reply has the whole byte cap: one of exactly 8 bytes after another.
    expectReplies("250 ab\r\n251 cd\r\n", [r(250, ["ab"]), r(251, ["cd"])], { maxReplyBytes: 8 });
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
    // Both broken by the same byte: the line cap, as Python reads a line before the reply.
    expectError(`250 ${"z".repeat(20)}\r\n`, 500, "Line too long.", { maxLineLength: 20, maxReplyBytes: 20 });
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

describe("ReplyParser: bad caps", () => {
  it("a cap that is not a number is a TypeError, a number out of range a RangeError, naming the cap", () => {
    assert.throws(() => new ReplyParser({ maxLineLength: "8192" as unknown as number }), { name: "TypeError", message: /^limits\.maxLineLength must be an integer >= 5, got / });
    for (const [limits, message] of [
      [{ maxLineLength: 4 }, "limits.maxLineLength must be an integer >= 5, got 4"],
      [{ maxReplyBytes: 1.5 }, "limits.maxReplyBytes must be an integer >= 5, got 1.5"],
      [{ maxReplyLines: 0 }, "limits.maxReplyLines must be an integer >= 1, got 0"],
      [{ maxReplyLines: Number.NaN }, "limits.maxReplyLines must be an integer >= 1, got NaN"],
    ] as const) {
      assert.throws(() => new ReplyParser(limits), { name: "RangeError", message });
    }
  });

  it("the smallest caps are valid and hold the smallest reply", () => {
    const p = new ReplyParser({ maxLineLength: 5, maxReplyBytes: 5, maxReplyLines: 1 });
    assert.deepEqual(p.push(Buffer.from("250\r\n")), [r(250, [""])]);
  });
});
