/**
 * `RawTransactionScan`: the bytes a caller writes raw, read as command lines for what they
 * do to the transaction, give the same steps fed whole, byte by byte and split at every
 * index; a BDAT chunk's bytes are skipped; a line too long to be a command is none.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RawTransactionScan, type RawTransactionStep } from "../../src/protocol/raw-transaction.js";

/** The steps of `pieces` written one after another. */
function steps(pieces: readonly (string | Buffer)[]): RawTransactionStep[] {
  const scan = new RawTransactionScan();
  return pieces.flatMap((p) => scan.push(typeof p === "string" ? Buffer.from(p, "utf8") : p));
}

const TEXT = "NOOP\r\nMAIL FROM:<\"a b\"@x.test> SMTPUTF8 BODY=8BITMIME\r\nRCPT TO:<b@y>\r\nDATA\r\nhi\r\nRSET is a body line\r\n..\r\n.\r\n"
  + "mail from:<a@x> body=8bitmime\r\nBDAT 32\r\nMAIL FROM:<x@y> SMTPUTF8\r\nRSET\r\nBDAT 0 LAST\r\nehlo there\r\nMAIL FROM:<a@x>";
const EXPECTED: RawTransactionStep[] = [
  { utf8: true, eightBit: true }, "end", "end", { utf8: false, eightBit: true }, "end", "end",
];

describe("RawTransactionScan", () => {
  it("reads MAIL declarations and the ends (RSET, EHLO, a lone \".\", BDAT LAST); skips a BDAT chunk; a line without its LF is not read yet; with no 354 told, lines after DATA are commands", () => {
    assert.deepEqual(steps([TEXT]), EXPECTED);
  });

  it("gives the same steps fed byte by byte and split at every index", () => {
    const bytes = Buffer.from(TEXT);
    assert.deepEqual(steps([...bytes].map((b) => Buffer.from([b]))), EXPECTED);
    for (let i = 0; i <= bytes.length; i++) assert.deepEqual(steps([bytes.subarray(0, i), bytes.subarray(i)]), EXPECTED, `split at ${i}`);
  });

  it("a line past 4096 bytes is no command, and the next line is read", () => {
    assert.deepEqual(steps([`RSET${" ".repeat(5000)}\r\n`, "RSET\r\n"]), ["end"]);
    assert.deepEqual(steps([`RSET${" ".repeat(4000)}`, " ".repeat(200), "\r\nRSET\r\n"]), ["end"]);
  });

  it("after a BDAT written whole (putcmd, docmd), its chunk's bytes are skipped", () => {
    const scan = new RawTransactionScan();
    scan.written("BDAT 6");
    assert.deepEqual(scan.push(Buffer.from("RSET\r\nRSET\r\n")), ["end"]);
  });
});

describe("RawTransactionScan.replied", () => {
  it("pairs each reply read with the raw line it answers: a RCPT's path (UTF-8), none for other lines; after DATA's 354, the message's lines are data (no reply, no command) up to its \".\"", () => {
    const body = Buffer.from("RCPT TO:<body@line>\r\nRSET\r\n.\r\nrcpt to:<\"a>b\"@y.test> NOTIFY=NEVER\r\nRCPT TO:bare@y.test\r\n");
    for (let i = 0; i <= body.length; i++) {
      const scan = new RawTransactionScan();
      scan.push(Buffer.from("NOOP\r\nRCPT TO:<ü@y.test>\r\nDATA\r\n"));
      assert.deepEqual([scan.replied(), scan.replied(), scan.replied()], [undefined, "ü@y.test", undefined]);
      scan.dataAccepted();
      // Only the "." ends the message: the body's RSET is data.
      assert.deepEqual([...scan.push(body.subarray(0, i)), ...scan.push(body.subarray(i))], ["end"], `split at ${i}`);
      // ".", RCPT, RCPT; then nothing more is owed.
      assert.deepEqual([scan.replied(), scan.replied(), scan.replied(), scan.replied()], [undefined, "\"a>b\"@y.test", "bare@y.test", undefined], `split at ${i}`);
    }
  });
});

describe("RawTransactionScan.replied, LMTP", () => {
  it("an end of data (BDAT LAST, or \".\" after DATA's 354) is owed a reply per recipient its transaction accepted: the next transaction's RCPT gets its own", () => {
    const scan = new RawTransactionScan();
    // One recipient accepted before (docmd), one RCPT written raw with the message.
    scan.push(Buffer.from("RCPT TO:<r2@y.test>\r\nBDAT 2 LAST\r\nhiMAIL FROM:<a@x.test>\r\nRCPT TO:<r3@y.test>\r\n"), 1);
    // r2 accepted (counted for its BDAT LAST, though no longer a recipient of the current
    // transaction: BDAT LAST ended it); BDAT LAST's two replies (r1, r2); MAIL; r3.
    assert.deepEqual([scan.replied(true), scan.replied(true), scan.replied(true), scan.replied(true), scan.replied(true)], [undefined, undefined, undefined, undefined, "r3@y.test"]);
    const data = new RawTransactionScan();
    data.push(Buffer.from("DATA\r\n"), 2);
    data.replied(false);
    data.dataAccepted();
    data.push(Buffer.from("RCPT TO:<not@a.command>\r\n.\r\nRCPT TO:<r4@y.test>\r\n"), 2);
    assert.deepEqual([data.replied(true), data.replied(true), data.replied(true)], [undefined, undefined, "r4@y.test"]);
  });

  it("SMTP (no count given): an end of data is owed one reply", () => {
    const scan = new RawTransactionScan();
    scan.push(Buffer.from("RCPT TO:<r2@y.test>\r\nBDAT 2 LAST\r\nhiRCPT TO:<r3@y.test>\r\n"));
    assert.deepEqual([scan.replied(true), scan.replied(true), scan.replied(true)], [undefined, undefined, "r3@y.test"]);
  });
  it("atLineStart: false inside a line, a BDAT chunk's bytes or DATA's message (once 354 is told); repliesOwed: the lines owed a reply that getreply() has not read", () => {
    const scan = new RawTransactionScan();
    assert.equal(scan.atLineStart, true);
    scan.push(Buffer.from("NOOP\r\nMAIL FR"));
    assert.deepEqual([scan.atLineStart, scan.repliesOwed], [false, 1]);
    scan.push(Buffer.from("OM:<a@x>\r\nRCPT TO:<b@y>\r\nBDAT 4\r\nab"));
    assert.deepEqual([scan.atLineStart, scan.repliesOwed], [false, 4]);
    scan.push(Buffer.from("\r\n"));
    assert.equal(scan.atLineStart, true);
    scan.replied();
    scan.replied();
    assert.equal(scan.repliesOwed, 2);
    scan.push(Buffer.from("DATA\r\n"));
    scan.dataAccepted();
    assert.deepEqual([scan.atLineStart, scan.repliesOwed], [false, 3]);
    scan.push(Buffer.from("MAIL FROM: a body line\r\n.\r\n"));
    assert.deepEqual([scan.atLineStart, scan.repliesOwed], [true, 4]);
  });
});

describe("RawTransactionScan.owedAfter", () => {
  it("counts what is still owed once the replies that came are read, without changing the scan: an LMTP end of data grows with each raw RCPT accepted", () => {
    const scan = new RawTransactionScan();
    scan.push(Buffer.from("MAIL FROM:<a@x>\r\nRCPT TO:<c@y>\r\nRCPT TO:<d@y>\r\nBDAT 2 LAST\r\nhi"), 0);
    assert.equal(scan.repliesOwed, 4);
    assert.equal(scan.owedAfter([]), 4);
    assert.equal(scan.owedAfter([true]), 3);
    // Both RCPTs accepted: BDAT LAST is owed two replies, one of them come.
    assert.equal(scan.owedAfter([true, true, true, true]), 1);
    assert.equal(scan.owedAfter([true, true, true, true, true]), 0);
    // One refused: one reply for BDAT LAST.
    assert.equal(scan.owedAfter([true, true, false, true]), 0);
    // Untouched: reading them for real gives the same counts.
    assert.equal(scan.repliesOwed, 4);
    for (const accepted of [true, true, true, true]) scan.replied(accepted);
    assert.equal(scan.repliesOwed, 1);
  });

  it("SMTP (no count of recipients): one reply per line", () => {
    const scan = new RawTransactionScan();
    scan.push(Buffer.from("NOOP\r\nRCPT TO:<c@y>\r\nXYZZY\r\n"));
    assert.equal(scan.owedAfter([true]), 2);
    assert.equal(scan.owedAfter([true, false, false]), 0);
    assert.equal(scan.repliesOwed, 3);
  });
});
