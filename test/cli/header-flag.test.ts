// `smtplib send --header "Name: value"`: the field as it goes on the wire, every refusal as a
// usage error before connecting, no CR/LF injection whatever the value, and the field in the
// test message (in place of a made one, or after the Subject).
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { InvalidArgumentError } from "commander";
import fc from "fast-check";
import { parseHeaderFlag, type HeaderFlag } from "../../src/cli/header-flag.js";
import { encodeHeaderText, testMessage } from "../../src/cli/test-message.js";
import { parse } from "../helpers/parse-args.js";
import { run, Serve } from "../helpers/cli-process.js";

const DATE = new Date(Date.UTC(2026, 11, 2, 9, 0, 0));

/** One flag parsed alone. */
function one(text: string): HeaderFlag {
  return parseHeaderFlag(text, undefined)[0]!;
}

/** Decodes a value made of RFC 2047 "B" words (one per folded line), or gives it back as it is. */
function decoded(value: string): string {
  const words = value.replace(/^\r\n /, "").split("\r\n ");
  if (!words[0]!.startsWith("=?UTF-8?B?")) return value;
  return Buffer.concat(words.map((w) => Buffer.from(/^=\?UTF-8\?B\?(.*)\?=$/.exec(w)![1]!, "base64"))).toString("utf8");
}

test("--header: printable ASCII goes as written, blanks around the value dropped, the name as given", () => {
  assert.deepEqual(one("X-Test:  hello world \t"), { name: "X-Test", value: "hello world", utf8: false });
  assert.deepEqual(one("x-tag:a:b"), { name: "x-tag", value: "a:b", utf8: false });
  assert.deepEqual(one("X-Empty:"), { name: "X-Empty", value: "", utf8: false });
  // an encoded word the user writes stays one (unlike --subject, which is text)
  assert.equal(one("X-Word: =?UTF-8?B?SGk=?=").value, "=?UTF-8?B?SGk=?=");
  assert.equal(one("Reply-To: Ann <a@x.test>, b@x.test").value, "Ann <a@x.test>, b@x.test");
  // several flags keep their order; names RFC 5322 allows more than once may repeat
  const two = parseHeaderFlag("Received: by b", parseHeaderFlag("Received: by a", undefined));
  assert.deepEqual(two.map((f) => f.value), ["by a", "by b"]);
});

test("--header: every malformed value is refused before anything is sent, with the reason", () => {
  const refused = (text: string, why: RegExp): void => {
    assert.throws(() => parseHeaderFlag(text, undefined), (err: unknown) => err instanceof InvalidArgumentError && why.test(err.message), text);
  };
  refused("NoColon", /^expected "Name: value"$/);
  refused(": value", /is not a field name/);
  refused("Bad Name: x", /^"Bad Name" is not a field name \(printable ASCII without spaces or a colon, RFC 5322 §2\.2\)$/);
  refused("Näme: x", /is not a field name/);
  refused("X-A: a\r\nBcc: evil@x.test", /^the value holds U\+000D: a field is one line of text \(a line break would start another field\)$/);
  refused("X-A: a\nb", /U\+000A.*a line break/);
  refused("X-A: a\0b", /U\+0000: a field is one line of text$/);
  refused("X-A: a\x7fb", /U\+007F/);
  refused("X-A: a\u0085b", /U\+0085/);
  refused("Content-Transfer-Encoding: 8bit", /^send sets Content-Transfer-Encoding for the body it encodes$/);
  refused("content-transfer-encoding: base64", /send sets/);
  refused("Date: jäh", /^Date takes ASCII only/);
  refused("Message-ID: <é@x.test>", /takes ASCII only/);
  refused(`Message-ID: <${"a".repeat(990)}@x>`, /too long for one line \(RFC 5322 §2\.1\.1: 998 characters, the name included\)/);
  refused("To: a@x.test, Jörg <b@x.test> extra", /^To: cannot parse address "Jörg <b@x.test> extra" \(give each as Name <local@domain> or local@domain, separated by commas; --file sends a message as written\)$/);
  // past ASCII too: each element an address with a domain
  refused("To: Jörg <j@x.test>, alice", /^To: "alice" has no domain/);
  refused("Cc: Jörg <j@x.test>, (broken", /^Cc: cannot parse address "\(broken"/);
  refused("Bcc: Jörg", /^Bcc: "Jörg" has no domain/);
  // an ASCII address field goes as written once it reads as an address list: a typo is refused, named
  refused("To: a@x.test, (broken", /^To: cannot parse address "\(broken" \(give each as Name <local@domain> or local@domain, separated by commas; --file sends a message as written\)$/);
  refused("Cc: alice", /^Cc: "alice" has no domain \(give each as Name/);
  refused("Reply-To: a@", /^Reply-To: cannot parse address "a@" /);
  refused("From: Ann <a@x.test", /^From: cannot parse address "Ann <a@x.test"/);
  refused("To:", /^To needs an address \(RFC 5322 §3\.6; for none, a group such as undisclosed-recipients:;\)$/);
  refused("Resent-To: (a comment only)", /^Resent-To needs an address/);
  refused(`To: ${"a".repeat(1001)}@x.test`, /^To: address is longer than 1000 characters/);
  for (const ok of ["To: a@x.test, (broken)b@x.test", "To: undisclosed-recipients:;", "Cc: Team: a@x.test, \"b c\"@x.test;", "To: a@[127.0.0.1], B <b@x.test>", "Bcc:", "Resent-Bcc: (none)", "To: a@x.test,, b@x.test"]) {
    assert.equal(one(ok).value, ok.slice(ok.indexOf(":") + 1).trim(), ok);
  }
  // a second field of a name RFC 5322 allows once, in any case
  assert.throws(() => parseHeaderFlag("SUBJECT: b", parseHeaderFlag("Subject: a", undefined)), /^.*SUBJECT given twice: a message has one \(RFC 5322 §3\.6\)$/);
  // a tab inside a value is white space, kept
  assert.equal(one("X-A: a\tb").value, "a\tb");
});

test("--header: text past ASCII goes as encoded words in unstructured fields, and in address fields only the display names do", () => {
  const note = one("X-Note: Grüße aus Köln");
  assert.deepEqual(note, { name: "X-Note", value: "=?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?=", utf8: false });
  const reply = one("Reply-To: Jörg Müller <j@x.test>, plain@x.test");
  assert.deepEqual(reply, { name: "Reply-To", value: "=?UTF-8?B?SsO2cmcgTcO8bGxlcg==?=\r\n <j@x.test>,\r\n plain@x.test", utf8: false });
  // an addr-spec past ASCII stays UTF-8: the message needs SMTPUTF8 (see checkHeaderFlags)
  assert.deepEqual(one("Cc: jö@x.test"), { name: "Cc", value: "jö@x.test", utf8: true });
  // ASCII too long for one line: encoded words too (unstructured text folds)
  const long = one(`X-Long: ${"a".repeat(1000)}`);
  for (const line of `X-Long: ${long.value}`.split("\r\n")) assert.ok(line.length <= 76, line);
  assert.equal(decoded(long.value), "a".repeat(1000));
  // the longest that fits stays as written
  const fits = "b".repeat(998 - "X-Fit: ".length);
  assert.equal(one(`X-Fit: ${fits}`).value, fits);
});

/** Values rich in what could break a field: line ends, controls, blanks, text past ASCII, encoded-word openers. */
const VALUE = fc.array(fc.oneof(fc.constantFrom("\r", "\n", "\r\n", "\0", "\t", " ", "é", "€", "😀", "=?", "Bcc: x@y"), fc.string({ unit: "binary", maxLength: 40 }), fc.string({ maxLength: 400 })), { maxLength: 8 }).map((parts) => parts.join(""));

test("--header (property): whatever the value, the field is refused or is lines of at most 998 characters with no line break of its own, and gives the value back", () => {
  fc.assert(fc.property(fc.constantFrom("X-Test", "Subject", "Comments", `X-${"n".repeat(70)}`), VALUE, (name, value) => {
    let field: HeaderFlag;
    try {
      field = one(`${name}: ${value}`);
    } catch (err) {
      assert.ok(err instanceof InvalidArgumentError, String(err));
      // eslint-disable-next-line no-control-regex
      assert.match(value, /[\x00-\x08\x0a-\x1f\x7f-\x9f]/, "refused only for a control character");
      return;
    }
    const text = `${field.name}: ${field.value}`;
    const lines = text.split("\r\n");
    for (const [i, line] of lines.entries()) {
      assert.ok(line.length <= 998, `${line.length}`);
      if (i > 0) assert.match(line, /^ /, "a folded line starts with a space");
      assert.ok(!/[\r\n]/.test(line));
    }
    // encoded words: lines of at most 76 characters (RFC 2047 §2)
    if (field.value.includes("=?UTF-8?B?") && !value.includes("=?")) for (const line of lines) assert.ok(line.length <= 76, line);
    assert.equal(decoded(field.value), value.replace(/^[ \t]+|[ \t]+$/g, ""));
  }), { numRuns: 400 });
});

test("--header (property): an address field, whatever its value, is refused with a usage error or goes as folded lines of at most 998 characters", () => {
  const parts = fc.constantFrom("a@x.test", "Jörg <j@x.test>", ", ", ",", "(c)", "\"q r\"@x.test", "Team:", ";", "<", ">", "@", "é", " ", "\r\n", "=?");
  fc.assert(fc.property(fc.constantFrom("To", "Cc", "Bcc", "Reply-To"), fc.array(fc.oneof(parts, fc.string({ maxLength: 12 })), { maxLength: 10 }), (name, pieces) => {
    let field: HeaderFlag;
    try {
      field = one(`${name}: ${pieces.join("")}`);
    } catch (err) {
      assert.ok(err instanceof InvalidArgumentError, String(err));
      return;
    }
    for (const [i, line] of `${field.name}: ${field.value}`.split("\r\n").entries()) {
      assert.ok(line.length <= 998);
      if (i > 0) assert.match(line, /^ /);
      assert.ok(!/[\r\n]/.test(line));
    }
  }), { numRuns: 500 });
});

test("encodeHeaderText: after a field name that leaves no room for a word on its line, the value starts on the next", () => {
  const name = `X-${"n".repeat(60)}`;
  const value = encodeHeaderText("é", name);
  assert.equal(value, "\r\n =?UTF-8?B?w6k=?=");
  // Subject keeps its first word on its line, as before
  assert.equal(encodeHeaderText("é"), "=?UTF-8?B?w6k=?=");
});

test("test message with --header fields: a made field's place is taken under the name as given, the others follow the Subject in order", () => {
  const headers = parseHeaderFlag("X-B: 2", parseHeaderFlag("from: Other <o@z.test>", parseHeaderFlag("X-A: 1", parseHeaderFlag("Content-Type: text/html; charset=utf-8", undefined))));
  const message = testMessage({ from: "a@x.test", to: ["b@x.test"], subject: "s", body: "<p>hi</p>", date: DATE, id: "h", headers });
  assert.equal(message, [
    "Date: Wed, 02 Dec 2026 09:00:00 +0000",
    "Message-ID: <h@x.test>",
    "from: Other <o@z.test>",
    "To: b@x.test",
    "Subject: s",
    "X-A: 1",
    "X-B: 2",
    "MIME-Version: 1.0",
    "Content-Type: text/html; charset=utf-8",
    "Content-Transfer-Encoding: 7bit",
    "",
    "<p>hi</p>",
    "",
  ].join("\r\n"));
});

test("send --header: a test message by itself; not with --file; Subject not with --subject; an address past ASCII only with SMTPUTF8", () => {
  const base = ["send", "--server", "h", "--from", "a@x.org", "--to", "b@x.org"];
  const alone = parse(...base, "--header", "X-A: 1");
  assert.equal(alone.command?.kind, "send");
  assert.deepEqual(alone.command?.kind === "send" ? alone.command.compose : undefined, {
    subject: "smtplib test message", body: "This is a test message sent with smtplib send.", headers: [{ name: "X-A", value: "1", utf8: false }], attach: [],
  });
  assert.match(parse(...base, "--header", "X-A: 1", "--file", "m.eml").error?.message ?? "", /--header <field>' cannot be used with option '--file <file>'/);
  assert.equal(parse(...base, "--header", "subject: a", "--subject", "b").error?.message, "error: --header subject and --subject both give the subject (give it once)");
  assert.equal(parse(...base, "--header", "Subject: a", "--body", "b").command?.kind, "send");
  assert.equal(parse(...base, "--header", "To: jö@x.org").error?.message, "error: --header To: an address past ASCII needs SMTPUTF8 (add --mail-option SMTPUTF8)");
  assert.equal(parse(...base, "--header", "To: jö@x.org", "--mail-option", "SMTPUTF8").command?.kind, "send");
  assert.equal(parse("send", "--server", "h", "--from", "jö@x.org", "--to", "b@x.org", "--header", "To: jö@x.org").command?.kind, "send");
  // a display name past ASCII in --from is not sent, so it asks for no SMTPUTF8
  assert.equal(parse("send", "--server", "h", "--from", "Jörg <j@x.org>", "--to", "b@x.org", "--header", "To: jö@x.org").error?.code, "smtplib.usage");
  // the flag's own errors name it and quote the value
  assert.equal(parse(...base, "--header", "X-A: a\nb").error?.message, 'error: --header "X-A: a\\nb": the value holds U+000A: a field is one line of text (a line break would start another field)');
});

test("send --header: the fields arrive as given; a Bcc field is sent with the warning a message file's gets", async () => {
  const serve = await Serve.start([]);
  try {
    const r = await run(["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "b@x.test", "--header", "X-Note: Grüße", "--header", "Bcc: hidden@x.test", "--header", "From: Other <o@z.test>"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "smtplib: warning: the message has a Bcc field, sent as it is: every recipient sees it (leave out --header Bcc; the blind recipients are the --to addresses not in To or Cc)\n");
    await serve.waitFor(/end of message 1/);
    assert.match(serve.stdout, /\nFrom: Other <o@z\.test>\r\nTo: b@x\.test\r\nSubject: smtplib test message\r\nX-Note: =\?UTF-8\?B\?R3LDvMOfZQ==\?=\r\nBcc: hidden@x\.test\r\nMIME-Version: 1\.0\r\n/);
  } finally {
    await serve.stop();
  }
});
