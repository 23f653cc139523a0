/**
 * The header helpers that test/protocol did not reach (send-message uses them): a UTF-8
 * byte order mark before the headers, a field meant as a header after a line that ended
 * the header section, UTF-8 headers, addresses in a header that is not UTF-8, ESMTP
 * parameter values, and quotedata's refusal of a non-string.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { quotedata } from "../../src/protocol/address.js";
import { fieldAfterHeaderSection, findRecipients, indentedField, findSender, hasUtf8Headers, parseHeaderSection } from "../../src/protocol/message.js";
import { paramValue } from "../../src/protocol/params.js";

const latin1 = (text: string): Buffer => Buffer.from(text, "latin1");
const BLIND = new Set(["bcc", "resent-bcc"]);

test("a UTF-8 byte order mark before the headers is skipped: the fields after it are fields", () => {
  const data = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("From: a@x.test\r\nBcc: b@y.test\r\n\r\nbody\r\n")]);
  const section = parseHeaderSection(data);
  assert.deepEqual(section.fields.map((f) => f.key), ["from", "bcc"]);
  assert.equal(section.mboxLineEnd, 3);
  assert.equal(section.unseparated, undefined);
  // Other bytes 0xEF begins (a UTF-8 character, not the mark) are no header bytes: nothing is skipped.
  for (const start of [[0xef, 0xbd, 0x98], [0xef, 0x81, 0xbf]]) {
    const other = parseHeaderSection(Buffer.concat([Buffer.from(start), Buffer.from("X: a\r\n\r\n")]));
    assert.deepEqual([other.fields.length, other.mboxLineEnd, other.bodyStart, other.unseparated], [0, 0, 0, true]);
  }
});

test("fieldAfterHeaderSection: a Bcc after a line that ended the header section is named; none without one, or past the empty line", () => {
  const cut = Buffer.from("From: a@x.test\r\nnot a field\r\nBCC: b@y.test\r\n\r\nbody\r\n");
  assert.equal(fieldAfterHeaderSection(cut, parseHeaderSection(cut), BLIND), "BCC");
  const bare = Buffer.from("From: a@x.test\nnot a field\nTo: c@z.test\nResent-Bcc: d@y.test");
  assert.equal(fieldAfterHeaderSection(bare, parseHeaderSection(bare), BLIND), "Resent-Bcc");
  const empty = Buffer.from("From: a@x.test\nnot a field\nBcc:\n\nbody\n");
  assert.equal(fieldAfterHeaderSection(empty, parseHeaderSection(empty), BLIND), "Bcc");
  const past = Buffer.from("From: a@x.test\r\nnot a field\r\n\r\nBcc: b@y.test\r\n");
  assert.equal(fieldAfterHeaderSection(past, parseHeaderSection(past), BLIND), null);
  // A byte order mark inside the header section (files joined) ends it; the Bcc behind it is still found.
  const marked = Buffer.from("From: a@x.test\r\n\ufeffBcc: b@y.test\r\n\r\nbody\r\n");
  assert.equal(fieldAfterHeaderSection(marked, parseHeaderSection(marked), BLIND), "Bcc");
  const separated = Buffer.from("From: a@x.test\r\n\r\nBcc: b@y.test\r\n");
  assert.equal(fieldAfterHeaderSection(separated, parseHeaderSection(separated), BLIND), null);
});

/** The name of the indented blind field `indentedField` finds in `text`, or null. */
function named(text: string): string | null {
  const data = Buffer.from(text);
  return indentedField(data, parseHeaderSection(data), BLIND)?.name ?? null;
}

test("indentedField: the field an indented Bcc line continues is given; none for a line before the first field or in a message with none", () => {
  const found = (text: string): string | undefined => {
    const data = Buffer.from(text);
    return indentedField(data, parseHeaderSection(data), BLIND)?.field?.name;
  };
  assert.equal(found("From: a@x.test\n    To: b@y.test\n    Bcc: c@z.test\n\nbody\n"), "From");
  assert.equal(found("From: a@x.test\nSubject: s\n\tBcc: c@z.test\n\nbody\n"), "Subject");
  assert.equal(found("  Bcc: c@z.test\nFrom: a@x.test\n\nbody\n"), undefined);
  assert.equal(found("\n    Bcc: c@z.test\n"), undefined);
});

test("indentedField: a Bcc on an indented line of the header section, or of a message with no field, is named; none elsewhere", () => {
  // An indented template literal: every line after the first continues the From field.
  assert.equal(named("From: a@x.test\n    To: b@y.test\n    Bcc: c@z.test\n    Subject: hi\n\n    body\n"), "Bcc");
  assert.equal(named("From: a@x.test\r\nTo: b@y.test\r\n\tresent-bcc : c@z.test\r\n\r\nbody\r\n"), "resent-bcc");
  // Every line indented: continuations of no field; the first line empty: all of it body.
  assert.equal(named("    From: a@x.test\n    Bcc: c@z.test\n\n    body\n"), "Bcc");
  assert.equal(named("\n    From: a@x.test\n    BCC: c@z.test\n\n    body\n"), "BCC");
  // Byte order mark and mbox line first: the indented Bcc is found all the same.
  assert.equal(named("\ufeffFrom sender Mon Jan  1 00:00:00 2024\nFrom: a@x.test\n Bcc: c@z.test\n\nbody\n"), "Bcc");
  // Not indented, a continuation that only mentions Bcc, or past the header section: none.
  assert.equal(named("From: a@x.test\nBcc: c@z.test\n\nbody\n"), null);
  assert.equal(named("From: a@x.test\nSubject: re: the list\n Bcc'd to me\n\nbody\n"), null);
  assert.equal(named("From: a@x.test\n\n    Bcc: c@z.test\n"), null);
  assert.equal(named("\nbody\n\n    Bcc: c@z.test\n"), null);
});

test("fieldAfterHeaderSection: an indented Bcc after a line that ended the header section is named too (body text all the same)", () => {
  const cut = Buffer.from("From: a@x.test\r\nSubject: x\r\nwrapped without a blank\r\n  Bcc: secret@z.test\r\n\r\nbody\r\n");
  assert.equal(fieldAfterHeaderSection(cut, parseHeaderSection(cut), BLIND), "Bcc");
  const tab = Buffer.from("From: a@x.test\nnot a field\n\tresent-bcc : secret@z.test\n");
  assert.equal(fieldAfterHeaderSection(tab, parseHeaderSection(tab), BLIND), "resent-bcc");
  // Indented with no-break spaces (a template copied from a web page), a VT or a FF: no
  // continuation, so the header section ends at the first such line, and the Bcc is body text.
  for (const blank of ["\u00a0\u00a0", "\v", "\f"]) {
    const nbsp = Buffer.from(`From: a@x.test\r\n${blank}To: b@y.test\r\n${blank}Bcc: secret@z.test\r\n\r\nbody\r\n`);
    assert.equal(fieldAfterHeaderSection(nbsp, parseHeaderSection(nbsp), BLIND), "Bcc", JSON.stringify(blank));
  }
});

test("indentedField: text folded onto a line that starts with \"Bcc:\" (a long Subject, a DKIM h= list) is no indented Bcc; one with an address, or among other indented fields, is", () => {
  // A mail program's fold (one blank, no address, no other field-like line): a long Subject,
  // a DKIM-Signature's h= list of field names (whose "h=from" is no field name).
  assert.equal(named("From: a@x.test\r\nTo: b@y.test\r\nSubject: Why does my mail client keep dropping the\r\n Bcc: header when I reply to all?\r\n\r\nbody\r\n"), null);
  assert.equal(named("From: a@x.test\r\nDKIM-Signature: v=1; a=rsa-sha256; d=x.test; s=s1;\r\n\th=from:to:cc:subject:date:\r\n\tbcc:message-id; bh=abc; b=def\r\n\r\nbody\r\n"), null);
  // An address after it, or other lines of the same field that start fields: a template literal's.
  assert.equal(named("From: a@x.test\r\nSubject: hi\r\n Bcc: Secret <s@z.test>\r\n\r\nbody\r\n"), "Bcc");
  assert.equal(named("From: a@x.test\n  To: b@y.test\n  Bcc: undisclosed\n\nbody\n"), "Bcc");
  assert.equal(named("From: a@x.test\n  Bcc: someone\n  Subject: hi\n\nbody\n"), "Bcc");
  assert.equal(named("From: a@x.test\n  Bcc:\n    secret@z.test\n\nbody\n"), "Bcc"); // the address wrapped below it
  // A continuation indented with a space then no-break spaces (a template copied from a web page).
  assert.equal(named("From: a@x.test\r\n \u00a0\u00a0To: b@y.test\r\n \u00a0\u00a0Bcc: secret@z.test\r\n\r\nbody\r\n"), "Bcc");
  // A continuation of no field (before the first): never a fold of a mail program's.
  assert.equal(named("  Bcc: someone\nFrom: a@x.test\n\nbody\n"), "Bcc");
});

test("hasUtf8Headers: true only for 8-bit headers that are UTF-8; the body does not count", () => {
  assert.equal(hasUtf8Headers(Buffer.from("Subject: caf\u00e9\r\n\r\nbody\r\n")), true);
  assert.equal(hasUtf8Headers(latin1("Subject: caf\xe9\r\n\r\nbody\r\n")), false);
  assert.equal(hasUtf8Headers(Buffer.from("Subject: cafe\r\n\r\ncaf\u00e9\r\n")), false);
});

test("addresses in a header that is not UTF-8: read as Latin-1, the display name dropped; an address that is not ASCII is a TypeError", () => {
  const legacy = latin1("From: Jos\xe9 <jose@x.test>\r\nTo: Ren\xe9e <renee@y.test>, b@y.test\r\n\r\n");
  const section = parseHeaderSection(legacy);
  assert.equal(findSender(legacy, section, ""), "jose@x.test");
  assert.deepEqual(findRecipients(legacy, section, ""), ["renee@y.test", "b@y.test"]);
  const wide = latin1("To: Jos\xe9 <jos\xe9@x.test>\r\n\r\n");
  assert.throws(() => findRecipients(wide, parseHeaderSection(wide), ""), { name: "TypeError", message: /^the To header is not valid UTF-8, and its address "jos\u00e9@x\.test" is not ASCII: its charset is unknown$/ });
});

test("paramValue: the first value of a keyword, case-insensitively; undefined when bare or absent", () => {
  assert.equal(paramValue(["SIZE=10", "body=8bitmime", "BODY=7BIT"], "BODY"), "8bitmime");
  assert.equal(paramValue(["SMTPUTF8"], "smtputf8"), undefined);
  assert.equal(paramValue(["ENVID=a=b"], "ENVID"), "a=b");
  assert.equal(paramValue([], "BODY"), undefined);
});

test("quotedata: a non-string is a TypeError naming what it got", () => {
  assert.throws(() => quotedata(Buffer.from("x") as unknown as string), { name: "TypeError", message: /^data must be a string, got / });
});
