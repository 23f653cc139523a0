/**
 * The credential masking of src/protocol/auth-echo.ts, pure: which part of an AUTH line is
 * the credential, where a server's echo of it is masked (whole, or cut at the end of a
 * quoted line), and which errors are rebuilt masked. The sessions are in
 * test/client/auth-echo*.test.ts; these pin the edges they do not reach.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ExchangeSecrets, hideInError, hideInReply, hideSecret, initialResponse, secretOf, sentSecret } from "../../src/protocol/auth-echo.js";
import { SMTPResponseException, SMTPServerDisconnected, SMTPTimeoutError } from "../../src/errors.js";
import { makeReply, ReplyParser } from "../../src/protocol/reply.js";

describe("sentSecret: the credential of a line logged as `...****`", () => {
  it("is what the line has where its log shows ****, from 4 characters", () => {
    assert.equal(sentSecret("AUTH PLAIN AGFAYg==", "AUTH PLAIN ****"), "AGFAYg==");
    assert.equal(sentSecret("AUTH PLAIN abcd", "AUTH PLAIN ****"), "abcd");
    assert.equal(sentSecret("AUTH PLAIN abc", "AUTH PLAIN ****"), undefined);
  });

  it("is nothing for a line logged as it is, unmasked, or not as its log begins", () => {
    assert.equal(sentSecret("AUTH PLAIN AGFAYg==", undefined), undefined);
    assert.equal(sentSecret("AUTH PLAIN abcd****", "AUTH PLAIN abcd****"), undefined);
    assert.equal(sentSecret("AUTH PLAIN AGFAYg==", "AUTH PLAIN AGFAYg=="), undefined);
    assert.equal(sentSecret("AUTH PLAIN AGFAYg==", "AUTH LOGIN ****"), undefined);
  });
});

describe("secretOf / initialResponse", () => {
  it("a credential is trimmed, and from 4 characters", () => {
    assert.equal(secretOf(" abcd "), "abcd");
    assert.equal(secretOf("abc"), undefined);
    assert.equal(initialResponse("AUTH PLAIN abcd"), "abcd");
    assert.equal(initialResponse("AUTH PLAIN abc"), undefined);
    assert.equal(initialResponse("AUTH"), undefined);
  });
});

describe("hideSecret / hideInReply", () => {
  it("masks every occurrence, and leaves text without it as it is", () => {
    assert.equal(hideSecret("x abcd y abcd", "abcd"), "x **** y ****");
    assert.equal(hideSecret("x y", "abcd"), "x y");
    assert.equal(hideSecret("x abcd", undefined), "x abcd");
  });

  it("a reply without the secret is the same object; with it, a new one masked", () => {
    const reply = makeReply(535, ["5.7.8 no"]);
    assert.equal(hideInReply(reply, "abcd"), reply);
    assert.equal(hideInReply(reply, undefined), reply);
    const echoed = makeReply(535, ["5.7.8 abcd refused"]);
    assert.deepEqual(hideInReply(echoed, "abcd").lines, ["5.7.8 **** refused"]);
  });
});

describe("hideInError: a quoted echo cut short", () => {
  const quoted = (text: string): SMTPServerDisconnected => new SMTPServerDisconnected(`Connection closed: malformed line "${text}"`);

  it("masks the longest cut of the secret ending the quote, down to 4 characters", () => {
    const secret = "abcdefgh";
    const masked = (text: string): unknown => (hideInError(quoted(text), secret) as Error).message;
    assert.equal(masked("535 abcdefg"), 'Connection closed: malformed line "535 ****"');
    assert.equal(masked("535 abcd"), 'Connection closed: malformed line "535 ****"');
    assert.equal(masked("535 abc"), 'Connection closed: malformed line "535 abc"');
    assert.equal(masked("535 bcdefg"), 'Connection closed: malformed line "535 bcdefg"');
  });

  it("a message that does not end with a quote is only masked where the whole secret is", () => {
    const err = new SMTPServerDisconnected("Connection closed: 535 abcdefX");
    assert.equal(hideInError(err, "abcdefgh"), err);
  });

  it("returns anything but an error, or with no secret, as it is", () => {
    assert.equal(hideInError("abcd", "abcd"), "abcd");
    const err = quoted("535 abcdefgh");
    assert.equal(hideInError(err, undefined), err);
  });

  it("rebuilds SMTPResponseException and SMTPServerDisconnected masked, with their cause", () => {
    const cause = new Error("socket");
    const r = hideInError(new SMTPResponseException(-1, 'bad line "abcdefgh"', { cause }), "abcdefgh") as SMTPResponseException;
    assert.equal(r.constructor, SMTPResponseException);
    assert.equal(r.smtpError, 'bad line "****"');
    assert.equal(r.cause, cause);
    const d = hideInError(new SMTPServerDisconnected("closed: abcdefgh", { cause }), "abcdefgh") as SMTPServerDisconnected;
    assert.equal(d.constructor, SMTPServerDisconnected);
    assert.equal(d.message, "closed: ****");
    assert.equal(d.cause, cause);
  });

  it("returns an error of another class as it is (none quotes a server's line)", () => {
    const timeout = new SMTPTimeoutError('Timed out after 5 ms waiting for the reply to "AUTH PLAIN abcdefg"', "command", 5);
    assert.equal(hideInError(timeout, "abcdefgh"), timeout);
  });
});

describe("hideInError: a secret echoed in a malformed line, in the form the parser quotes it", () => {
  /** The parser's error for `line` (UTF-8) with `secret` masked. */
  const echoed = (line: string, secret: string): string => {
    try {
      new ReplyParser().push(Buffer.from(`${line}\r\n`, "utf8"));
    } catch (err) {
      return (hideInError(err, secret) as Error).message;
    }
    assert.fail(`${line} parsed`);
  };

  it("a secret with characters past ASCII, a quote, a backslash or a control character is masked (regression: shown)", () => {
    for (const secret of ["p\u00e4ssw\u00f6rd123", "ab\"cd1234", "ab\\cd1234", "ab\u0001cd1234", "\u{1f511}key-1234", "\u00e9\u00e9"]) {
      const message = echoed(`bad ${secret} here`, secret);
      assert.match(message, /^-1 Malformed reply line "bad \*\*\*\* here"$/, `${JSON.stringify(secret)}: ${message}`);
    }
  });

  it("and where the quote cuts it short (the parser quotes 60 bytes of a line)", () => {
    const secret = "s\u00e9cr\u00e8t-\u00fc-0123456789";
    const message = echoed(`${"x".repeat(50)}${secret}`, secret);
    assert.equal(message, `-1 Malformed reply line "${"x".repeat(50)}****"`);
  });
});

describe("ExchangeSecrets: every line of an exchange, as sent and decoded, but the words that are no secret", () => {
  it("keeps the base64 lines, the decoded text and its words (a key= aside), longest first; not the user, the host, Bearer", () => {
    const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");
    const secrets = new ExchangeSecrets(["alice", null, undefined, "mx.test"]);
    secrets.add(b64("alice"));
    assert.equal(secrets.list.length, 0, "LOGIN's user name line");
    secrets.add(b64("\0alice\0my pass,word"));
    for (const s of [b64("\0alice\0my pass,word"), "my pass,word", "pass", "word"]) assert.ok(secrets.list.includes(s), s);
    assert.ok(!secrets.list.includes("alice"));
    secrets.add(b64("user=alice\x01auth=Bearer tok3n-xyz\x01host=mx.test\x01\x01"));
    assert.ok(secrets.list.includes("tok3n-xyz"));
    assert.ok(!secrets.list.includes("Bearer") && !secrets.list.includes("mx.test"));
    secrets.add(b64("c=biws,r=nonce,p=cHJvb2Y="));
    assert.ok(secrets.list.includes("cHJvb2Y="));
    const lengths = secrets.list.map((s) => s.length);
    assert.deepEqual(lengths, [...lengths].sort((a, b) => b - a));
    assert.equal(hideSecret("bad my pass,word", secrets.list), "bad ****", "the whole password first, not its words");
  });
});
