import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { addrOnly, isAsciiAddress, parseAddress, parseAddressList, quoteaddr, quotedata, quoteRecipient } from "../../src/protocol/address.js";
import { canonicalLocalPart, splitAddressList } from "../../src/protocol/address-list.js";

describe("quoteaddr", () => {
  const table: Array<[string, string]> = [
    // Python's accepted forms.
    ["", "<>"],
    ["<>", "<>"],
    ["  < >  ", "<>"],
    ["Sally", "<Sally>"],
    ["John", "<John>"],
    ["foo@bar.com", "<foo@bar.com>"],
    ["<a@b>", "<a@b>"],
    ["John <j@x.org>", "<j@x.org>"],
    ['"Doe, John" <j@x.org>', "<j@x.org>"],
    ["j@x.org (John Doe)", "<j@x.org>"],
    ["(c) j@x.org", "<j@x.org>"],
    ["Sally (my friend)", "<Sally>"],
    ['"quoted local"@x.org', '<"quoted local"@x.org>'],
    ['"a\\"b"@x', '<"a\\"b"@x>'],
    ['"abc"@x', "<abc@x>"],
    ['""@x', '<""@x>'],
    ["a @ b . c", "<a@b.c>"],
    ["a@[1.2.3.4]", "<a@[1.2.3.4]>"],
    ["a@[IPv6:::1]", "<a@[IPv6:::1]>"],
    ["a@[ 1.2.3.4\t]", "<a@[1.2.3.4]>"], // FWS just inside the brackets
    ["<@relay.example,@r2.example:a@b>", "<a@b>"],
    ["a@b <c@d>", "<c@d>"],
    ["Páolo <főo@bar.com>", "<főo@bar.com>"],
    ["=?utf-8?q?J=C3=A9r=C3=B4me?= <j@x.org>", "<j@x.org>"],
    ["\tJohn\t<j@x.org>\t", "<j@x.org>"],
    // A bare local part in brackets, as Python's parseaddr takes it: RFC 5321 §4.1.1.3's
    // <Postmaster>, and what quoteaddr itself gives for a bare local part.
    ["<Postmaster>", "<Postmaster>"],
    [" < Sally > ", "<Sally>"],
    ['<"John Q">', '<"John Q">'],
    ['<"a@b">', '<"a@b">'],
    ["Post Master <postmaster>", "<postmaster>"],
  ];
  for (const [input, expected] of table) {
    it(`${JSON.stringify(input)} -> ${expected}`, () => assert.equal(quoteaddr(input), expected));
  }

  const hostile = [
    "<a@b>\r\nRCPT TO:<x>",
    "a@b\r\nDATA",
    "a@b\nRSET",
    "a@b\rRSET",
    "a@b\0",
    '"a\r\nb"@x',
    "John <j@x.org>\n",
    "\r\n",
  ];
  for (const input of hostile) {
    it(`refuses CR/LF/NUL: ${JSON.stringify(input)}`, () => {
      assert.throws(() => quoteaddr(input), (e: unknown) => e instanceof TypeError && /CR, LF or NUL/.test(e.message));
    });
  }

  const unparsable = [
    "John Smith",
    "a@b, c@d",
    "team: a@b;",
    "undisclosed-recipients:;",
    "<a@b",
    "a@b>",
    "x <a@b> y",
    "<a@b> SIZE=100",
    "a@b SIZE=100",
    "Name <>",
    '"unterminated@x',
    "(unterminated a@b",
    "a..b@x",
    "@",
    "<<a@b>>",
    "<a b>",
    // Address literals RFC 5321 cannot carry: never "repaired" into another address.
    "a@[1.2.3.4 5]",
    "a@[x\\ SIZE=1]",
    "a@[x\\]y]",
    "a@[]",
    "a@[ ]",
    "a@[ü]",
    "<Sally> junk",
    "x <Sally> y",
    "<Sally",
  ];
  it("a list of addresses given as one (recipients as one string) says so, and to give one per array entry", () => {
    for (const [input, count] of [["b@x.org, c@x.org", 2], ["Bob <b@x.org>, c@x.org, d@y.org", 3]] as const) {
      assert.throws(() => quoteRecipient(input), {
        name: "TypeError",
        message: `cannot parse address ${JSON.stringify(input)}: it holds ${count} addresses, and a sender or a recipient is one (give each recipient as its own entry of an array: ["a@x.org", "b@y.org"])`,
      });
    }
    // one address that does not parse gets no such advice
    assert.throws(() => quoteaddr("c d"), { name: "TypeError", message: 'cannot parse address "c d"' });
    // nor one whose display name holds an unquoted comma: one address, not two
    assert.throws(() => quoteRecipient("Doe, John <j@x.org>"), { name: "TypeError", message: 'cannot parse address "Doe, John <j@x.org>"' });
  });

  for (const input of unparsable) {
    it(`refuses ${JSON.stringify(input).slice(0, 40)} instead of dropping part of it`, () => {
      assert.throws(() => quoteaddr(input), (e: unknown) => e instanceof TypeError && /cannot parse address/.test(e.message));
    });
  }

  it("refuses an address over 1,000 characters, saying so; nesting up to that parses", () => {
    const tooLong = (e: unknown) => e instanceof TypeError && /address is longer than 1000 characters \(10003\)/.test(e.message);
    assert.throws(() => quoteaddr(`${"(".repeat(5000)}${")".repeat(5000)}a@b`), tooLong); // once deep enough to exhaust the parser's stack
    assert.throws(() => quoteaddr(`${"a".repeat(10001)}@b`), (e: unknown) => e instanceof TypeError && /longer than 1000/.test(e.message));
    assert.equal(quoteaddr(`${"(".repeat(498)}${")".repeat(498)}a@b`), "<a@b>");
    assert.equal(quoteaddr(`${"a".repeat(996)}@b`), `<${"a".repeat(996)}@b>`);
  });

  it("throws TypeError for a non-string, even one that reads as an address (an array of one)", () => {
    for (const bad of [42, ["a@b.c"], ["<a@b.c>"]]) assert.throws(() => quoteaddr(bad as unknown as string), TypeError, String(bad));
  });

  it("property: the plain-address fast path gives what the full parser gives", () => {
    // A leading blank keeps an address off the fast path (its patterns are anchored), and
    // the full RFC 5322 parser ignores the blank: both paths must agree, or both refuse.
    const chars = fc.constantFrom("a", "B", "7", ".", "@", "<", ">", "-", "_", "+", "x.org", "@ex.com");
    const addr = fc.array(chars, { maxLength: 10 }).map((a) => a.join(""));
    const outcome = (s: string): string => {
      try {
        return quoteaddr(s);
      } catch (e) {
        return e instanceof TypeError ? "TypeError" : "other";
      }
    };
    fc.assert(fc.property(addr, (s) => assert.equal(outcome(s), outcome(` ${s}`))), { numRuns: 5000 });
  });

  it("property: quoteaddr accepts its own output and returns it unchanged", () => {
    const chars = fc.constantFrom(..."ab.@\"\\ ()<>[],;:é\t!=?".split(""));
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 14 }).map((a) => a.join("")), (s) => {
        let once: string;
        try {
          once = quoteaddr(s);
        } catch {
          return true;
        }
        assert.equal(quoteaddr(once), once);
        return true;
      }),
      { numRuns: 20000 },
    );
  });

  it("never lets a generated string put CR or LF on the wire", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        let out: string;
        try {
          out = quoteaddr(s);
        } catch (e) {
          return e instanceof TypeError;
        }
        return /^<[^\r\n\0]*>$/.test(out);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("quoteRecipient", () => {
  it("is quoteaddr, but refuses the null path (no empty forward-path, RFC 5321 §4.1.1.3)", () => {
    assert.equal(quoteRecipient("John <j@x.org>"), "<j@x.org>");
    assert.equal(quoteRecipient("Postmaster"), "<Postmaster>");
    for (const blank of ["", "<>", " \t<  >"]) {
      assert.throws(() => quoteRecipient(blank), (e: unknown) => e instanceof TypeError && /null path/.test(e.message), JSON.stringify(blank));
    }
    assert.throws(() => quoteRecipient("a@b\r\n"), /CR, LF or NUL/);
  });
});

describe("quotedata", () => {
  const table: Array<[string, string]> = [
    // CPython test_smtplib testQuoteData.
    ["abc\n.jkl\rfoo\r\n..blue", "abc\r\n..jkl\r\nfoo\r\n...blue"],
    ["", ""],
    [".", ".."],
    [".\n", "..\r\n"],
    ["a\r\n.\r\nb", "a\r\n..\r\nb"],
    ["\r\r\n\n", "\r\n\r\n\r\n"],
    ["a.b\n.", "a.b\r\n.."],
    ["\n.\n.", "\r\n..\r\n.."],
    ["x\u2028.y", "x\u2028.y"], // only CR and LF end lines
  ];
  for (const [input, expected] of table) {
    it(`${JSON.stringify(input)} -> ${JSON.stringify(expected)}`, () => assert.equal(quotedata(input), expected));
  }

  const lineChars = fc.constantFrom("a", ".", "\r", "\n", " ", "é");
  const data = fc.array(lineChars, { maxLength: 60 }).map((a) => a.join(""));

  it("property: no lone CR or LF, no line that is a lone '.', and un-stuffing gives the CRLF-normalised input", () => {
    fc.assert(
      fc.property(data, (s) => {
        const out = quotedata(s);
        assert.doesNotMatch(out, /\r(?!\n)|(?<!\r)\n/);
        const lines = out.split("\r\n");
        assert.ok(lines.every((l) => l !== "."));
        const unstuffed = lines.map((l) => (l.startsWith(".") ? l.slice(1) : l)).join("\r\n");
        assert.equal(unstuffed, s.replace(/\r\n|\r|\n/g, "\r\n"));
      }),
      { numRuns: 2000 },
    );
  });
});

describe("addrOnly (Python's _addr_only)", () => {
  const table: Array<[string, string]> = [
    ["John <j@x.org>", "j@x.org"],
    ["j@x.org", "j@x.org"],
    ["<j@x.org>", "j@x.org"],
    ["Sally", "Sally"],
    ["John Smith", "John Smith"], // not an address: kept whole, never cut to "John"
    ["list-1", "list-1"],
    ["", ""],
  ];
  for (const [input, expected] of table) {
    it(`${JSON.stringify(input)} -> ${JSON.stringify(expected)}`, () => assert.equal(addrOnly(input), expected));
  }
  it("refuses CR/LF", () => assert.throws(() => addrOnly("a@b\r\nQUIT"), TypeError));
});

describe("isAsciiAddress", () => {
  it("tells ASCII from non-ASCII", () => {
    assert.equal(isAsciiAddress("foo@bar.com"), true);
    assert.equal(isAsciiAddress("főo@bar.com"), false);
    assert.equal(isAsciiAddress("user@bücher.de"), false);
    assert.equal(isAsciiAddress(""), true);
  });
});

describe("splitAddressList", () => {
  it("splits at top-level commas only and marks empty elements", () => {
    const parts = splitAddressList('"a,b" <x@y>, (c,d) z@w, , g: a@b, c@d;, <@r,@s:e@f>, [1,2]');
    assert.deepEqual(
      parts.map((p) => [p.text, p.hasContent]),
      [['"a,b" <x@y>', true], [" (c,d) z@w", true], [" ", false], [" g: a@b, c@d;", true], [" <@r,@s:e@f>", true], [" [1,2]", true]],
    );
  });
  it("marks an element swallowed by an unterminated comment as content, to be refused", () => {
    assert.deepEqual(splitAddressList("(, a@b").map((p) => p.hasContent), [true]);
    assert.deepEqual(splitAddressList("(closed)").map((p) => p.hasContent), [false]);
  });
});

describe("parseAddress", () => {
  it("returns null for what is not exactly one address", () => {
    assert.equal(parseAddress("a@b, c@d"), null);
    assert.equal(parseAddress("g: a@b;"), null);
    assert.equal(parseAddress(""), null);
    assert.equal(parseAddress("John <j@x.org>"), "j@x.org");
  });
});

describe("parseAddressList", () => {
  const table: Array<[string, string[]]> = [
    ["a@b", ["a@b"]],
    ["John <j@x.org>, k@y", ["j@x.org", "k@y"]],
    ['"Doe, John" <j@x.org>, "Roe; Jane: x" <r@x.org>', ["j@x.org", "r@x.org"]],
    ["j@x.org (Doe, John), k@y (a (nested, comment))", ["j@x.org", "k@y"]],
    ["undisclosed-recipients:;", []],
    ["undisclosed-recipients: ;", []],
    ["team: a@x, b@y;, c@z", ["a@x", "b@y", "c@z"]],
    ["c@z, team: a@x, \"B, b\" <b@y>; , d@w", ["c@z", "a@x", "b@y", "d@w"]],
    ["=?utf-8?q?J=C3=A9r=C3=B4me?= <j@x.org>", ["j@x.org"]],
    ["=?UTF-8?B?w6lsw6g=?= <e@x.org>, =?iso-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>", ["e@x.org", "PIRARD@vm1.ulg.ac.be"]],
    ["=?utf-8?q?Smith,_John?= <j@x.org>, k@y", ["j@x.org", "k@y"]], // a ',' RFC 2047 forbids, seen in the wild
    ["a@b, , c@d,", ["a@b", "c@d"]], // obs-addr-list
    ["(nobody), a@b", ["a@b"]],
    ["Bernard, Bianca", ["Bernard", "Bianca"]], // Python's bare local parts
    ["<postmaster>, Post Office <\"post office\">", ["postmaster", '"post office"']],
    ["John Root <root@localhost>, \"Dinsdale\" <warped@silly.walks.com>", ["root@localhost", "warped@silly.walks.com"]],
    ["<@route:a@b>", ["a@b"]],
    ['"a b"@x, "a,b"@y', ['"a b"@x', '"a,b"@y']],
    ["Páolo <főo@bar.com>, 用户@例子.广告", ["főo@bar.com", "用户@例子.广告"]],
    ["a@[1.2.3.4], b@[IPv6:2001:db8::1]", ["a@[1.2.3.4]", "b@[IPv6:2001:db8::1]"]],
    ["Mr. Smith <s@x>", ["s@x"]],
    ["", []],
  ];
  for (const [input, expected] of table) {
    it(`${JSON.stringify(input)}`, () => assert.deepEqual(parseAddressList(input), expected));
  }

  it("names the element it cannot parse", () => {
    assert.throws(
      () => parseAddressList("x@y, bogus <, z@w"),
      (e: unknown) => e instanceof TypeError && e.message.includes('"bogus <, z@w"'), // the open "<" takes the rest
    );
    assert.throws(() => parseAddressList("a@b, John Smith"), /"John Smith"/);
    assert.throws(() => parseAddressList("team: a@b"), TypeError); // unterminated group
    assert.throws(() => parseAddressList('"unterminated, a@b'), TypeError);
  });

  it("quotes at most 200 characters of a long header in its error, and says how long it was", () => {
    const header = `${Array.from({ length: 2000 }, (_, i) => `u${i}@example.org`).join(", ")}, broken <`;
    assert.throws(() => parseAddressList(header), (e: unknown) => {
      assert.ok(e instanceof TypeError);
      assert.match(e.message, /^cannot parse address "broken <" in "u0@example.org, u1@example.org, .*\.\.\." \(\d+ characters\)$/);
      assert.ok(e.message.length < 300, `${e.message.length} characters`);
      return true;
    });
  });

  it("refuses a domain literal with a space or quoted-pair inside, in a group too", () => {
    assert.throws(() => parseAddressList("a@b, g: c@d, e@[10.0.0.1 2];"), /cannot parse address "g: c@d, e@\[10.0.0.1 2\];"/);
    assert.throws(() => parseAddressList("Name <e@[x\\ y]>"), TypeError);
  });

  it("refuses CR, LF and NUL (values must be unfolded first)", () => {
    assert.throws(() => parseAddressList("a@b,\r\n c@d"), TypeError);
    assert.throws(() => parseAddressList("a@b\0"), TypeError);
  });

  // Generators for the property tests.
  const atext = fc.constantFrom(..."abcxyzABC0189!#$%&'*+-/=?^_`{|}~".split(""));
  const atom = fc.array(atext, { minLength: 1, maxLength: 6 }).map((a) => a.join(""));
  const dotAtom = fc.array(atom, { minLength: 1, maxLength: 3 }).map((a) => a.join("."));
  const qchar = fc.constantFrom(..."ab ,;:<>@()[].\"\\é".split(""));
  const quotedLocal = fc.array(qchar, { minLength: 1, maxLength: 8 }).map((a) => a.join(""));
  const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?$/);
  const domain = fc.array(label, { minLength: 1, maxLength: 3 }).map((a) => a.join("."));
  const local = fc.oneof(
    dotAtom.map((v) => ({ written: v, spec: v })),
    quotedLocal.map((v) => ({ written: `"${v.replace(/["\\]/g, "\\$&")}"`, spec: canonicalLocalPart(v) })),
  );
  const displayName = fc.oneof(
    fc.constant(""),
    fc.array(atom, { minLength: 1, maxLength: 3 }).map((a) => `${a.join(" ")} `),
    fc.string({ maxLength: 12 }).map((s) => `"${s.replace(/[\r\n\0]/g, "").replace(/["\\]/g, "\\$&")}" `),
    fc.string({ maxLength: 12 }).map((s) => `=?utf-8?B?${Buffer.from(s).toString("base64")}?= `),
    fc.string({ unit: "grapheme", maxLength: 12 }).map((s) => `=?utf-8?Q?${encodeQ(s)}?= `),
  );
  const mailbox = fc.tuple(displayName, local, domain, fc.boolean()).map(([name, l, d, comment]) => ({
    written: `${name}<${l.written}@${d}>${comment ? " (a, comment)" : ""}`,
    spec: `${l.spec}@${d}`,
  }));

  it("property: a generated list of Name <local@domain> gives exactly its addr-specs", () => {
    fc.assert(
      fc.property(fc.array(mailbox, { maxLength: 6 }), (boxes) => {
        const header = boxes.map((b) => b.written).join(", ");
        assert.deepEqual(parseAddressList(header), boxes.map((b) => b.spec));
      }),
      { numRuns: 1000 },
    );
  });

  it("property: the same mailboxes inside a group give the same addr-specs", () => {
    fc.assert(
      fc.property(fc.array(mailbox, { maxLength: 4 }), (boxes) => {
        const header = `list: ${boxes.map((b) => b.written).join(", ")};`;
        assert.deepEqual(parseAddressList(header), boxes.map((b) => b.spec));
      }),
      { numRuns: 500 },
    );
  });

  it("property: the addr-specs found re-parse to themselves, as a list and each through quoteaddr", () => {
    // single characters, and pieces of domain literals and quoted pairs, which they seldom make
    const chars = fc.constantFrom(..."ab.@\"\\ ()<>[],;:é!=?".split(""), "a@[", "\\ ", "1 2", "]");
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 20 }).map((a) => a.join("")), (s) => {
        let specs: string[];
        try {
          specs = parseAddressList(s);
        } catch {
          return;
        }
        assert.deepEqual(parseAddressList(specs.join(", ")), specs);
        for (const spec of specs) {
          // RFC 5322 reads any domain literal; a path (RFC 5321 §4.1.3) takes address literals only.
          if (/@\[[^[]*\]$/.test(spec) && !/@\[(?:\d{1,3}(?:\.\d{1,3}){3}|IPv6:[\d:.a-f]+|[\w-]+:[^\]]+)\]$/i.test(spec)) {
            assert.throws(() => quoteaddr(spec), /not an RFC 5321 address literal/);
          } else assert.equal(quoteaddr(spec), `<${spec}>`);
        }
      }),
      { numRuns: 20000 },
    );
  });

  it("property: one junk element among mailboxes is either an address of its own or an error, never dropped", () => {
    const junk = fc.string({ maxLength: 20 }).map((s) => s.replace(/[\r\n\0]/g, ""));
    fc.assert(
      fc.property(fc.array(mailbox, { maxLength: 3 }), junk, fc.array(mailbox, { maxLength: 3 }), (before, j, after) => {
        const header = [...before.map((b) => b.written), j, ...after.map((b) => b.written)].join(", ");
        let specs: string[];
        try {
          specs = parseAddressList(header);
        } catch (e) {
          return e instanceof TypeError && /cannot parse address/.test(e.message);
        }
        const own = parseAddressList(j);
        assert.deepEqual(specs, [...before.map((b) => b.spec), ...own, ...after.map((b) => b.spec)]);
        return true;
      }),
      { numRuns: 2000 },
    );
  });
});

/** RFC 2047 Q encoding for a phrase (§4.2, §5(3)): only letters and digits left as they are. */
function encodeQ(s: string): string {
  return [...Buffer.from(s, "utf8")]
    .map((b) => (/[A-Za-z0-9]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : b === 0x20 ? "_" : `=${b.toString(16).toUpperCase().padStart(2, "0")}`))
    .join("");
}
