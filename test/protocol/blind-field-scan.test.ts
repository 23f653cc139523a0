// BlindFieldScan: a Bcc or Resent-Bcc field in the header section of a message fed in pieces
// (the CLI's `send` warns for one: it sends the bytes as they are). Every case is fed whole,
// byte by byte, and split at every index, and must give the same answer each way.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { BlindFieldScan } from "../../src/protocol/blind-field-scan.js";

/** What a scan of `pieces` ends with: the field found, and whether it was over before `end()`. */
function scan(pieces: readonly Buffer[], limit?: number): { found: string | undefined; decided: boolean } {
  const s = new BlindFieldScan(limit);
  let decided = false;
  for (const piece of pieces) if (s.push(piece)) decided = true;
  assert.equal(s.done, decided);
  s.end();
  assert.equal(s.done, true);
  return { found: s.found, decided };
}

/** `text` (latin1) whole, byte by byte, and split in two at every index: each must give the same result. */
function scanEveryWay(text: string, limit?: number): { found: string | undefined; decided: boolean } {
  const bytes = Buffer.from(text, "latin1");
  const whole = scan([bytes], limit);
  assert.deepEqual(scan([...bytes].map((b) => Buffer.from([b])), limit), whole, `byte by byte: ${JSON.stringify(text)}`);
  for (let i = 0; i <= bytes.length; i++) {
    assert.deepEqual(scan([bytes.subarray(0, i), bytes.subarray(i)], limit), whole, `split at ${i}: ${JSON.stringify(text)}`);
  }
  return whole;
}

test("a Bcc or Resent-Bcc field in the header section is found, in any case, with blanks before the colon, on an indented line, after a BOM or an mbox From line", () => {
  const cases: [string, string][] = [
    ["Bcc: x@y.test\r\n\r\nbody\r\n", "Bcc"],
    ["From: a@x.test\r\nTo: b@x.test\r\nBcc: c@x.test\r\nSubject: s\r\n\r\nbody\r\n", "Bcc"],
    ["From: a@x.test\nBCC: c@x.test\n\nbody\n", "BCC"],
    ["From: a@x.test\r\nbcc \t : c@x.test\r\n\r\n", "bcc"],
    ["Resent-From: a@x.test\r\nResent-Bcc: c@x.test\r\n\r\n", "Resent-Bcc"],
    ["From: a@x.test\r\nRESENT-bcc\t: c@x.test\r\n\r\n", "RESENT-bcc"],
    ["Subject: s\r\n  Bcc: c@x.test\r\n\r\n", "Bcc"],
    ["Subject: s\r\n\tResent-Bcc: c@x.test\r\n\r\n", "Resent-Bcc"],
    ["Subject: s\r\n\xc2\xa0\xc2\xa0Bcc: c@x.test\r\n\r\n", "Bcc"], // no-break spaces, as sendMessage takes them
    ["Subject: s\r\n\x0b\x0cBcc: c@x.test\r\n\r\n", "Bcc"], // VT and FF
    ["\xef\xbb\xbfBcc: c@x.test\r\n\r\n", "Bcc"],
    ["From a@x.test Mon Jan  1 00:00:00 2024\nBcc: c@x.test\n\n", "Bcc"],
    ["Bcc:\r\n\r\n", "Bcc"], // an empty Bcc is a Bcc field all the same
    ["X Mailer: 1\r\nBcc: c@x.test\r\n\r\n", "Bcc"], // not a field line first: the Bcc is still text before the empty line
    ["Subject: s\r\nBcc: c@x.test", "Bcc"], // no line end at all
  ];
  for (const [text, name] of cases) {
    assert.deepEqual(scanEveryWay(text), { found: name, decided: true }, JSON.stringify(text));
  }
});

test("no Bcc field: none found; the empty line decides, the end of a message without one does not", () => {
  const decided: string[] = [
    "From: a@x.test\r\nTo: b@x.test\r\n\r\nBcc: c@x.test\r\n", // in the body only
    "From: a@x.test\n\nBcc: c@x.test\n",
    "\r\nBcc: c@x.test\r\n", // empty header section
    "X-Bcc: c@x.test\r\nBccx: c@x.test\r\nBc: 1\r\nResent-Bc: 1\r\nResentBcc: 1\r\n\r\n",
    "Subject: Bcc: c@x.test\r\nX: y\r\n bcc c@x.test\r\nB cc: 1\r\n\r\n",
    "\xef\xbbBcc: c@x.test\r\n\r\n", // part of a BOM: the line starts with no field name
    "Subject: s\r\n\xc2Bcc: c@x.test\r\n\xc2\xa1Bcc: c@x.test\r\n\r\n", // half a no-break space, or another character: no blank
    "Subject: s\r\n \r\n\r\nBcc: c@x.test\r\n", // a line of blanks is not empty: the empty one after it ends the header section
  ];
  for (const text of decided) assert.deepEqual(scanEveryWay(text), { found: undefined, decided: true }, JSON.stringify(text));
  assert.deepEqual(scanEveryWay("Subject: s\r\nTo: b@x.test\r\n"), { found: undefined, decided: false });
  assert.deepEqual(scanEveryWay(""), { found: undefined, decided: false });
  // a lone CR is no line end here (the CLI scans the message with its line ends made CRLF)
  assert.deepEqual(scanEveryWay("Subject: s\rBcc: c@x.test\r\n\r\n"), { found: undefined, decided: true });
});

test("it looks at `limit` bytes at most: a Bcc past them is not found, and the scan is over once they have come", () => {
  const head = `X-Long: ${"a".repeat(100)}\r\n`;
  assert.deepEqual(scanEveryWay(`${head}Bcc: c@x.test\r\n\r\n`, head.length), { found: undefined, decided: true });
  assert.deepEqual(scanEveryWay(`${head}Bcc: c@x.test\r\n\r\n`, head.length + 4), { found: "Bcc", decided: true });
  assert.deepEqual(scanEveryWay(`${head}Bcc: c@x.test\r\n\r\n`, head.length + 3), { found: undefined, decided: true });
  // the default bound: 64 KiB
  const long = `X-Long: ${"a".repeat(64 * 1024)}\r\nBcc: c@x.test\r\n\r\n`;
  assert.deepEqual(scan([Buffer.from(long, "latin1")]), { found: undefined, decided: true });
  const s = new BlindFieldScan();
  assert.equal(s.push(Buffer.alloc(64 * 1024 - 1, 0x61)), false);
  assert.equal(s.push(Buffer.from("a")), true);
  assert.equal(s.push(Buffer.from("\r\nBcc: c@x.test\r\n")), true);
  assert.equal(s.found, undefined);
});
