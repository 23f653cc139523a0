// The test message of `smtplib send --subject/--body`: exact bytes, RFC 2047 subjects that
// decode back, no header injection whatever the subject, and always 7-bit.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { encodeHeaderText, headerMailbox, testMessage } from "../../src/cli/test-message.js";
import { parseAddressList } from "../../src/protocol/address.js";
import { unfoldHeader } from "../../src/protocol/message.js";
import { run, Serve } from "../helpers/cli-process.js";

const DATE = new Date(Date.UTC(2026, 10, 29, 20, 30, 5));

/** Decodes a header value made of RFC 2047 "B" words (or plain text). */
function decodeHeaderText(value: string): string {
  const words = value.split("\r\n ");
  if (!words[0]!.startsWith("=?UTF-8?B?")) return value;
  return Buffer.concat(words.map((w) => Buffer.from(/^=\?UTF-8\?B\?(.*)\?=$/.exec(w)![1]!, "base64"))).toString("utf8");
}

/** The header fields of a message, unfolded, by name. */
function headerFields(message: string): string[] {
  const head = message.slice(0, message.indexOf("\r\n\r\n"));
  return head.split(/\r\n(?![ \t])/).map((f) => f.slice(0, f.indexOf(":")));
}

test("test message: exact bytes for ASCII text; several recipients fold the To field", () => {
  const message = testMessage({ from: "alice@example.org", to: ["b@x.test", "c@y.test"], subject: "Hello", body: "line 1\nline 2", date: DATE, id: "fixed" });
  assert.equal(message, [
    "Date: Sun, 29 Nov 2026 20:30:05 +0000",
    "Message-ID: <fixed@example.org>",
    "From: alice@example.org",
    "To: b@x.test,",
    " c@y.test",
    "Subject: Hello",
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: 7bit",
    "",
    "line 1",
    "line 2",
    "",
  ].join("\r\n"));
  // the null sender: From "<>", Message-ID domain localhost
  const bounce = testMessage({ from: "", to: ["b@x.test"], subject: "s", body: "b", date: DATE, id: "n" });
  assert.match(bounce, /^Message-ID: <n@localhost>\r\nFrom: <>\r\n/m);
});

test("test message: a non-ASCII body goes as base64 in 76-character lines, and decodes to the text with CRLF endings", () => {
  const body = "Grüße,\n".repeat(20);
  const message = testMessage({ from: "a@x.test", to: ["b@x.test"], subject: "s", body, date: DATE, id: "i" });
  assert.match(message, /Content-Transfer-Encoding: base64\r\n\r\n/);
  const encoded = message.slice(message.indexOf("\r\n\r\n") + 4);
  for (const line of encoded.split("\r\n").slice(0, -1)) assert.ok(line.length <= 76 && line.length > 0, line);
  assert.equal(Buffer.from(encoded.replace(/\r\n/g, ""), "base64").toString("utf8"), `${"Grüße,\r\n".repeat(20)}\r\n`);
});

test("test message (property): any subject and body give 8 header fields, 7-bit bytes, encoded words of at most 75 characters, and the subject back", () => {
  fc.assert(fc.property(fc.string({ unit: "binary" }), fc.string({ unit: "binary" }), (subject, body) => {
    const message = testMessage({ from: "a@x.test", to: ["b@x.test"], subject, body, date: DATE, id: "p" });
    assert.deepEqual(headerFields(message), ["Date", "Message-ID", "From", "To", "Subject", "MIME-Version", "Content-Type", "Content-Transfer-Encoding"]);
    // eslint-disable-next-line no-control-regex
    assert.ok(/^[\x00-\x7f]*$/.test(message), "7-bit");
    const value = encodeHeaderText(subject);
    for (const word of value.split("\r\n ")) assert.ok(word.length <= 75, word);
    assert.equal(decodeHeaderText(value), subject);
  }), { numRuns: 300 });
});

test("send --subject/--body: the made message arrives; --subject with --file is a usage error", async () => {
  const serve = await Serve.start([]);
  try {
    const r = await run(["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "b@x.test", "--subject", "Grüße", "--body", "hello\n.dot"]);
    assert.equal(r.code, 0, r.stderr);
    await serve.waitFor(/end of message 1/);
    // serve prints the message's own CRLF line ends
    assert.match(serve.stdout, /\nSubject: =\?UTF-8\?B\?R3LDvMOfZQ==\?=\r\n/);
    assert.match(serve.stdout, /\nContent-Transfer-Encoding: 7bit\r\n\r\nhello\r\n\.dot\r\n-+ end of message 1/);
    const both = await run(["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "b@x.test", "--subject", "s", "--file", "/dev/null"]);
    assert.equal(both.code, 2, both.stderr);
    assert.match(both.stderr, /--subject <text>' cannot be used with option '--file <file>'/);
  } finally {
    await serve.stop();
  }
});

/** The lines of the Subject field of `message`, "Subject: " included in the first. */
function subjectLines(message: string): string[] {
  const start = message.indexOf("\r\nSubject: ") + 2;
  const end = message.indexOf("\r\nMIME-Version: ");
  return message.slice(start, end).split("\r\n");
}

test("test message (property): a Subject line with encoded words is at most 76 characters, 'Subject: ' included (RFC 2047 §2)", () => {
  const exact = testMessage({ from: "a@x.test", to: ["b@x.test"], subject: "é".repeat(40), body: "b", date: DATE, id: "e" });
  // 19 + 19 + 2 whole characters: the first line was 81 characters (a 72-character word)
  assert.deepEqual(subjectLines(exact), [
    "Subject: =?UTF-8?B?w6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6k=?=",
    " =?UTF-8?B?w6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6k=?=",
    " =?UTF-8?B?w6nDqQ==?=",
  ]);
  fc.assert(fc.property(fc.string({ unit: "binary" }), (subject) => {
    const lines = subjectLines(testMessage({ from: "a@x.test", to: ["b@x.test"], subject, body: "b", date: DATE, id: "p" }));
    if (!lines[0]!.startsWith("Subject: =?")) return;
    for (const line of lines) assert.ok(line.length <= 76, line);
  }), { numRuns: 300 });
});

test("test message: a printable-ASCII subject too long for one line (RFC 5322 §2.1.1: 998) or that reads as an encoded word goes as encoded words", () => {
  const long = "a".repeat(1200);
  const lines = subjectLines(testMessage({ from: "a@x.test", to: ["b@x.test"], subject: long, body: "b", date: DATE, id: "l" }));
  for (const line of lines) assert.ok(line.length <= 76, line);
  assert.equal(decodeHeaderText(lines.join("\r\n").slice("Subject: ".length)), long);
  // the longest that fits stays as written
  const fits = "a".repeat(998 - "Subject: ".length);
  assert.deepEqual(subjectLines(testMessage({ from: "a@x.test", to: ["b@x.test"], subject: fits, body: "b", date: DATE, id: "f" })), [`Subject: ${fits}`]);
  // a reader would show "=?UTF-8?B?SGk=?=" as "Hi"
  assert.equal(encodeHeaderText("=?UTF-8?B?SGk=?="), "=?UTF-8?B?PT9VVEYtOD9CP1NHaz0/PQ==?=");
  assert.equal(encodeHeaderText("a = b? c"), "a = b? c");
});

test("test message: an ASCII body with a line over 998 characters goes as base64 (7bit lines are at most 998, RFC 5322 §2.1.1, RFC 2045 §2.7)", () => {
  const body = `short\n${"b".repeat(999)}\n`;
  const message = testMessage({ from: "a@x.test", to: ["b@x.test"], subject: "s", body, date: DATE, id: "b" });
  assert.match(message, /Content-Transfer-Encoding: base64\r\n\r\n/);
  for (const line of message.split("\r\n")) assert.ok(line.length <= 998, `${line.length}`);
  const encoded = message.slice(message.indexOf("\r\n\r\n") + 4);
  assert.equal(Buffer.from(encoded.replace(/\r\n/g, ""), "base64").toString("utf8"), `short\r\n${"b".repeat(999)}\r\n\r\n`);
  // 998 is still 7bit
  assert.match(testMessage({ from: "a@x.test", to: ["b@x.test"], subject: "s", body: "b".repeat(998), date: DATE, id: "b" }), /Content-Transfer-Encoding: 7bit\r\n\r\nb{998}\r\n$/);
});

test("test message: a non-ASCII display name in --from/--to goes as encoded words, so the message stays 7-bit; a non-ASCII addr-spec stays as written", () => {
  const message = testMessage({ from: "Jörg <j@x.test>", to: ['"Zoë, Z" <z@y.test>', "k@y.test (Grüße)", "用户@例子.广告"], subject: "s", body: "b", date: DATE, id: "u" });
  const head = message.slice(0, message.indexOf("\r\n\r\n") + 2);
  const from = /^From: ([^]*?)\r\n(?! )/m.exec(head)![1]!;
  const to = /^To: ([^]*?)\r\n(?! )/m.exec(head)![1]!;
  assert.equal(from, "=?UTF-8?B?SsO2cmc=?=\r\n <j@x.test>");
  assert.equal(to, "=?UTF-8?B?Wm/DqywgWg==?=\r\n <z@y.test>,\r\n <k@y.test>,\r\n 用户@例子.广告");
  assert.equal(Buffer.from("Wm/DqywgWg==", "base64").toString(), "Zoë, Z");
  // the headers read back to the envelope, and only the address that needs SMTPUTF8 is not ASCII
  assert.deepEqual(parseAddressList(unfoldHeader(to)), ["z@y.test", "k@y.test", "用户@例子.广告"]);
  assert.deepEqual(parseAddressList(unfoldHeader(from)), ["j@x.test"]);
  // eslint-disable-next-line no-control-regex
  assert.ok(/^[\x00-\x7f]*$/.test(testMessage({ from: "Jörg <j@x.test>", to: ["(Grüße) k@y.test", "Zoë <z@y.test>"], subject: "s", body: "b" })));
  assert.equal(headerMailbox('Grüße "x" <k@y.test>'), '=?UTF-8?B?R3LDvMOfZSB4?=\r\n <k@y.test>');
  assert.equal(headerMailbox('"a \\"b\\"" (Grüße) <k@y.test>'), '"a \\"b\\""\r\n <k@y.test>');
});

test("test message (property): any display name with an ASCII addr-spec gives 7-bit From/To that read back to the addr-spec", () => {
  // U+2028/U+2029 are refused anywhere in an address given, a display name too (see the test below)
  // eslint-disable-next-line no-control-regex
  const name = fc.string({ unit: "grapheme", maxLength: 40 }).filter((s) => !/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(s) && s.trim() !== "");
  fc.assert(fc.property(name, (n) => {
    const field = headerMailbox(`"${n.replace(/["\\]/g, "\\$&")}" <a@x.test>`);
    // eslint-disable-next-line no-control-regex
    assert.ok(/^[\x00-\x7f]*$/.test(field), field);
    for (const line of field.split("\r\n")) if (line.includes("=?")) assert.ok(line.length <= 76, line);
    assert.deepEqual(parseAddressList(unfoldHeader(`${field},\r\n b@x.test`)), ["a@x.test", "b@x.test"]);
  }), { numRuns: 500 });
});

test("test message: a display name with a Unicode line or paragraph separator is refused, not encoded", () => {
  for (const sep of ["\u2028", "\u2029"]) {
    assert.throws(() => headerMailbox(`" ${sep}!" <a@x.test>`), (err: unknown) => err instanceof TypeError && /U\+2028 or U\+2029/.test(err.message));
  }
});
