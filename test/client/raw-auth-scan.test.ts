// RawAuthScan: finding an AUTH command in raw bytes is the same whether they come whole,
// byte by byte, split at every index, or cut anywhere (property).

import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { RawAuthScan } from "../../src/client/raw-auth-scan.js";

/** What scanning `chunks` in order finds: the first result that is not -1, or -1. */
function found(chunks: readonly Buffer[]): number {
  const scan = new RawAuthScan();
  for (const c of chunks) {
    const before = scan.scan(c);
    if (before >= 0) return before;
  }
  return -1;
}

function cuts(buf: Buffer, points: readonly number[]): Buffer[] {
  const at = [...new Set(points.map((p) => p % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of at) { out.push(buf.subarray(prev, p)); prev = p; }
  out.push(buf.subarray(prev));
  return out;
}

const lineArb = fc.oneof(
  fc.constantFrom("NOOP", "AUTH LOGIN", "auth\tplain x", "  AUTH PLAIN", "\u00a0auth login", "AUTHX", "AU TH", "xauth y", "AUTH", "MAIL FROM:<a@b>", ""),
  fc.string({ unit: fc.constantFrom("a", "u", "t", "h", "A", "U", "T", "H", " ", "\t", "\r", "x"), maxLength: 8 }),
);
const rawArb = fc.array(fc.tuple(lineArb, fc.constantFrom("\r\n", "\n", " ", "")), { maxLength: 6 })
  .map((parts) => Buffer.from(parts.map(([l, e]) => l + e).join(""), "latin1"));

test("the same AUTH line is found whole, byte by byte and split in two at every index", () => {
  for (const text of ["AUTH LOGIN\r\n", "NOOP\r\nNOOP\r\n \tauth plain dGVzdA==\r\n", "NOOP\r\nAUTHX\r\nAU TH\r\n", "RSET\r\nAUTH\r\n"]) {
    const buf = Buffer.from(text, "latin1");
    const whole = found([buf]);
    assert.equal(found([...buf].map((b) => Buffer.of(b))), whole, `${JSON.stringify(text)} byte by byte`);
    for (let i = 0; i <= buf.length; i++) assert.equal(found([buf.subarray(0, i), buf.subarray(i)]), whole, `${JSON.stringify(text)} split at ${i}`);
  }
  assert.equal(found([Buffer.from("NOOP\r\nAUTH LOGIN\r\n")]), 1);
  assert.equal(found([Buffer.from("NOOP\r\nAUTHX LOGIN\r\n")]), -1);
});

test("property: cut anywhere, raw bytes give the AUTH line (and the replies due before it) that they give whole", () => {
  fc.assert(fc.property(rawArb, fc.array(fc.nat(), { maxLength: 6 }), (buf, points) => {
    assert.equal(found(cuts(buf, points)), found([buf]));
  }), { numRuns: 3000 });
});

test("replies read for earlier raw lines are not counted again; a line sent by a command ends the line in progress", () => {
  const scan = new RawAuthScan();
  assert.equal(scan.scan(Buffer.from("NOOP\r\nNOOP\r\n")), -1);
  scan.answered();
  assert.equal(scan.scan(Buffer.from("AUTH LOGIN\r\n")), 1);
  assert.equal(scan.scan(Buffer.from("AU")), -1);
  assert.equal(scan.head, "AU");
  scan.endLine();
  assert.equal(scan.scan(Buffer.from("TH LOGIN\r\n")), -1);
});

test("mayBeScram: the mechanism after AUTH names SCRAM, or is cut off where the write ends", () => {
  const mayBe = (...writes: string[]): boolean => {
    const scan = new RawAuthScan();
    for (const w of writes) if (scan.scan(Buffer.from(w)) >= 0) return scan.mayBeScram;
    throw new Error("no AUTH found");
  };
  assert.equal(mayBe("AUTH SCRAM-SHA-256 biws\r\n"), true);
  assert.equal(mayBe("auth\tscram-sha-256-plus\r\n"), true);
  assert.equal(mayBe("AUTH PLAIN AHUAcA==\r\n"), false);
  assert.equal(mayBe("NOOP\r\nAUTH LOGIN\r\n"), false);
  assert.equal(mayBe("AUTH SCR"), true);
  assert.equal(mayBe("AU", "TH "), true);
  assert.equal(mayBe("AUTH", " PLAIN"), false);
});

test("the line in progress after an AUTH line in the same write is followed on", () => {
  const scan = new RawAuthScan();
  assert.equal(scan.scan(Buffer.from("AUTH LOGIN\r\n  AU")), 0);
  assert.equal(scan.head, " AU");
  // One reply is due before the second AUTH's: the first's.
  assert.equal(scan.scan(Buffer.from("TH LOGIN\r\n")), 1);
  const unended = new RawAuthScan();
  assert.equal(unended.scan(Buffer.from("AUTH PLAIN x")), 0);
  assert.notEqual(unended.head, "", "the AUTH line goes on: the next write starts no line");
});

test("secret: the credential of the last AUTH line or answer written raw, whatever white space precedes it; never joined to an earlier exchange's", () => {
  const scan = new RawAuthScan();
  assert.equal(scan.scan(Buffer.from("AUTH  PLAIN abcdefgh\r\n")), 0);
  assert.equal(scan.secret, "abcdefgh", "two spaces before the mechanism");
  assert.equal(scan.scan(Buffer.from("AUTH PLAIN wxyz1234\r\n")), 1, "the first AUTH's reply is due before");
  assert.equal(scan.secret, "wxyz1234", "a second AUTH line: its own initial response only");
  const open = new RawAuthScan();
  assert.equal(open.scan(Buffer.from("AUTH PLAIN abcdefgh")), 0);
  assert.equal(open.secret, "abcdefgh", "an initial response whose line is not ended yet");
  open.endLine();
  assert.equal(open.scan(Buffer.from("AUTH PLAIN wxyz1234\r\n")), 0);
  assert.equal(open.secret, "wxyz1234", "the line a command ended is not continued");
});

test("secret: an answer written after a command ended the line in progress is its own, not joined to the one before", () => {
  const scan = new RawAuthScan();
  assert.equal(scan.scan(Buffer.from("AUTH LOGIN\r\n")), 0);
  assert.equal(scan.scan(Buffer.from("dXNlcm5hbWU=")), -1);
  assert.equal(scan.secret, "dXNlcm5hbWU=");
  scan.endLine();
  assert.equal(scan.scan(Buffer.from("cGFzc3dvcmQ=\r\n")), -1);
  assert.equal(scan.secret, "cGFzc3dvcmQ=");
});

/** The credentials that scanning `chunks` in order notes, sorted. */
function secretsOf(chunks: readonly Buffer[]): string[] {
  const scan = new RawAuthScan();
  for (const c of chunks) scan.scan(c);
  return [...scan.secrets].sort();
}

test("secrets: every credential of several AUTH lines and their answers in one write, the same whole, byte by byte and split at every index", () => {
  const cases: Array<[string, string[]]> = [
    ["AUTH PLAIN AHVAcGFzc3dk\r\nAUTH LOGIN\r\ndXNlcm5hbWU=\r\ncGFzc3dvcmQ=\r\n", ["AHVAcGFzc3dk", "cGFzc3dvcmQ=", "dXNlcm5hbWU="]],
    ["AUTH PLAIN AHVAcGFzc3dk\r\nMAIL FROM:<a@b>\r\n", ["AHVAcGFzc3dk", "MAIL FROM:<a@b>"]],
    ["NOOP\r\n auth\tlogin\r\ndXNlcm5hbWU=\r\ncGFzc3dvcmQ=\r\nNOOP\r\n", ["NOOP", "cGFzc3dvcmQ=", "dXNlcm5hbWU="]],
    ["NOOP\r\nXAUTH PLAIN AHVAcGFzc3dk\r\nRSET\r\n", []],
  ];
  for (const [text, expected] of cases) {
    const buf = Buffer.from(text, "latin1");
    assert.deepEqual(secretsOf([buf]), expected, `${JSON.stringify(text)} whole`);
    assert.deepEqual(secretsOf([...buf].map((b) => Buffer.of(b))), expected, `${JSON.stringify(text)} byte by byte`);
    for (let i = 0; i <= buf.length; i++) assert.deepEqual(secretsOf([buf.subarray(0, i), buf.subarray(i)]), expected, `${JSON.stringify(text)} split at ${i}`);
  }
});

test("property: cut anywhere, raw bytes note the credentials that they note whole", () => {
  fc.assert(fc.property(rawArb, fc.array(fc.nat(), { maxLength: 6 }), (buf, points) => {
    assert.deepEqual(secretsOf(cuts(buf, points)), secretsOf([buf]));
  }), { numRuns: 3000 });
});

test("maskedDue: the replies up to the last line that carried a credential; a 334 lets one more line answer; the exchange's end forgets all", () => {
  const scan = new RawAuthScan();
  scan.scan(Buffer.from("NOOP\r\nAUTH PLAIN AHVAcGFzc3dk\r\nAUTH LOGIN\r\n"));
  assert.equal(scan.maskedDue, 3);
  scan.answered();
  scan.answered();
  assert.equal(scan.maskedDue, 1);
  assert.equal(scan.mayBeScram, false);
  scan.scan(Buffer.from("AUTH SCRAM-SHA-256 biwsbj11LHI9eA==\r\n"));
  assert.equal(scan.mayBeScram, true, "a later AUTH line of the exchanges under way names SCRAM");
  scan.endExchange();
  assert.deepEqual(scan.secrets, []);
  assert.equal(scan.maskedDue, 0);
  scan.scan(Buffer.from("MAIL FROM:<a@b>\r\n"));
  assert.deepEqual(scan.secrets, [], "no line answers an exchange that is over");
  scan.challenged();
  scan.scan(Buffer.from("cGFzc3dvcmQ=\r\nNOOP\r\n"));
  assert.deepEqual(scan.secrets, ["cGFzc3dvcmQ="], "one line answers a 334");
});
