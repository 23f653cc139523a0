/**
 * Address lists read within bounds (src/protocol/address-element.ts): the common forms and
 * a group's members are read without the full RFC 5322 parser, to the parser's results
 * (property tests against `parseElementFully`, the whole-element reading used before);
 * absurd shapes that took the parser up to seconds are refused with a TypeError that says
 * why. No timings are asserted: the results are.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { parseAddressList, quoteaddr } from "../../src/protocol/address.js";
import { commonMailbox } from "../../src/protocol/address-forms.js";
import { FULL_PARSE_OVERHEAD, MAX_ADDRESS_LENGTH, MAX_FULLY_PARSED, parseListElement } from "../../src/protocol/address-element.js";
import { parseElementFully, splitAddressList } from "../../src/protocol/address-list.js";

/** The whole-element reading: what every element got before the bounds. */
function reference(list: string): string[] | "TypeError" {
  const out: string[] = [];
  for (const e of splitAddressList(list)) {
    if (!e.hasContent) continue;
    const parsed = parseElementFully(e.text);
    if (parsed === null) return "TypeError";
    out.push(...parsed.specs);
  }
  return out;
}

function outcome(list: string): string[] | "TypeError" {
  try {
    return parseAddressList(list);
  } catch (e) {
    if (e instanceof TypeError) return "TypeError";
    throw e;
  }
}

const fill = (unit: string, n: number): string => unit.repeat(Math.floor(n / unit.length));
const tooLong = (e: unknown): boolean => e instanceof TypeError && /address is longer than 1000 characters/.test(e.message);
const tooComplex = (e: unknown): boolean => e instanceof TypeError && /address list too complex to read: more than 4000 characters/.test(e.message);

describe("address lists: realistic headers read as before", () => {
  it("1,000 plain, 1,000 named and 2,000 grouped addresses give exactly their addr-specs", () => {
    const specs = Array.from({ length: 1000 }, (_, i) => `user${i}@example${i % 7}.test`);
    assert.deepEqual(parseAddressList(specs.join(", ")), specs);
    const named = specs.map((s, i) => (i % 3 === 0 ? `"Doe, John ${i}" <${s}>` : i % 3 === 1 ? `Zoë Ünal ${i} <${s}>` : `${s} (Dept. ${i})`));
    assert.deepEqual(parseAddressList(named.join(", ")), specs);
    const two = [...specs, ...specs];
    assert.deepEqual(parseAddressList(`Everyone: ${two.map((s) => `J. R. Doe <${s}>`).join(",\t")};, last@x.test`), [...two, "last@x.test"]);
  });

  it("1,000 bare local parts, and 50 addresses in rarer forms (routes, literals, nested comments), are read as before", () => {
    const bare = Array.from({ length: 1000 }, (_, i) => (i % 2 ? `user${i}` : `<user${i}>`));
    assert.deepEqual(parseAddressList(bare.join(", ")), bare.map((b) => b.replace(/[<>]/g, "")));
    const rare = ["<@relay.test:a@x.test>", "b@[192.0.2.1]", "c (x (y)) @x.test", '"d\\"q"@x.test', "e@x.test (a \\) b)"];
    assert.deepEqual(parseAddressList(Array(10).fill(rare).flat().join(", ")), Array(10).fill(["a@x.test", "b@[192.0.2.1]", "c@x.test", '"d\\"q"@x.test', "e@x.test"]).flat());
  });
});

describe("address lists: absurd shapes are refused, saying why", () => {
  // Each about 40 KB in one address: the full parser took 0.1 s to 2 s on these.
  const shapes: Array<[string, string]> = [
    ["a run of comments", `${fill("(c)", 40000)} a@x.test`],
    ["nested comments", `a@x.test ${"(".repeat(20000)}${")".repeat(20000)}`],
    ["quoted strings", `${fill('"q" ', 40000)}<a@x.test>`],
    ["a dotted phrase", `${fill("a.", 40000)}b <a@x.test>`],
    ["a quoted local part", `"${fill("a ", 40000)}"@x.test`],
    ["an unterminated quote", `"${fill("a ", 40000)}`],
    ["an unterminated comment", `a@x.test (${fill("c ", 40000)}`],
    ["a phrase without an address", fill("word ", 40000)],
    ["blanks", `${" ".repeat(40000)}a@x.test`],
    ["an obsolete route", `<${fill("@a.test,", 40000)}:a@x.test>`],
    ["a group member", `g: a@x.test, ${fill("(c)", 40000)} b@x.test;`],
    ["a group name", `${fill("w ", 40000)}: a@x.test;`],
  ];
  for (const [name, list] of shapes) {
    it(`${name}: TypeError, the address is longer than 1,000 characters`, () => {
      assert.throws(() => parseAddressList(list), tooLong);
    });
  }

  it("more than 4,000 characters of addresses in other forms, each counting 50 more: TypeError, too complex", () => {
    const rare = "x <@relay.test:a@x.test>"; // an obsolete route: the full parser reads it
    // Joined by "," alone, each element is `rare` exactly.
    const fits = Array<string>(Math.floor(MAX_FULLY_PARSED / (rare.length + FULL_PARSE_OVERHEAD))).fill(rare);
    assert.equal(parseAddressList(fits.join(",")).length, fits.length);
    assert.throws(() => parseAddressList([...fits, rare].join(",")), tooComplex);
    assert.throws(() => parseAddressList(`g: ${[...fits, rare].join(",")};`), tooComplex);
    // Common forms do not count.
    assert.equal(parseAddressList([...fits, ...Array<string>(5000).fill("A <a@x.test>")].join(",")).length, fits.length + 5000);
  });

  it("exactly 4,000 characters' worth of them (each counting 50 more) is still read", () => {
    const rare = "xxxxxxx <@relay.test:a@x.test>"; // 30 characters: 80 each, 50 of them
    assert.equal(MAX_FULLY_PARSED % (rare.length + FULL_PARSE_OVERHEAD), 0);
    const exact = Array<string>(MAX_FULLY_PARSED / (rare.length + FULL_PARSE_OVERHEAD)).fill(rare);
    assert.equal(parseAddressList(exact.join(",")).length, exact.length);
  });

  it("a given address is held to the same length (quoteaddr)", () => {
    assert.throws(() => quoteaddr(`"${fill("a ", 2000)}`), tooLong);
    assert.throws(() => quoteaddr(`${" ".repeat(40000)}x`), tooLong); // the null-path check is linear too
    assert.equal(quoteaddr(`Name (${"c".repeat(MAX_ADDRESS_LENGTH - 13)}) <a@b>`), "<a@b>");
  });
});

// Generators: pieces of the grammar, and the characters that trip it.
const atom = fc.stringMatching(/^[a-zA-Z0-9!#$%&'*+\-/=?^_`{|}~é]{1,4}$/);
const quoted = fc.array(fc.constantFrom("a", " ", "\\\"", "\\\\", ",", "@", "(", "<", ":", "é", "\t"), { maxLength: 4 }).map((a) => `"${a.join("")}"`);
const comment = fc.oneof(
  fc.array(fc.constantFrom("c", " ", ",", "@", ":", "<", '"', "é"), { maxLength: 4 }).map((a) => `(${a.join("")})`),
  fc.constantFrom("((n))", "(\\))", "()", "(a (b) c)"),
);
const blank = fc.constantFrom("", " ", "\t", "  ");
const cfws = fc.array(fc.oneof(blank, comment), { maxLength: 2 }).map((a) => a.join(""));
const local = fc.oneof(fc.array(atom, { minLength: 1, maxLength: 3 }).map((a) => a.join(".")), quoted, fc.constantFrom("a..b", ".a", "a."));
const domain = fc.oneof(
  fc.array(atom, { minLength: 1, maxLength: 3 }).map((a) => a.join(".")),
  fc.constantFrom("[192.0.2.1]", "[IPv6:::1]", "[ 1.2.3.4 ]", "[1 2]", "[ü]", "x..y", "[a\\]b]"),
);
const word = fc.oneof(atom, quoted, fc.constantFrom(".", "@", "=?utf-8?q?a?="));
const phrase = fc.array(fc.tuple(word, fc.oneof(blank, comment)), { maxLength: 3 }).map((a) => a.map(([w, s]) => w + s).join(""));
const route = fc.constantFrom("", "", "@r.test:", "@r.test,@s.test:");
const mailbox = fc.oneof(
  fc.tuple(cfws, local, domain, cfws).map(([a, l, d, b]) => `${a}${l}@${d}${b}`),
  fc.tuple(cfws, phrase, route, local, domain, cfws).map(([a, p, r, l, d, b]) => `${a}${p}<${r}${l}@${d}>${b}`),
  fc.tuple(cfws, phrase, local, cfws, fc.boolean()).map(([a, p, l, b, br]) => (br ? `${a}${p}<${l}>${b}` : `${a}${l}${b}`)),
);
const goodLocal = fc.oneof(fc.array(atom, { minLength: 1, maxLength: 3 }).map((a) => a.join(".")), quoted);
const goodDomain = fc.oneof(fc.array(atom, { minLength: 1, maxLength: 3 }).map((a) => a.join(".")), fc.constant("[192.0.2.1]"));
const goodPhrase = fc.array(fc.tuple(fc.oneof(atom, quoted), fc.oneof(blank, comment, fc.constantFrom(". ", "."))), { minLength: 1, maxLength: 3 })
  .map((a) => a.map(([w, s]) => w + s).join(""));
/** Mostly valid mailboxes, so that groups of them are often valid too. */
const goodMailbox = fc.oneof(
  fc.tuple(cfws, goodLocal, goodDomain, cfws).map(([a, l, d, b]) => `${a}${l}@${d}${b}`),
  fc.tuple(cfws, fc.oneof(goodPhrase, fc.constant("")), route, goodLocal, goodDomain, cfws).map(([a, p, r, l, d, b]) => `${a}${p}<${r}${l}@${d}>${b}`),
);
const junk = fc.array(fc.constantFrom("a", "@", ".", ",", ";", ":", "<", ">", '"', "(", ")", "[", "]", "\\", " ", "é", "x@y", "g:"), { maxLength: 12 }).map((a) => a.join(""));
/** Characters and tokens that trip the grammar, controls and lone surrogates among them. */
const soup = fc.array(
  fc.constantFrom(..."ab.@\"\\()<>[],;: \té!=?".split(""), "\x01", "\x7f", "\u0085", "\u00a0", "\ud800", "\udc00", "x@y", "<a@b>", '"q"', "(c)", "[1.2.3.4]", "@r:", "g:", "Sally", "\\)", "=?u?q?a?="),
  { maxLength: 14 },
).map((a) => a.join(""));
const member = fc.oneof({ weight: 12, arbitrary: goodMailbox }, { weight: 4, arbitrary: mailbox }, { weight: 1, arbitrary: junk }, { weight: 1, arbitrary: blank });
const groupName = fc.oneof({ weight: 6, arbitrary: goodPhrase }, { weight: 2, arbitrary: phrase }, { weight: 1, arbitrary: junk });
const groupRest = fc.oneof({ weight: 6, arbitrary: cfws }, { weight: 1, arbitrary: junk });
const group = fc.tuple(groupName, fc.array(member, { maxLength: 4 }), groupRest).map(([n, ms, rest]) => `${n}:${ms.join(",")};${rest}`);

/**
 * `text` as a String stand-in that counts the work done on it: each character read by index,
 * and each character of every string a String method returns (a substring taken).
 */
function counting(text: string): { value: string; work: () => number } {
  let work = 0;
  const proxy = new Proxy(new String(text), {
    get(_target, key) {
      if (key === "length") return text.length;
      if (key === Symbol.toPrimitive || key === "toString" || key === "valueOf") return () => text;
      if (typeof key === "string" && /^\d+$/.test(key)) {
        work++;
        return text[Number(key)];
      }
      const method: unknown = Reflect.get(String.prototype, key);
      if (typeof method !== "function") return method;
      return (...args: unknown[]): unknown => {
        const result: unknown = (method as (...a: unknown[]) => unknown).apply(text, args);
        if (typeof result === "string") work += result.length;
        return result;
      };
    },
  });
  return { value: proxy as unknown as string, work: () => work };
}

describe("address lists: read in linear work", () => {
  it("many encoded words holding specials: the rest of the list is not read again after each (it took seconds on 400 KB)", () => {
    // Work counted, not timed. Each word stands in a display name (a `<` follows), so each is replaced.
    const list = `${"=?u?q?(?= ".repeat(2000)}<a@x.test>`;
    const counted = counting(list);
    assert.deepEqual(splitAddressList(counted.value), [{ text: `${"encoded-word ".repeat(2000)}<a@x.test>`, hasContent: true }]);
    assert.ok(counted.work() < 10 * list.length, `${counted.work()} characters read for a list of ${list.length}`);
    // No `<` after them: kept as written, and still read once.
    const plain = counting(`${"=?u?q?(?= ".repeat(2000)}x@y.test`);
    assert.equal(splitAddressList(plain.value)[0].text, `${"=?u?q?(?= ".repeat(2000)}x@y.test`);
    assert.ok(plain.work() < 10 * list.length, `${plain.work()} characters read`);
  });
});

describe("address lists: the bounded reading gives the parser's results", () => {
  it("property: one element (mailbox, group, junk) reads as the full parser reads it whole", () => {
    fc.assert(
      fc.property(fc.oneof(goodMailbox, mailbox, group, junk, soup), (element) => {
        assert.deepEqual(parseListElement(element), parseElementFully(element));
      }),
      { numRuns: 10000 },
    );
  });

  it("property: a list of them gives what reading each element whole gave", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(goodMailbox, mailbox, group, junk), { maxLength: 5 }), (elements) => {
        const list = elements.join(", ");
        assert.deepEqual(outcome(list), reference(list));
      }),
      { numRuns: 2000 },
    );
  });

  it("the common forms are read without the parser (the properties above are not vacuous)", () => {
    const common = ['a@b', " (c) a.b@x.test (d) ", '"Doe, J." <a@b>', "J. R. Doe (x) <\"q q\"@[192.0.2.1]>", "x@y <a@b>", "Sally", " <Postmaster> ", 'John "Q" <Sally>'];
    for (const e of common) assert.notEqual(commonMailbox(e), null, e);
    for (const e of ["a (b (c)) @x", "<@r:a@b>", "a@[1 2]", "Sally (a@b)", "x@y <Sally>", "a.@b", ".J <a@b>"]) assert.equal(commonMailbox(e), null, e);
  });
});
