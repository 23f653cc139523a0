import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  assertSafe, commandLine, commandText, encodeBdat, encodeCommand, encodeMail, encodeRcpt, isAscii, paramsLine, paramsText, rcptLines,
  type CommandEncoding,
} from "../../src/protocol/commands.js";
import { quoteaddr } from "../../src/protocol/address.js";
import { formatParam, hasParam, normalizeParams, parseParam } from "../../src/protocol/params.js";

const wire = (b: Buffer): string => b.toString("latin1");

/** Checks the wire invariant: exactly one CR and one LF, as the final CRLF, and no NUL. */
function assertOneLine(bytes: Buffer): void {
  assert.ok(Buffer.isBuffer(bytes));
  assert.ok(bytes.length >= 2);
  assert.equal(bytes.indexOf(0x0d), bytes.length - 2, "the only CR is the final one");
  assert.equal(bytes.indexOf(0x0a), bytes.length - 1, "the only LF is the final one");
  assert.equal(bytes.includes(0), false, "no NUL");
}

function throwsTypeError(fn: () => unknown, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof TypeError, `expected TypeError, got ${String(err)}`);
    if (message) assert.match(err.message, message);
    return true;
  });
}

describe("encodeCommand", () => {
  it("renders verb and arguments with CRLF", () => {
    assert.equal(wire(encodeCommand("EHLO", "client.example.org")), "EHLO client.example.org\r\n");
    assert.equal(wire(encodeCommand("HELO", "[127.0.0.1]")), "HELO [127.0.0.1]\r\n");
    assert.equal(wire(encodeCommand("VRFY", "postmaster")), "VRFY postmaster\r\n");
  });

  it("no trailing space without arguments", () => {
    assert.equal(wire(encodeCommand("NOOP")), "NOOP\r\n");
    assert.equal(wire(encodeCommand("QUIT", "")), "QUIT\r\n");
    assert.equal(wire(encodeCommand("DATA")), "DATA\r\n");
  });

  it("sends the caller's verb as given (putcmd/docmd)", () => {
    assert.equal(wire(encodeCommand("noop")), "noop\r\n");
    assert.equal(wire(encodeCommand("xClient", "NAME=x")), "xClient NAME=x\r\n");
  });

  it("keeps spaces and other printable text in arguments", () => {
    assert.equal(wire(encodeCommand("HELP", "  two  spaces ")), "HELP   two  spaces \r\n");
  });

  const injections: Array<[string, string]> = [
    ["CRLF", "\r\n"], ["CR", "\r"], ["LF", "\n"], ["NUL", "\0"], ["LFCR", "\n\r"],
  ];
  for (const [name, bad] of injections) {
    for (const [where, at] of [["start", (s: string) => bad + s], ["middle", (s: string) => s.slice(0, 2) + bad + s.slice(2)], ["end", (s: string) => s + bad]] as const) {
      it(`${name} at the ${where} of the verb is a TypeError`, () => {
        throwsTypeError(() => encodeCommand(at("NOOP")), /CR, LF or NUL/);
        throwsTypeError(() => encodeCommand(at("NOOP"), "", "utf8"), /CR, LF or NUL/);
      });
      it(`${name} at the ${where} of the arguments is a TypeError`, () => {
        throwsTypeError(() => encodeCommand("VRFY", at("user")), /CR, LF or NUL/);
        throwsTypeError(() => encodeCommand("VRFY", at("üser"), "utf8"), /CR, LF or NUL/);
      });
    }
  }

  it("the classic injection: a second command smuggled in an argument", () => {
    throwsTypeError(() => encodeCommand("HELO", "x\r\nMAIL FROM:<evil@example>"));
    throwsTypeError(() => encodeCommand("VRFY", "a\r\n.\r\nRCPT TO:<b>"));
  });

  it("non-ASCII in ascii mode is a TypeError; allowed, as UTF-8, in utf8 mode", () => {
    throwsTypeError(() => encodeCommand("VRFY", "jörg"), /SMTPUTF8/);
    throwsTypeError(() => encodeCommand("VRFŸ"), /SMTPUTF8/);
    throwsTypeError(() => encodeCommand("VRFY", "\u0080"), /SMTPUTF8/);
    const bytes = encodeCommand("VRFY", "jörg ✓ 😀", "utf8");
    assert.deepEqual(bytes, Buffer.from("VRFY jörg ✓ 😀\r\n", "utf8"));
    assertOneLine(bytes);
  });

  it("non-string verb or arguments are a TypeError", () => {
    throwsTypeError(() => encodeCommand(42 as unknown as string));
    throwsTypeError(() => encodeCommand("VRFY", null as unknown as string));
    throwsTypeError(() => encodeCommand("VRFY", { toString: () => "x" } as unknown as string));
  });

  it("a lone surrogate is a TypeError, never sent as U+FFFD (a different address)", () => {
    throwsTypeError(() => encodeCommand("VRFY", "a\ud800b@example.org", "utf8"), /surrogate/);
    throwsTypeError(() => encodeCommand("VRFY", "\udc00", "utf8"), /surrogate/);
    throwsTypeError(() => encodeCommand("VRFY", "\ud800"), /SMTPUTF8|surrogate/);
    // A proper pair is fine.
    assert.deepEqual(encodeCommand("VRFY", "😀", "utf8"), Buffer.from("VRFY 😀\r\n", "utf8"));
  });

  it("Unicode line separators are not line ends on the wire (UTF-8, no CR or LF byte)", () => {
    for (const sep of ["\u2028", "\u2029", "\u0085", "\u000b", "\u000c"]) {
      assertOneLine(encodeCommand("VRFY", `a${sep}b`, "utf8"));
    }
  });
});

describe("encodeMail / encodeRcpt", () => {
  it("upper-case verbs and keywords on the wire", () => {
    assert.equal(wire(encodeMail("<a@b>", ["size=1024", "body=8BITMIME"])), "MAIL FROM:<a@b> SIZE=1024 BODY=8BITMIME\r\n");
    assert.equal(wire(encodeMail("<a@b>", ["SIZE=1024", "BODY=8BITMIME"])), "MAIL FROM:<a@b> SIZE=1024 BODY=8BITMIME\r\n");
    assert.equal(wire(encodeRcpt("<c@d>")), "RCPT TO:<c@d>\r\n");
    assert.equal(wire(encodeRcpt("<c@d>", ["notify=SUCCESS,FAILURE", "orcpt=rfc822;c@d"])),
      "RCPT TO:<c@d> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;c@d\r\n");
  });

  it("values are sent as given (ENVID and ORCPT are case-sensitive xtext)", () => {
    assert.equal(wire(encodeMail("<a@b>", ["ret=hdrs", "envid=AbC+2Bx"])), "MAIL FROM:<a@b> RET=hdrs ENVID=AbC+2Bx\r\n");
  });

  it("bare keywords", () => {
    assert.equal(wire(encodeMail("<a@b>", ["smtputf8", "8bitmime"], "utf8")), "MAIL FROM:<a@b> SMTPUTF8 8BITMIME\r\n");
    assert.equal(wire(encodeMail("<a@b>", ["x-vendor-flag"])), "MAIL FROM:<a@b> X-VENDOR-FLAG\r\n");
  });

  it("the null reverse-path", () => {
    assert.equal(wire(encodeMail("<>")), "MAIL FROM:<>\r\n");
  });

  it("no options: no trailing space", () => {
    assert.equal(wire(encodeMail("<a@b>", [])), "MAIL FROM:<a@b>\r\n");
  });

  it("non-ASCII address: TypeError in ascii mode, UTF-8 bytes in utf8 mode", () => {
    throwsTypeError(() => encodeMail("<jörg@example.org>"), /SMTPUTF8/);
    throwsTypeError(() => encodeRcpt("<用户@例子.广告>"), /SMTPUTF8/);
    assert.deepEqual(encodeMail("<jörg@example.org>", ["SMTPUTF8"], "utf8"), Buffer.from("MAIL FROM:<jörg@example.org> SMTPUTF8\r\n", "utf8"));
    assert.deepEqual(encodeRcpt("<用户@例子.广告>", [], "utf8"), Buffer.from("RCPT TO:<用户@例子.广告>\r\n", "utf8"));
  });

  it("non-ASCII option value: TypeError in ascii mode, allowed in utf8 mode (RFC 6531 §3.3)", () => {
    throwsTypeError(() => encodeMail("<a@b>", ["ENVID=é"]), /SMTPUTF8/);
    assert.deepEqual(encodeMail("<a@b>", ["envid=é"], "utf8"), Buffer.from("MAIL FROM:<a@b> ENVID=é\r\n", "utf8"));
  });

  // aiosmtplib's command-injection cases (protocol.execute_command and mail()).
  const injectedPaths = [
    "<a@b.com\r\nRCPT TO:<hijacker@example.com>>",
    "<a@b.com\rRCPT TO:<hijacker@example.com>>",
    "<a@b.com\nRCPT TO:<hijacker@example.com>>",
    "<a@b.com\0>",
    "<test@example.com\r\nX-Malicious-Header: bad stuff>",
    "\r\n<a@b>",
    "<a@b>\r\n",
  ];
  for (const path of injectedPaths) {
    it(`injected path ${JSON.stringify(path)} is a TypeError, in both encodings`, () => {
      for (const enc of ["ascii", "utf8"] as CommandEncoding[]) {
        throwsTypeError(() => encodeMail(path, [], enc));
        throwsTypeError(() => encodeRcpt(path, [], enc));
      }
    });
  }

  // aiosmtplib also refuses TAB and DEL in MAIL/RCPT arguments, and RFC 5321 §4.1.2 allows
  // no control character in a path, not even in a quoted local part. The encoders do not
  // refuse them: the client checks paths with quoteaddr before MAIL, and an encoder check
  // would throw only when a later RCPT is encoded, after MAIL was sent. So the check
  // belongs in quoteaddr; until it is there, these are open.
  for (const addr of ['"a\tEVIL"@b.com', '"a\x7f"@b.com', '"a\x01b"@b.com']) {
    it(`control character in address ${JSON.stringify(addr)} (aiosmtplib: prohibited)`, () => {
      throwsTypeError(() => encodeMail(quoteaddr(addr)));
    });
  }

  it("aiosmtplib: an option smuggling a DATA command is a TypeError", () => {
    throwsTypeError(() => encodeMail("<a@b.com>", ["BODY=8BITMIME\r\nDATA"]), /Invalid ESMTP option/);
    throwsTypeError(() => encodeRcpt("<a@b.com>", ["NOTIFY=NEVER\r\nRSET"]), /Invalid ESMTP option/);
  });

  const badOptions = [
    // CR, LF, NUL anywhere.
    "SIZE=1\r\n", "SIZE=1\r", "SIZE=1\n", "SIZE=1\0", "\r\nSIZE=1", "SI\nZE=1", "SIZE\0=1",
    // Whitespace inside.
    "SIZE= 1", "SIZE =1", "SIZE=1 2", " SIZE=1", "SIZE=1 ", "SIZE=1\t", "\tSIZE", "BODY=8BITMIME DATA",
    "SIZE=1\u00a0", "NOTIFY=a\u2028b", "NOTIFY=a\u2029b", "ENVID=a\u3000b", "ENVID=a\ufeffb", "ENVID=a\u200ab",
    // Zero-width space and word joiner, bidi embeddings, overrides and isolates (as in a path).
    "ENVID=a\u200bb", "ENVID=a\u2060b", "ENVID=a\u202ab", "ENVID=a\u202eb", "ORCPT=utf-8;b\u2066@y.test", "ENVID=a\u2069b",
    // Other control characters.
    "ENVID=a\u0001b", "ENVID=a\u007fb", "ENVID=a\u0085b", "ENVID=a\u009fb", "ENVID=\u001b[31m",
    // Not RFC 5321 syntax.
    "", "=1", "SIZE=", "SIZE==1", "SIZE=a=b", "SI_ZE=1", "-SIZE=1", "SÍZE=1", "SIZE.X=1",
    // No UTF-8 form.
    "ENVID=\ud800",
  ];
  for (const opt of badOptions) {
    it(`option ${JSON.stringify(opt)} is a TypeError in both encodings`, () => {
      for (const enc of ["ascii", "utf8"] as CommandEncoding[]) {
        throwsTypeError(() => encodeMail("<a@b>", [opt], enc), /Invalid ESMTP option/);
        throwsTypeError(() => encodeRcpt("<a@b>", ["NOTIFY=NEVER", opt], enc), /Invalid ESMTP option/);
      }
    });
  }

  it("options that are not strings, or not an array, are a TypeError", () => {
    throwsTypeError(() => encodeMail("<a@b>", [1024 as unknown as string]), /^ESMTP option must be a string, got a number$/);
    throwsTypeError(() => encodeMail("<a@b>", "SIZE=1" as unknown as string[]));
    // Not read letter by letter as the options B, O, D and Y.
    throwsTypeError(() => encodeMail("<a@b>", "BODY" as unknown as string[]), /^ESMTP options must be an array of strings$/);
    throwsTypeError(() => encodeRcpt("<a@b>", [undefined as unknown as string]));
  });
});

describe("encodeBdat", () => {
  it("renders BDAT size and LAST", () => {
    assert.equal(wire(encodeBdat(0, true)), "BDAT 0 LAST\r\n");
    assert.equal(wire(encodeBdat(1024, false)), "BDAT 1024\r\n");
    assert.equal(wire(encodeBdat(Number.MAX_SAFE_INTEGER, true)), `BDAT ${Number.MAX_SAFE_INTEGER} LAST\r\n`);
  });

  it("a size that is not a non-negative safe integer is a RangeError", () => {
    for (const bad of [-1, 1.5, Number.NaN, Infinity, 2 ** 53]) {
      assert.throws(() => encodeBdat(bad, false), RangeError);
    }
  });
});

describe("params", () => {
  it("parseParam splits and upper-cases the keyword, keeps the value", () => {
    assert.deepEqual(parseParam("size=1024"), { keyword: "SIZE", value: "1024" });
    assert.deepEqual(parseParam("8bitmime"), { keyword: "8BITMIME", value: undefined });
    assert.deepEqual(parseParam("orcpt=rfc822;Jo@x"), { keyword: "ORCPT", value: "rfc822;Jo@x" });
    assert.deepEqual(parseParam("x-a-b=~!\"#"), { keyword: "X-A-B", value: "~!\"#" });
  });

  it("formatParam renders KEYWORD or KEYWORD=value", () => {
    assert.equal(formatParam({ keyword: "SIZE", value: "1" }), "SIZE=1");
    assert.equal(formatParam({ keyword: "SMTPUTF8", value: undefined }), "SMTPUTF8");
  });

  it("normalizeParams checks every option", () => {
    assert.deepEqual(normalizeParams(["size=1", "body=8BITMIME", "smtputf8"]), ["SIZE=1", "BODY=8BITMIME", "SMTPUTF8"]);
    assert.deepEqual(normalizeParams(), []);
    throwsTypeError(() => normalizeParams(["SIZE=1", "BAD OPTION"]));
  });

  it("normalizeParams refuses a keyword given twice, whatever its case or value", () => {
    throwsTypeError(() => normalizeParams(["BODY=7BIT", "body=BINARYMIME"]), /BODY is given more than once/);
    throwsTypeError(() => normalizeParams(["SMTPUTF8", "SIZE=1", "smtputf8"]), /SMTPUTF8/);
    assert.deepEqual(normalizeParams(["SIZE=1", "SIZE-X=1"]), ["SIZE=1", "SIZE-X=1"]);
  });

  it("property: on ASCII text, parseParam accepts exactly RFC 5321 esmtp-param, and formatParam gives it back with the keyword upper-cased", () => {
    // esmtp-keyword ["=" esmtp-value]; esmtp-value = 1*(%d33-60 / %d62-126)
    const rfc = /^[A-Za-z0-9][A-Za-z0-9-]*(=[\x21-\x3c\x3e-\x7e]+)?$/;
    const char = fc.oneof(fc.constantFrom("=", "-", "a", "Z", "0", "~", "<", ">"), fc.integer({ min: 0, max: 127 }).map((n) => String.fromCharCode(n)));
    fc.assert(fc.property(fc.array(char, { maxLength: 10 }).map((a) => a.join("")), (option) => {
      let param: ReturnType<typeof parseParam> | undefined;
      try {
        param = parseParam(option);
      } catch (err) {
        assert.ok(err instanceof TypeError);
      }
      assert.equal(param !== undefined, rfc.test(option), JSON.stringify(option));
      if (param === undefined) return;
      const eq = option.indexOf("=");
      assert.equal(formatParam(param), eq === -1 ? option.toUpperCase() : `${option.slice(0, eq).toUpperCase()}${option.slice(eq)}`);
    }), { numRuns: 2000 });
  });

  it("hasParam matches keywords case-insensitively", () => {
    assert.equal(hasParam(["smtputf8"], "SMTPUTF8"), true);
    assert.equal(hasParam(["SIZE=1"], "size"), true);
    assert.equal(hasParam(["SIZE=1"], "SIZE=1"), false);
    assert.equal(hasParam(["SMTPUTF8X"], "SMTPUTF8"), false);
    assert.equal(hasParam([], "SIZE"), false);
  });
});

describe("assertSafe / isAscii", () => {
  it("assertSafe names the value in its message", () => {
    throwsTypeError(() => assertSafe("a\nb", "address"), /^address must not contain CR, LF or NUL: "a\\nb"$/);
    throwsTypeError(() => assertSafe(7 as unknown as string, "user"), /^user must be a string/);
    assertSafe("fine \t text ✓", "x");
  });

  it("a refused line is quoted in the error, unless it may hold a credential (an AUTH line)", () => {
    throwsTypeError(() => encodeCommand("NOOP", "a\r\nb"), /^command argument must not contain CR, LF or NUL: "a\\r\\nb"$/);
    throwsTypeError(() => encodeCommand("VRFY", "é"), /^Non-ASCII command text needs an SMTPUTF8 transaction: "VRFY é"$/);
    throwsTypeError(() => encodeCommand("NOOP", `${"x".repeat(90)}\n`), new RegExp(`: "${"x".repeat(80)}"$`));
    for (const args of ["PLAIN c2VjcmV0\n", "PLAIN c2VjcmV0é"]) {
      assert.throws(() => encodeCommand("AUTH", args, "ascii", false), (err: unknown) => {
        assert.ok(err instanceof TypeError && err.message.endsWith("(not shown: it may hold a credential)"), String(err));
        assert.doesNotMatch(err.message, /c2VjcmV0/);
        return true;
      });
    }
  });

  // The error quoted the line as JSON does: U+200B showed as nothing, U+00A0 as a blank, and
  // a bidi override reordered what followed it on a terminal. In a parameter value they are
  // refused in either encoding (as in a path), before the line is encoded.
  it("an ESMTP parameter (ENVID) with an invisible character: the error names it by code point", () => {
    const words = "Unicode white space, a zero-width, invisible or bidi control character";
    for (const enc of ["ascii", "utf8"] as CommandEncoding[]) {
      throwsTypeError(() => encodeMail("<a@b.test>", ["ENVID=a\u200bb"], enc),
        new RegExp(`^Invalid ESMTP option "ENVID=a\u200bb" \\(it holds U\\+200B: ${words}\\): expected KEYWORD or KEYWORD=value`));
      // a bidi override is named, and escaped in the quoted option
      throwsTypeError(() => encodeMail("<a@b.test>", ["ENVID=a\u202eb"], enc),
        new RegExp(`^Invalid ESMTP option "ENVID=a\\\\u202eb" \\(it holds U\\+202E: ${words}\\)`));
      throwsTypeError(() => encodeRcpt("<c@d.test>", ["ORCPT=rfc822;c@d.test\u2060"], enc), /\(it holds U\+2060: /);
      // white space past ASCII is refused in any value (a server may split at it): named too
      throwsTypeError(() => encodeMail("<a@b.test>", ["ENVID=a\u00a0b"], enc),
        new RegExp(`^Invalid ESMTP option "ENVID=a\u00a0b" \\(it holds U\\+00A0: ${words}\\): expected KEYWORD or KEYWORD=value`));
      throwsTypeError(() => encodeMail("<a@b.test>", ["ENVID=a\u2028b"], enc), /\(it holds U\+2028: a Unicode line separator\)/);
    }
    // visible text past ASCII: as before
    throwsTypeError(() => encodeMail("<a@b.test>", ["ENVID=é"]), /^Non-ASCII command text needs an SMTPUTF8 transaction: "MAIL FROM:<a@b\.test> ENVID=é"$/);
  });

  it("isAscii", () => {
    assert.equal(isAscii(""), true);
    assert.equal(isAscii("\u0000\u007f"), true);
    assert.equal(isAscii("\u0080"), false);
    assert.equal(isAscii("é"), false);
  });
});

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

/** Strings that often hold the dangerous characters. */
const hostile = fc.oneof(
  fc.string({ unit: "binary", maxLength: 30 }),
  fc.string({ unit: "binary-ascii", maxLength: 30 }),
  fc.array(fc.constantFrom("a", " ", "\r", "\n", "\0", "\r\n", "é", "😀", "\ud800", "\u2028", "\u0085", "=", "<", ">", "\t"), { maxLength: 12 })
    .map((parts) => parts.join("")),
);
const encodingArb = fc.constantFrom<CommandEncoding>("ascii", "utf8");

function oneLineOrTypeError(fn: () => Buffer): Buffer | undefined {
  let bytes: Buffer;
  try {
    bytes = fn();
  } catch (err) {
    assert.ok(err instanceof TypeError, `only TypeError may be thrown, got ${String(err)}`);
    return undefined;
  }
  assertOneLine(bytes);
  return bytes;
}

describe("command encoders: properties", () => {
  it("encodeCommand either throws TypeError or returns one line: a single CRLF, at the end, and no NUL", () => {
    fc.assert(fc.property(hostile, hostile, encodingArb, (verb, args, enc) => {
      const bytes = oneLineOrTypeError(() => encodeCommand(verb, args, enc));
      if (!bytes) return;
      const line = args === "" ? verb : `${verb} ${args}`;
      // The bytes are exactly the text: nothing dropped or replaced.
      assert.equal(bytes.toString(enc === "ascii" ? "latin1" : "utf8"), `${line}\r\n`);
      if (enc === "ascii") assert.ok(bytes.every((b) => b < 0x80));
    }), { numRuns: 2000 });
  });

  it("encodeCommand accepts every string without CR, LF, NUL or lone surrogates in utf8 mode", () => {
    const clean = fc.string({ unit: "binary", maxLength: 30 }).map((s) => s.replace(/[\r\n\0]|\p{Surrogate}/gu, ""));
    fc.assert(fc.property(clean, clean, (verb, args) => {
      assertOneLine(encodeCommand(verb, args, "utf8"));
    }));
  });

  it("encodeMail / encodeRcpt either throw TypeError or return one line that starts with the verb", () => {
    fc.assert(fc.property(hostile, fc.array(hostile, { maxLength: 3 }), encodingArb, fc.boolean(), (path, options, enc, mail) => {
      const bytes = oneLineOrTypeError(() => (mail ? encodeMail(path, options, enc) : encodeRcpt(path, options, enc)));
      if (bytes) assert.ok(bytes.toString("latin1").startsWith(mail ? "MAIL FROM:" : "RCPT TO:"));
    }), { numRuns: 2000 });
  });

  it("commandLine / paramsLine are commandText / paramsText without the CRLF, and refuse the same input", () => {
    const outcome = (fn: () => string): string => {
      try {
        return fn();
      } catch (err) {
        assert.ok(err instanceof TypeError);
        return `TypeError: ${err.message}`;
      }
    };
    const strip = (text: string): string => (text.startsWith("TypeError: ") ? text : text.slice(0, -2));
    fc.assert(fc.property(hostile, hostile, fc.array(hostile, { maxLength: 3 }), encodingArb, (verb, args, params, enc) => {
      assert.equal(outcome(() => commandLine(verb, args, enc)), strip(outcome(() => commandText(verb, args, enc))));
      assert.equal(outcome(() => paramsLine(verb, args, params, enc)), strip(outcome(() => paramsText(verb, args, params, enc))));
    }), { numRuns: 2000 });
  });

  it("rcptLines gives, for every path, what paramsLine gives for its RCPT line, and refuses the same input with the same error", () => {
    const outcome = (fn: () => string[]): string[] | string => {
      try {
        return fn();
      } catch (err) {
        assert.ok(err instanceof TypeError);
        return `TypeError: ${err.message}`;
      }
    };
    const safePath = fc.stringMatching(/^<[a-z0-9.@-]{0,12}>$/);
    // Not only strings: no caller passes anything else, but the result must still match.
    const path = fc.oneof(safePath, hostile, fc.constantFrom<unknown>(5, null, undefined, { toString: () => "<x@y>" }, Symbol("s"))) as fc.Arbitrary<string>;
    fc.assert(fc.property(fc.array(path, { maxLength: 4 }), fc.array(fc.oneof(hostile, fc.constantFrom("NOTIFY=NEVER", "ORCPT=rfc822;a@b")), { maxLength: 2 }), encodingArb, (paths, params, enc) => {
      const expected = outcome(() => paths.map((p) => paramsLine("RCPT", `TO:${p}`, params, enc)));
      assert.deepEqual(outcome(() => rcptLines(paths, params, enc)), expected);
    }), { numRuns: 3000 });
  });

  it("valid options always encode, keywords upper-cased, values unchanged", () => {
    const keyword = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9-]{0,10}$/);
    const value = fc.stringMatching(/^[\x21-\x3c\x3e-\x7e]{1,12}$/);
    const option = fc.tuple(keyword, fc.option(value, { nil: undefined }));
    // Each keyword once (in any case): a keyword given twice is refused ("given more than once"), not valid.
    fc.assert(fc.property(fc.uniqueArray(option, { maxLength: 4, selector: ([k]) => k.toUpperCase() }), (opts) => {
      const given = opts.map(([k, v]) => (v === undefined ? k : `${k}=${v}`));
      const expected = opts.map(([k, v]) => (v === undefined ? k.toUpperCase() : `${k.toUpperCase()}=${v}`));
      const head = "MAIL FROM:<a@b>";
      assert.equal(wire(encodeMail("<a@b>", given)), `${[head, ...expected].join(" ")}\r\n`);
    }));
  });
});
