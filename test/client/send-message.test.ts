import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { createMimeMessage } from "mimetext";
import { SMTPNotSupportedError } from "../../src/errors.js";
import { mailOptionsFor, prepareMessage } from "../../src/client/send-message.js";

/** What Python's `email.mime.text.MIMEText('A test message')` plus headers serialises to. */
function mimeText(headers: Array<[string, string]>, body = "A test message"): string {
  const lines = [
    'Content-Type: text/plain; charset="us-ascii"',
    "MIME-Version: 1.0",
    "Content-Transfer-Encoding: 7bit",
    ...headers.map(([n, v]) => `${n}: ${v}`),
  ];
  return `${lines.join("\n")}\n\n${body}`;
}
const crlf = (s: string): string => s.replace(/\r\n|\r|\n/g, "\r\n");
const without = (headers: Array<[string, string]>, ...drop: string[]) => headers.filter(([n]) => !drop.includes(n));
const typeError = (pattern: RegExp) => (e: unknown) => e instanceof TypeError && pattern.test(e.message);

const BCC = 'John Root <root@localhost>, "Dinsdale" <warped@silly.walks.com>';

describe("prepareMessage: CPython's send_message cases", () => {
  it("testSendMessage: from and to given, message without address headers", () => {
    const m = mimeText([]);
    const p = prepareMessage(m, "John", "Sally");
    assert.equal(p.from, "John");
    assert.deepEqual(p.to, ["Sally"]);
    assert.equal(p.data.toString(), crlf(m));
  });

  it("testSendMessageWithAddresses: To, CC and Bcc read; Bcc not transmitted", () => {
    const headers: Array<[string, string]> = [["From", "foo@bar.com"], ["To", "John"], ["CC", "Sally, Fred"], ["Bcc", BCC]];
    const p = prepareMessage(mimeText(headers));
    assert.equal(p.from, "foo@bar.com");
    // CPython reads To, Bcc, Cc (its test checks each RCPT, not their order)
    assert.deepEqual(p.to, ["John", "root@localhost", "warped@silly.walks.com", "Sally", "Fred"]);
    assert.equal(p.data.toString(), crlf(mimeText(without(headers, "Bcc"))));
    assert.equal(p.smtputf8, false);
    assert.equal(p.eightBit, false);
  });

  it("testSendMessageWithSomeAddresses: only some of To/Cc/Bcc present", () => {
    const p = prepareMessage(mimeText([["From", "foo@bar.com"], ["To", "John, Dinsdale"]]));
    assert.deepEqual(p.to, ["John", "Dinsdale"]);
  });

  it("testSendMessageWithSpecifiedAddresses: given addresses override the headers", () => {
    const headers: Array<[string, string]> = [["From", "foo@bar.com"], ["To", "John, Dinsdale"]];
    const p = prepareMessage(mimeText(headers), "joe@example.com", "foo@example.net");
    assert.equal(p.from, "joe@example.com");
    assert.deepEqual(p.to, ["foo@example.net"]);
    assert.equal(p.data.toString(), crlf(mimeText(headers)));
  });

  it("testSendMessageWithMultipleFrom: Sender overrides From", () => {
    const p = prepareMessage(
      mimeText([["From", "Bernard, Bianca"], ["Sender", "the_rescuers@Rescue-Aid-Society.com"], ["To", "John, Dinsdale"]]),
    );
    assert.equal(p.from, "the_rescuers@Rescue-Aid-Society.com");
    assert.deepEqual(p.to, ["John", "Dinsdale"]);
  });

  it("testSendMessageResent: one set of Resent-* is used; Bcc and Resent-Bcc not transmitted", () => {
    const headers: Array<[string, string]> = [
      ["From", "foo@bar.com"],
      ["To", "John"],
      ["CC", "Sally, Fred"],
      ["Bcc", BCC],
      ["Resent-Date", "Thu, 1 Jan 1970 17:42:00 +0000"],
      ["Resent-From", "holy@grail.net"],
      ["Resent-To", "Martha <my_mom@great.cooker.com>, Jeff"],
      ["Resent-Bcc", "doe@losthope.net"],
    ];
    const p = prepareMessage(mimeText(headers));
    assert.equal(p.from, "holy@grail.net");
    assert.deepEqual(p.to, ["my_mom@great.cooker.com", "Jeff", "doe@losthope.net"]);
    assert.equal(p.data.toString(), crlf(mimeText(without(headers, "Bcc", "Resent-Bcc"))));
  });

  it("testSendMessageMultipleResentRaises: more than one set is an error, even with from and to given", () => {
    const m = mimeText([
      ["From", "foo@bar.com"],
      ["To", "John"],
      ["Resent-Date", "Thu, 1 Jan 1970 17:42:00 +0000"],
      ["Resent-From", "holy@grail.net"],
      ["Resent-To", "Martha <my_mom@great.cooker.com>, Jeff"],
      ["Resent-Bcc", "doe@losthope.net"],
      ["Resent-Date", "Thu, 2 Jan 1970 17:42:00 +0000"],
      ["Resent-To", "holy@grail.net"],
      ["Resent-From", "Martha <my_mom@great.cooker.com>, Jeff"],
    ]);
    assert.throws(() => prepareMessage(m), typeError(/more than one set of Resent-\* headers/));
    // Given from and to do not help (Python raises too): the message must not advise them.
    assert.throws(() => prepareMessage(m, "a@b", ["c@d"]), (e: unknown) => typeError(/sendmail\(\)/)(e) && !/pass from and to/.test((e as Error).message));
  });

  it("test_send_message_uses_smtputf8_if_addrs_non_ascii", () => {
    const m = [
      "From: Páolo <főo@bar.com>",
      "To: Dinsdale",
      "Subject: Nudge nudge, wink, wink \u1F609",
      'Content-Type: text/plain; charset="utf-8"',
      "Content-Transfer-Encoding: 8bit",
      "MIME-Version: 1.0",
      "",
      "oh là là, know what I mean, know what I mean?",
      "",
    ].join("\n");
    const p = prepareMessage(m);
    assert.equal(p.from, "főo@bar.com");
    assert.deepEqual(p.to, ["Dinsdale"]);
    assert.equal(p.smtputf8, true);
    assert.equal(p.eightBit, true);
    assert.equal(p.data.toString("utf8"), crlf(m));
    assert.deepEqual(mailOptionsFor(p, new Map([["smtputf8", ""], ["8bitmime", ""]])), ["SMTPUTF8", "BODY=8BITMIME"]);
  });

  it("test_send_message_error_on_non_ascii_addrs_if_no_smtputf8", () => {
    const p = prepareMessage("From: Páolo <főo@bar.com>\nTo: Dinsdale\nSubject: x\n\nhi\n");
    assert.throws(
      () => mailOptionsFor(p, new Map([["8bitmime", ""], ["size", "1000"]])),
      (e: unknown) => e instanceof SMTPNotSupportedError && /SMTPUTF8/.test(e.message),
    );
  });

  it("DefaultArgumentsTests: mail options are added each time, the caller's list is not changed", () => {
    const p = prepareMessage("From: Páolo <főo@bar.com>\n\nx", undefined, "a@b");
    const features = new Map([["smtputf8", ""]]);
    assert.deepEqual(mailOptionsFor(p, features), ["SMTPUTF8", "BODY=8BITMIME"]);
    assert.deepEqual(mailOptionsFor(p, features), ["SMTPUTF8", "BODY=8BITMIME"]);
    const given = ["STARTTLS"];
    assert.deepEqual(mailOptionsFor(p, features, given), ["STARTTLS", "SMTPUTF8", "BODY=8BITMIME"]);
    assert.deepEqual(given, ["STARTTLS"]);
  });

  it("the message given by the caller is not changed (Python keeps Bcc in msg)", () => {
    const bytes = Buffer.from("From: a@b\nBcc: c@d\n\nx");
    const copy = Buffer.from(bytes);
    prepareMessage(bytes);
    assert.deepEqual(bytes, copy);
  });
});

describe("prepareMessage: what Python gets wrong or leaves open", () => {
  it("no sender at all is a TypeError, not MAIL FROM:<None>", () => {
    assert.throws(() => prepareMessage("To: a@b\n\nx"), typeError(/no sender: no Sender or From header/));
    assert.throws(() => prepareMessage("From: undisclosed:;\nTo: a@b\n\nx"), typeError(/no sender/));
    assert.throws(() => prepareMessage("Resent-Date: x\nResent-To: a@b\nFrom: f@g\n\nx"), typeError(/no Resent-Sender or Resent-From/));
  });
  it("no recipients is a TypeError", () => {
    assert.throws(() => prepareMessage("From: a@b\n\nx"), typeError(/no recipients: no address in To, Cc or Bcc/));
    assert.throws(() => prepareMessage("From: a@b\nTo: undisclosed-recipients:;\n\nx"), typeError(/no recipients/));
    assert.throws(() => prepareMessage("From: a@b\nTo: c@d\n\nx", undefined, []), typeError(/to is empty/));
  });
  it("a group with only Bcc recipients still works, and Bcc goes", () => {
    const p = prepareMessage("From: a@b\nTo: undisclosed-recipients:;\nBcc: x@y\n\nx");
    assert.deepEqual(p.to, ["x@y"]);
    assert.equal(p.data.toString(), "From: a@b\r\nTo: undisclosed-recipients:;\r\n\r\nx");
  });
  it("from may be the null reverse-path", () => {
    assert.equal(prepareMessage("To: a@b\n\nx", "").from, "");
    assert.equal(prepareMessage("To: a@b\n\nx", "<>").from, "<>");
  });
  it("given addresses are checked before anything is sent", () => {
    assert.throws(() => prepareMessage("To: a@b\n\nx", "a@b\r\nRCPT TO:<evil@x>"), typeError(/CR, LF or NUL/));
    assert.throws(() => prepareMessage("From: a@b\n\nx", undefined, ["ok@x", "bad <"]), typeError(/cannot parse address/));
    assert.throws(() => prepareMessage("From: a@b\n\nx", undefined, 5 as unknown as string), TypeError);
  });
  it("a blank given recipient is a TypeError, not RCPT TO:<>", () => {
    for (const to of ["", "<>", ["a@b", " "]]) assert.throws(() => prepareMessage("From: a@b\nTo: c@d\n\nx", undefined, to), typeError(/null path/));
  });
  it("an unparsable address header is a TypeError naming the address", () => {
    assert.throws(() => prepareMessage("From: a@b\nTo: ok@x, John Smith\n\nx"), typeError(/"John Smith"/));
  });
  it("a To whose domain literal holds a space is a TypeError, not another address", () => {
    assert.throws(() => prepareMessage("From: f@g\nTo: a@[192.0.2.1 7]\n\nx"), typeError(/cannot parse address "a@\[192.0.2.1 7\]"/));
  });
  it("an unparsable header that is not read does not matter", () => {
    const p = prepareMessage("From: a@b\nTo: garbage <<\n\nx", undefined, "c@d");
    assert.deepEqual(p.to, ["c@d"]);
  });
  it("a Resent-* set without Resent-Date is used, not ignored", () => {
    const p = prepareMessage("From: f@g\nTo: t@u\nResent-From: r@s\nResent-To: new@x\n\nx");
    assert.equal(p.from, "r@s");
    assert.deepEqual(p.to, ["new@x"]);
  });
  it("every To field counts, not only the first", () => {
    assert.deepEqual(prepareMessage("From: f@g\nTo: a@a\nTo: b@b\n\nx").to, ["a@a", "b@b"]);
  });
  it("folded address headers are unfolded; a folded Bcc goes entirely", () => {
    const p = prepareMessage("From: f@g\nTo: A <a@a>,\n B\n <b@b>\nBcc: c@c,\n\td@d\nSubject: s\n\nbody\n");
    assert.deepEqual(p.to, ["a@a", "b@b", "c@c", "d@d"]);
    assert.equal(p.data.toString(), "From: f@g\r\nTo: A <a@a>,\r\n B\r\n <b@b>\r\nSubject: s\r\n\r\nbody\r\n");
  });
  it("utf8Headers: UTF-8 in the header section as sent, not in the body, a Bcc or another charset", () => {
    const utf8 = (m: string | Uint8Array, ...rest: [string?, string?]) => prepareMessage(m, ...rest).utf8Headers;
    assert.equal(utf8("From: a@b\nTo: c@d\nSubject: Grüße\n\nx"), true);
    assert.equal(utf8("From: Jörg <a@b>\nTo: c@d\n\nx"), true);
    assert.equal(utf8("From: a@b\nTo: c@d\nSubject: x\n  folded Grüße\n\nx"), true);
    assert.equal(utf8("From: a@b\nTo: c@d\nSubject: x\n\nGrüße"), false);
    assert.equal(utf8("From: a@b\nTo: c@d\nSubject: x\n\nSubject: Grüße\n"), false);
    assert.equal(utf8("From: a@b\nTo: c@d\nBcc: Zoë <z@e>\n\nx"), false);
    assert.equal(utf8("From: a@b\nTo: c@d\nResent-From: a@b\nResent-To: r@s\nResent-Bcc: Zoë <z@e>\n\nx"), false);
    assert.equal(utf8("From Zoë Mon Jan  1 00:00:00 2024\nFrom: a@b\nTo: c@d\n\nx"), false);
    assert.equal(utf8(Buffer.from("From: a@b\nTo: c@d\nSubject: Gr\xfc\xdfe\n\nx", "latin1")), false);
    const latin1 = prepareMessage(Buffer.from("From: a@b\nTo: c@d\nSubject: Gr\xfc\xdfe\n\nx", "latin1"));
    assert.equal(latin1.eightBit, true);
    assert.equal(utf8("From: a@b\nTo: c@d\nSubject: Grüße\n\nx", "e@f", "g@h"), true);
    // A Bcc removed and a long line folded (the header section shrinks, then grows): the
    // body's first bytes, UTF-8, are still not counted as header.
    const long = `Subject: ${"word ".repeat(300)}`;
    assert.equal(utf8(`From: a@b\nTo: c@d\nBcc: e@f\n${long}\n\nGrüße`), false);
    assert.equal(utf8(`From: a@b\nTo: c@d\n${long}\nBcc: Zoë <e@f>\n\nGrüße`), false);
  });
  it("a lone CR cannot hide a Bcc field from removal", () => {
    const p = prepareMessage("From: f@g\rTo: a@a\rBcc: secret@x\r\rbody");
    assert.deepEqual(p.to, ["a@a", "secret@x"]);
    assert.doesNotMatch(p.data.toString(), /secret/);
    assert.equal(p.data.toString(), "From: f@g\r\nTo: a@a\r\n\r\nbody");
  });
  it("a Bcc after a misplaced From_ line or a nameless field is read and removed, as in Python", () => {
    for (const junk of ["From x@y Mon Jan 1 00:00:00 2024", ":junk"]) {
      const p = prepareMessage(`From: f@g\nTo: a@a\n${junk}\nBcc: secret@z\nCc: c@c\n\nbody\n`);
      assert.deepEqual(p.to, ["a@a", "secret@z", "c@c"], junk);
      assert.equal(p.data.toString(), `From: f@g\r\nTo: a@a\r\n${junk}\r\nCc: c@c\r\n\r\nbody\r\n`, junk);
    }
  });
  it("a header line over 998 octets is folded (as Python's generator refolds), the envelope unchanged", () => {
    const to = Array.from({ length: 200 }, (_, i) => `u${i}@x.test`);
    const p = prepareMessage(`From: f@g\nTo: ${to.join(", ")}\nBcc: ${to.join(", ")}\n\nbody\n`);
    assert.deepEqual(p.to, [...to, ...to]);
    for (const line of p.data.toString().split("\r\n")) assert.ok(line.length <= 998, `${line.length}`);
    assert.equal(p.data.toString().replace(/\r\n(?=[ \t])/g, ""), `From: f@g\r\nTo: ${to.join(", ")}\r\n\r\nbody\r\n`);
  });
  it("a Bcc-looking line in the body is left alone", () => {
    const p = prepareMessage("From: f@g\nTo: a@a\n\nBcc: in the body\n");
    assert.equal(p.data.toString(), "From: f@g\r\nTo: a@a\r\n\r\nBcc: in the body\r\n");
  });
  it("bytes are sent as given: 8-bit Latin-1 body and header kept byte for byte", () => {
    const raw = Buffer.concat([Buffer.from("From: f@g\r\nTo: a@a\r\nSubject: caf"), Buffer.from([0xe9]), Buffer.from("\r\n\r\nna"), Buffer.from([0xef, 0x76, 0x65, 0x0d, 0x0a])]);
    const p = prepareMessage(new Uint8Array(raw));
    assert.deepEqual(p.data, raw);
    assert.equal(p.eightBit, true);
    assert.equal(p.smtputf8, false);
  });
  it("a Latin-1 display name in From/To (a legacy message) is read as Python reads it, the message sent byte for byte; a non-ASCII address there is a TypeError", () => {
    const latin1 = (s: string): Buffer => Buffer.from(s, "latin1");
    const raw = latin1("From: Jos\xe9 <j@x>\r\nTo: Ren\xe9 <r@y>, b@y\r\nBcc: Zo\xeb <z@y>\r\n\r\nbody\r\n");
    const p = prepareMessage(raw);
    assert.deepEqual([p.from, p.to], ["j@x", ["r@y", "b@y", "z@y"]]);
    assert.deepEqual(p.data, latin1("From: Jos\xe9 <j@x>\r\nTo: Ren\xe9 <r@y>, b@y\r\n\r\nbody\r\n"));
    assert.deepEqual([p.smtputf8, p.utf8Headers, p.eightBit], [false, false, true]);
    assert.throws(() => prepareMessage(latin1("From: f@g\r\nTo: Jos\xe9 <jos\xe9@x>\r\n\r\n")), typeError(/To header is not valid UTF-8, and its address "jos\u00e9@x" is not ASCII/));
  });
  it("a leading UTF-8 byte order mark (a file saved by an editor) is dropped, so the headers stay headers and Bcc is removed", () => {
    const msg = "\uFEFFFrom: f@g\r\nTo: a@a\r\nBcc: secret@s\r\n\r\nbody";
    const given = prepareMessage(msg, "f@g", ["a@a"]);
    assert.equal(given.data.toString(), "From: f@g\r\nTo: a@a\r\n\r\nbody");
    const found = prepareMessage(Buffer.from(msg));
    assert.deepEqual([found.from, found.to], ["f@g", ["a@a", "secret@s"]]);
    assert.equal(found.data.toString(), "From: f@g\r\nTo: a@a\r\n\r\nbody");
  });
  it("the mbox From_ line is not transmitted (as Python's generator drops unixfrom)", () => {
    const p = prepareMessage("From someone Mon Jan 1 00:00:00 2024\nFrom: f@g\nTo: a@a\n\nx");
    assert.equal(p.data.toString(), "From: f@g\r\nTo: a@a\r\n\r\nx");
    assert.equal(p.from, "f@g");
  });
  it("non-ASCII given addresses need SMTPUTF8 too", () => {
    assert.equal(prepareMessage("From: f@g\nTo: a@a\n\nx", undefined, "用户@例子.广告").smtputf8, true);
    assert.equal(prepareMessage("From: f@g\nTo: a@a\n\nx", "jő@x").smtputf8, true);
  });
  it("a non-ASCII display name in a given address needs no SMTPUTF8: only the path is sent", () => {
    const p = prepareMessage("From: f@g\nTo: a@a\n\nx", "Jörg <j@x.test>", ["Zoë <z@y.test>", "(Grüße) k@y.test"]);
    assert.deepEqual([p.fromPath, ...p.toPaths], ["<j@x.test>", "<z@y.test>", "<k@y.test>"]);
    assert.equal(p.smtputf8, false);
    assert.deepEqual(mailOptionsFor(p, new Map()), []);
  });
  it("refuses what is not a message", () => {
    assert.throws(() => prepareMessage(42 as unknown as string), typeError(/msg must be/));
    assert.throws(() => prepareMessage({ asRaw: () => 42 } as unknown as { asRaw(): string }), typeError(/asRaw\(\) must return a string/));
  });
  it("property: Bcc and Resent-Bcc never survive, whatever the line ends", () => {
    const eol = fc.constantFrom("\r\n", "\n", "\r");
    // "From x" and "" make lines Python's parser drops while reading on (From_, ":a@b"): a Bcc after them is still one.
    const name = fc.constantFrom("To", "Cc", "Bcc", "BCC", "Resent-Bcc", "Subject", "From x", "");
    const field = fc.tuple(name, fc.constantFrom("a@b", "x@y,", "c@d"), eol, fc.option(eol.map((e) => `,${e} e@f`)));
    fc.assert(
      fc.property(fc.array(field, { maxLength: 8 }), eol, (fields, end) => {
        const text = `From: f@g${end}To: t@t${end}` + fields.map(([n, v, e, fold]) => `${n}: ${v}${fold ?? ""}${e}`).join("") + `${end}body`;
        if ((text.match(/Resent-Bcc/g) ?? []).length > 1) {
          assert.throws(() => prepareMessage(text, "f@g"), typeError(/more than one set/));
          return;
        }
        // Mixed line ends can leave no empty line before "body", right after a Bcc: refused,
        // as that line could be a wrapped blind address (see the wire test).
        const last = /(?:^|[\r\n])([^\r\n:]*):[^\r\n]*(?:(?:\r\n|[\r\n])[ \t][^\r\n]*)*(?:\r\n|[\r\n])body$/.exec(text);
        if (last !== null && /^(resent-)?bcc$/i.test(last[1])) {
          assert.throws(() => prepareMessage(text, "f@g"), typeError(/field is followed by a line that is neither a header field nor its continuation \("body"\)/));
          return;
        }
        const p = prepareMessage(text, "f@g");
        const head = p.data.toString().split("\r\n\r\n")[0];
        assert.doesNotMatch(head, /^(resent-)?bcc\s*:/im);
        assert.doesNotMatch(p.data.toString(), /\r(?!\n)|(?<!\r)\n/);
      }),
    );
  });
});

describe("prepareMessage with mimetext's MIMEMessage (asRaw)", () => {
  it("reads From, To, Cc, Bcc and drops Bcc", () => {
    const msg = createMimeMessage();
    msg.setSender({ name: "Lorem Ipsum", addr: "lorem@ipsum.com" });
    msg.setRecipient("foobar@test.com");
    msg.setRecipient({ name: "Jérôme, Q.", addr: "cc@test.com" }, { type: "Cc" });
    msg.setRecipient("hidden@test.com", { type: "Bcc" });
    msg.setSubject("🚀 Issue 49!");
    msg.addMessage({ contentType: "text/plain", data: "Hi,\n.a line with a dot\nI'm a simple text." });
    const p = prepareMessage(msg);
    assert.equal(p.from, "lorem@ipsum.com");
    assert.deepEqual(p.to, ["foobar@test.com", "hidden@test.com", "cc@test.com"]);
    const text = p.data.toString();
    assert.doesNotMatch(text, /hidden@test\.com/);
    assert.doesNotMatch(text, /^Bcc:/im);
    assert.equal(text, crlf(msg.asRaw()).replace(/^Bcc: .*\r\n/m, ""));
    assert.equal(p.smtputf8, false);
    assert.equal(p.eightBit, false);
  });
});

describe("mailOptionsFor", () => {
  const ascii = { smtputf8: false, utf8Headers: false, eightBit: false };
  const eight = { smtputf8: false, utf8Headers: false, eightBit: true };
  const intl = { smtputf8: true, utf8Headers: true, eightBit: true };
  const utf8Headers = { smtputf8: false, utf8Headers: true, eightBit: true };
  const f = (...names: string[]) => new Map(names.map((n) => [n, ""]));
  it("adds nothing for 7-bit ASCII", () => {
    assert.deepEqual(mailOptionsFor(ascii, f()), []);
    assert.deepEqual(mailOptionsFor(ascii, f("8bitmime"), ["SIZE=10"]), ["SIZE=10"]);
  });
  it("8-bit data: BODY=8BITMIME when the server has 8BITMIME, else SMTPNotSupportedError", () => {
    assert.deepEqual(mailOptionsFor(eight, f("8bitmime")), ["BODY=8BITMIME"]);
    assert.throws(() => mailOptionsFor(eight, f("size")), (e: unknown) => e instanceof SMTPNotSupportedError && /8BITMIME/.test(e.message));
    assert.throws(() => mailOptionsFor(eight, f()), SMTPNotSupportedError); // HELO only
  });
  it("keeps the caller's BODY, checks it fits", () => {
    assert.deepEqual(mailOptionsFor(eight, f("8bitmime"), ["body=8bitmime"]), ["body=8bitmime"]);
    assert.deepEqual(mailOptionsFor(eight, f("binarymime", "chunking"), ["BODY=BINARYMIME"]), ["BODY=BINARYMIME"]);
    assert.throws(() => mailOptionsFor(eight, f("8bitmime"), ["BODY=BINARYMIME"]), SMTPNotSupportedError);
    assert.throws(() => mailOptionsFor(eight, f("8bitmime"), ["BODY=7BIT"]), TypeError);
    assert.throws(() => mailOptionsFor(eight, f(), ["BODY=8BITMIME"]), SMTPNotSupportedError);
  });
  it("SMTPUTF8: added with BODY=8BITMIME, never twice", () => {
    assert.deepEqual(mailOptionsFor(intl, f("smtputf8", "8bitmime")), ["SMTPUTF8", "BODY=8BITMIME"]);
    assert.deepEqual(mailOptionsFor(intl, f("smtputf8")), ["SMTPUTF8", "BODY=8BITMIME"]);
    assert.deepEqual(mailOptionsFor(intl, f("smtputf8"), ["smtputf8", "BODY=8BITMIME"]), ["smtputf8", "BODY=8BITMIME"]);
    assert.deepEqual(mailOptionsFor({ smtputf8: true, utf8Headers: false, eightBit: false }, f("smtputf8")), ["SMTPUTF8", "BODY=8BITMIME"]);
    assert.throws(() => mailOptionsFor(intl, f("8bitmime")), SMTPNotSupportedError);
  });
  it("UTF-8 headers, ASCII addresses: SMTPUTF8 where offered, else 8-bit data as before", () => {
    assert.deepEqual(mailOptionsFor(utf8Headers, f("smtputf8", "8bitmime")), ["SMTPUTF8", "BODY=8BITMIME"]);
    assert.deepEqual(mailOptionsFor(utf8Headers, f("smtputf8")), ["SMTPUTF8", "BODY=8BITMIME"]);
    assert.deepEqual(mailOptionsFor(utf8Headers, f("8bitmime")), ["BODY=8BITMIME"]);
    assert.deepEqual(mailOptionsFor(utf8Headers, f("8bitmime"), ["SMTPUTF8"]), ["SMTPUTF8", "BODY=8BITMIME"]); // refused later: not offered
    assert.throws(() => mailOptionsFor(utf8Headers, f("size")), (e: unknown) => e instanceof SMTPNotSupportedError && /8BITMIME/.test(e.message));
    assert.throws(() => mailOptionsFor(utf8Headers, f()), SMTPNotSupportedError); // HELO only
    assert.throws(() => mailOptionsFor(utf8Headers, f("smtputf8"), ["BODY=7BIT"]), TypeError);
  });
});

describe("prepareMessage for a binary body (BODY=BINARYMIME)", () => {
  it("normalises line ends in the header section only; the body's bytes, lone CRs and LFs among them, are kept", () => {
    const body = Buffer.from([0x00, 0x0a, 0x0d, 0x0d, 0x0a, 0xff, 0x0d]);
    // The header section ends at a lone CR and then a CRLF (an empty line once normalised).
    const msg = Buffer.concat([Buffer.from("From: a@x\nBcc: h@z\rTo: b@y\r\r\n"), body]);
    const p = prepareMessage(msg, undefined, undefined, true);
    assert.deepEqual(p.to, ["b@y", "h@z"]);
    assert.deepEqual(p.data, Buffer.concat([Buffer.from("From: a@x\r\nTo: b@y\r\n\r\n"), body]));
    assert.deepEqual(prepareMessage(msg).data, Buffer.concat([Buffer.from("From: a@x\r\nTo: b@y\r\n\r\n"), Buffer.from([0x00, 0x0d, 0x0a, 0x0d, 0x0a, 0x0d, 0x0a, 0xff, 0x0d, 0x0a])]));
  });
  it("property: the result normalised is the text one, and ends with the body's own bytes", () => {
    const piece = fc.constantFrom("\r", "\n", "\r\n", "a", " ", "x:", ".");
    fc.assert(fc.property(fc.array(piece, { maxLength: 12 }), fc.uint8Array({ maxLength: 8 }), (parts, tail) => {
      // An empty line at the latest before `tail`, which is body.
      const msg = Buffer.concat([Buffer.from(`From: a@x\nTo: b@y\n${parts.join("")}\r\n\r\n`, "latin1"), tail]);
      const text = prepareMessage(msg, "a@x", "b@y").data;
      const binary = prepareMessage(msg, "a@x", "b@y", true).data;
      assert.deepEqual(crlf(binary.toString("latin1")), text.toString("latin1"));
      assert.deepEqual(binary.subarray(binary.length - tail.length), Buffer.from(tail));
    }));
  });
});
