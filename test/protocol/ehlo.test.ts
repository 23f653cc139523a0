import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { authMechanisms, parseEhlo, sizeLimit } from "../../src/protocol/ehlo.js";
import { ReplyParser } from "../../src/protocol/reply.js";

const features = (lines: string[]): Map<string, string> => parseEhlo(lines.join("\n"));
const entries = (m: Map<string, string>): Array<[string, string]> => [...m.entries()];

/** The EHLO reply as the client sees it: wire bytes through the reply parser. */
function fromWire(wire: string): Map<string, string> {
  const [reply] = new ReplyParser().push(Buffer.from(wire, "utf8"));
  return parseEhlo(reply!.message);
}

describe("parseEhlo", () => {
  it("skips the first line (the greeting) and lower-cases feature names", () => {
    assert.deepEqual(entries(features(["mx.example.org Hello client [192.0.2.1]", "PIPELINING", "SIZE 35882577", "8BITMIME", "STARTTLS",
      "ENHANCEDSTATUSCODES", "SMTPUTF8", "CHUNKING", "DSN"])), [
      ["pipelining", ""], ["size", "35882577"], ["8bitmime", ""], ["starttls", ""],
      ["enhancedstatuscodes", ""], ["smtputf8", ""], ["chunking", ""], ["dsn", ""],
    ]);
  });

  it("a greeting that looks like a feature is still skipped", () => {
    assert.deepEqual(entries(features(["SIZE 1", "PIPELINING"])), [["pipelining", ""]]);
  });

  it("a one-line reply has no features", () => {
    assert.equal(features(["mx.example.org says hi"]).size, 0);
    assert.equal(parseEhlo("").size, 0);
  });

  it("parameters: everything after the name, Python-stripped; case kept", () => {
    assert.deepEqual(entries(features(["hi", "SIZE  35882577", "X-Vendor Some Params  here", "DELIVERBY 240", "XFOO\u00a0bar\u00a0"])), [
      ["size", "35882577"], ["x-vendor", "Some Params  here"], ["deliverby", "240"], ["xfoo", "bar"],
    ]);
  });

  it("parameters are stripped with Python's str.strip() set, not JavaScript's trim()", () => {
    // Python strips U+0085 and U+001C-U+001F (str.isspace) but keeps U+FEFF.
    assert.deepEqual(entries(features(["hi", "XA \u0085bar\u001f", "XB bar\ufeff", "XC \u000b\u000cbar\u3000"])), [
      ["xa", "bar"], ["xb", "bar\ufeff"], ["xc", "bar"],
    ]);
  });

  it("no space after the name: the rest is the parameter, as in Python", () => {
    assert.deepEqual(entries(features(["hi", "SIZE=1000", "X_FOO", "8BITMIME"])), [
      ["size", "=1000"], ["x", "_FOO"], ["8bitmime", ""],
    ]);
  });

  it("garbage lines are ignored", () => {
    assert.deepEqual(entries(features(["hi", "", " SIZE 1", "-DASH", "_x", "  ", "ÄUTH x", "\tTAB", "STARTTLS"])), [["starttls", ""]]);
  });

  it("a repeated feature keeps the last value (Python dict assignment)", () => {
    assert.deepEqual(entries(features(["hi", "SIZE 1", "size 2"])), [["size", "2"]]);
  });

  describe("AUTH, merged as Python does (keeping its leading space)", () => {
    it("new-style AUTH line", () => {
      assert.equal(features(["hi", "AUTH LOGIN PLAIN"]).get("auth"), " LOGIN PLAIN");
    });

    it("old-style AUTH= line (aiosmtplib: AUTH=PLAIN)", () => {
      assert.equal(features(["blah blah blah", "AUTH=PLAIN"]).get("auth"), " PLAIN");
    });

    it("AUTH=LOGIN PLAIN then AUTH CRAM-MD5 are merged", () => {
      assert.equal(features(["hi", "AUTH=LOGIN PLAIN", "AUTH CRAM-MD5"]).get("auth"), " LOGIN PLAIN CRAM-MD5");
    });

    it("AUTH CRAM-MD5 then AUTH=LOGIN PLAIN, in the order sent", () => {
      assert.equal(features(["hi", "AUTH CRAM-MD5", "AUTH=LOGIN PLAIN"]).get("auth"), " CRAM-MD5 LOGIN PLAIN");
    });

    it("repeats are not removed (Python: 'no problem')", () => {
      assert.equal(features(["hi", "AUTH PLAIN LOGIN", "AUTH=PLAIN LOGIN"]).get("auth"), " PLAIN LOGIN PLAIN LOGIN");
    });

    it("the old style matches case-insensitively and keeps its text unstripped", () => {
      assert.equal(features(["hi", "auth=login"]).get("auth"), " login");
      assert.equal(features(["hi", "Auth= LOGIN"]).get("auth"), "  LOGIN");
      assert.equal(features(["hi", "AUTH="]).get("auth"), " ");
    });

    it("bare AUTH gives a single space, as in Python", () => {
      assert.equal(features(["hi", "AUTH"]).get("auth"), " ");
    });

    it("AUTH =X is the new style with parameter '=X'", () => {
      assert.equal(features(["hi", "AUTH =LOGIN"]).get("auth"), " =LOGIN");
    });

    it("the old style takes the rest of the line even across CR or U+2028 (Python's '.')", () => {
      assert.equal(features(["hi", "AUTH=LOGIN\rPLAIN"]).get("auth"), " LOGIN\rPLAIN");
      assert.equal(features(["hi", "AUTH=LOGIN\u2028PLAIN"]).get("auth"), " LOGIN\u2028PLAIN");
    });

    it("AUTHX and AUTH-FOO are other features", () => {
      assert.deepEqual(entries(features(["hi", "AUTHX LOGIN", "AUTH-FOO x"])), [["authx", "LOGIN"], ["auth-foo", "x"]]);
    });

    it("keeps the position of the first AUTH line among the features", () => {
      assert.deepEqual([...features(["hi", "SIZE 1", "AUTH=PLAIN", "PIPELINING", "AUTH LOGIN"]).keys()], ["size", "auth", "pipelining"]);
    });
  });

  it("aiosmtplib's basic extension parsing", () => {
    const m = features(["size.does.matter.af.MIL offers FIFTEEN extensions:", "8BITMIME", "PIPELINING", "DSN", "ENHANCEDSTATUSCODES",
      "EXPN", "HELP", "SAML", "SEND", "SOML", "TURN", "XADR", "XSTA", "ETRN", "XGEN", "SIZE 51200000"]);
    assert.equal(m.get("size"), "51200000");
    assert.equal(m.has("saml"), true);
    assert.equal(m.has("size.does.matter.af.mil"), false);
    assert.equal(m.has("auth"), false);
    assert.equal(m.size, 15);
  });

  it("aiosmtplib: zero extensions", () => {
    assert.equal(features(["size.does.matter.af.MIL offers ZERO extensions:"]).size, 0);
  });

  it("from the wire: CRLF, LF and padded lines through the reply parser", () => {
    const m = fromWire("250-mx.example.org greets you\r\n250-SIZE 1000  \r\n250-AUTH=LOGIN PLAIN\n250-AUTH CRAM-MD5\r\n250 8BITMIME\r\n");
    assert.deepEqual(entries(m), [["size", "1000"], ["auth", " LOGIN PLAIN CRAM-MD5"], ["8bitmime", ""]]);
    assert.deepEqual(authMechanisms(m), ["LOGIN", "PLAIN", "CRAM-MD5"]);
  });
});

describe("parseEhlo: where Python differs (README: it reads the reply as Latin-1, we as UTF-8)", () => {
  const wire = (bytes: string): Array<[string, string]> => entries(parseEhlo(new ReplyParser().push(Buffer.from(bytes, "latin1"))[0]!.message));
  it("a byte past ASCII that is not UTF-8 is U+FFFD, not stripped (Python: SIZE 10)", () => {
    assert.deepEqual(wire("250-h\r\n250 SIZE \xa010\r\n"), [["size", "\ufffd10"]]);
  });
  it("UTF-8 C2 A0 is one no-break space, stripped (Python: two Latin-1 characters, 'Â' kept)", () => {
    assert.deepEqual(wire("250-h\r\n250 SIZE \xc2\xa010\r\n"), [["size", "10"]]);
  });
});

describe("authMechanisms", () => {
  it("upper-cases, splits on any whitespace and drops repeats", () => {
    assert.deepEqual(authMechanisms(new Map([["auth", " login PLAIN\tcram-md5  PLAIN Login"]])), ["LOGIN", "PLAIN", "CRAM-MD5"]);
  });
  it("splits at Python's whitespace, as login()'s str.split() does, not JavaScript's \\s", () => {
    // python3 -c "print(' PLAIN\x1cLOGIN\ufeffX\x85cram-md5\u3000Y '.split())": ['PLAIN', 'LOGIN\ufeffX', 'cram-md5', 'Y']
    assert.deepEqual(authMechanisms(new Map([["auth", " PLAIN\u001cLOGIN\ufeffX\u0085cram-md5\u3000Y "]])), ["PLAIN", "LOGIN\ufeffX", "CRAM-MD5", "Y"]);
  });
  it("no auth feature, or an empty one", () => {
    assert.deepEqual(authMechanisms(new Map()), []);
    assert.deepEqual(authMechanisms(new Map([["auth", " "]])), []);
  });
});

describe("sizeLimit", () => {
  const size = (v?: string): number | undefined => sizeLimit(v === undefined ? new Map() : new Map([["size", v]]));
  it("reads RFC 1870 SIZE", () => {
    assert.equal(size("35882577"), 35882577);
    assert.equal(size("0012"), 12);
    assert.equal(size("1"), 1, "the smallest limit is a limit, not none");
  });
  it("no SIZE, SIZE without a number, and SIZE 0 (no limit) are undefined", () => {
    assert.equal(size(), undefined);
    assert.equal(size(""), undefined);
    assert.equal(size("0"), undefined);
  });
  it("anything but digits is no known limit, never a wrong one", () => {
    for (const v of ["12abc", "10M", "-5", "+5", "1e3", "0x10", "1.5", "١٢٣", "99999999999999999999"]) {
      assert.equal(size(v), undefined, v);
    }
  });
});

describe("parseEhlo: properties", () => {
  const name = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9-]{0,12}$/).filter((n) => n.toLowerCase() !== "auth");
  const param = fc.stringMatching(/^[!-~]{1,8}( [!-~]{1,8}){0,2}$/);
  it("every well-formed feature line is found, lower-cased, with its parameters", () => {
    fc.assert(fc.property(fc.string(), fc.array(fc.tuple(name, fc.option(param, { nil: undefined })), { maxLength: 8 }), (greeting, list) => {
      const lines = [greeting.replace(/\n/g, " "), ...list.map(([n, p]) => (p === undefined ? n : `${n} ${p}`))];
      const expected = new Map<string, string>();
      for (const [n, p] of list) expected.set(n.toLowerCase(), p ?? "");
      assert.deepEqual(parseEhlo(lines.join("\n")), expected);
    }));
  });

  it("AUTH lines of either style concatenate in order", () => {
    const mech = fc.stringMatching(/^[A-Z0-9-]{1,10}$/);
    fc.assert(fc.property(fc.array(fc.tuple(fc.boolean(), fc.array(mech, { minLength: 1, maxLength: 3 })), { minLength: 1, maxLength: 4 }), (list) => {
      const lines = ["hi", ...list.map(([old, ms]) => (old ? `AUTH=${ms.join(" ")}` : `AUTH ${ms.join(" ")}`))];
      const expected = list.map(([, ms]) => ` ${ms.join(" ")}`).join("");
      assert.equal(parseEhlo(lines.join("\n")).get("auth"), expected);
    }));
  });

  it("never throws, and every key is a lower-case feature name", () => {
    fc.assert(fc.property(fc.string({ unit: "binary" }), (text) => {
      for (const key of parseEhlo(text).keys()) assert.match(key, /^[a-z0-9][a-z0-9-]*$/);
    }));
  });
});
