// ReplyParser on replies it accepts: well-formed single and multi-line replies,
// enhanced status codes, aiosmtplib's cases, and the reply classes (RFC 5321 §4.2.1).

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isIncomplete, isPositiveCompletion, makeReply, ReplyParser, type SMTPReply } from "../../src/protocol/reply.js";
import { r, parseAllWays, expectReplies, expectError } from "../helpers/reply-parse.js";

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
    // Python's getreply takes line[:3] and strips CRs from the rest: CRs alone after the code end the line
    ["a doubled CR after the code alone", "250\r\r\n", [r(250, [""])]],
    ["CRs alone after the code, LF-ended run", "250\r\r\r\n221 bye\r\r\n", [r(250, [""]), r(221, ["bye"])]],
    ["a doubled CR ends a continuation and a last line", "250-a\r\r\n250-\r\r\n250\r\r\n", [r(250, ["a", "", ""])]],
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
