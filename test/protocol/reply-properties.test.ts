// ReplyParser properties (fast-check): random well-formed replies against an independent
// reference, split anywhere; parseEnhancedStatus; and each line's own code.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { mixedLineCodes, ReplyParser, type SMTPReply } from "../../src/protocol/reply.js";
import { parseEnhancedStatus } from "../../src/errors.js";
import { r, run, splitIndices, parseAllWays, expectReplies } from "../helpers/reply-parse.js";

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

/** Python's bytes.strip(b' \t\r\n'), written independently of the parser. */
function pyStrip(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && " \t\r\n".includes(s[a]!)) a++;
  while (b > a && " \t\r\n".includes(s[b - 1]!)) b--;
  return s.slice(a, b);
}

function refEnhanced(code: number, first: string): string | undefined {
  const m = /^([245])\.([0-9]{1,3})\.([0-9]{1,3})(?:[ \t]|$)/.exec(first);
  return m && Number(m[1]) === Math.floor(code / 100) ? `${m[1]}.${m[2]}.${m[3]}` : undefined;
}

interface WireLine { text: string; padBefore: string; padAfter: string; eol: string; bare: boolean }

const textArb = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme-ascii", maxLength: 40 }),
  fc.constantFrom("2.1.5 ok", "5.1.1 no such user", "4.7.1", "2.0.0\tdone", "OK", "", "  ", "é✓😀"),
).map((s) => s.replace(/[\r\n]/g, ""));

const lineArb: fc.Arbitrary<WireLine> = fc.record({
  text: textArb,
  padBefore: fc.constantFrom("", " ", "\t", "  \t"),
  padAfter: fc.constantFrom("", " ", "\t ", "\r"),
  eol: fc.constantFrom("\r\n", "\n"),
  bare: fc.boolean(),
});

const replyArb = fc.record({
  code: fc.integer({ min: 0, max: 999 }),
  lines: fc.array(lineArb, { minLength: 1, maxLength: 6 }),
});

function render(reply: { code: number; lines: WireLine[] }): string {
  const code = String(reply.code).padStart(3, "0");
  return reply.lines.map((l, i) => {
    const sep = i === reply.lines.length - 1 ? " " : "-";
    const content = l.padBefore + l.text + l.padAfter;
    // A final line with no text may be sent as just the code.
    if (sep === " " && l.bare && pyStrip(content) === "") return `${code}${l.eol}`;
    return `${code}${sep}${content}${l.eol}`;
  }).join("");
}

function expected(reply: { code: number; lines: WireLine[] }): SMTPReply {
  // Expected text is what survives UTF-8 round-tripping (lone surrogates become U+FFFD).
  const lines = reply.lines.map((l) => pyStrip(Buffer.from(l.padBefore + l.text + l.padAfter, "utf8").toString("utf8")));
  return r(reply.code, lines, refEnhanced(reply.code, lines[0]!));
}

describe("parseEnhancedStatus: property", () => {
  it("agrees with the RFC 3463 pattern on text built from digits, dots and blanks", () => {
    // Text drawn from a tiny alphabet reaches every edge: 0 or 4 digits, missing dots,
    // a code of another class, a blank, a tab or a letter after the last digits.
    const text = fc.array(fc.constantFrom("0", "1", "2", "4", "5", "9", ".", " ", "\t", "x"), { maxLength: 12 }).map((a) => a.join(""));
    fc.assert(fc.property(fc.constantFrom(250, 251, 354, 421, 450, 550, 554, 199, 0), text, (code, first) => {
      assert.equal(parseEnhancedStatus(code, first), refEnhanced(code, first));
    }), { numRuns: 20000 });
  });
});

/** `wire` cut into chunks at the given points (each taken modulo its length + 1). */
function cutAt(wire: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let prev = 0;
  for (const p of points) { chunks.push(wire.subarray(prev, p)); prev = p; }
  chunks.push(wire.subarray(prev));
  return chunks;
}

describe("ReplyParser: properties", () => {
  it("arbitrary replies rendered to wire form and split arbitrarily parse back exactly", () => {
    fc.assert(fc.property(
      fc.array(replyArb, { minLength: 1, maxLength: 5 }),
      fc.array(fc.nat(), { maxLength: 8 }),
      (replies, cuts) => {
        const wire = Buffer.from(replies.map(render).join(""), "utf8");
        const outcome = run(cutAt(wire, cuts));
        assert.equal(outcome.error, undefined);
        assert.deepEqual(outcome.replies, replies.map(expected));
        assert.equal(outcome.parser.inProgress, false);
      },
    ), { numRuns: 300 });
  });

  it("the same, fed whole, byte by byte and at every split point", () => {
    fc.assert(fc.property(fc.array(replyArb, { minLength: 1, maxLength: 3 }), (replies) => {
      const outcome = parseAllWays(Buffer.from(replies.map(render).join(""), "utf8"));
      assert.deepEqual(outcome.replies, replies.map(expected));
    }), { numRuns: 60 });
  });

  it("replies that repeat (answered from the parser's recent replies) parse exactly as when first seen, however they are chunked", () => {
    // A small pool, drawn from again and again: the same reply comes back to back, after
    // others, past the number remembered, and as a line of a multi-line reply.
    const pool = fc.array(replyArb, { minLength: 1, maxLength: 7 });
    fc.assert(fc.property(pool, fc.array(fc.nat(), { minLength: 1, maxLength: 40 }), fc.array(fc.nat(), { maxLength: 6 }), (replies, picks, cuts) => {
      const sequence = picks.map((p) => replies[p % replies.length]!);
      const wire = Buffer.from(sequence.map(render).join(""), "utf8");
      const outcome = run(cutAt(wire, cuts));
      assert.equal(outcome.error, undefined);
      assert.deepEqual(outcome.replies, sequence.map(expected));
    }), { numRuns: 400 });
  });

  it("a stream of replies drawn from a small pool, raw bytes included, parses as each reply does alone in a new parser", () => {
    // The oracle has no memory of earlier replies: each reply parsed by a parser of its own.
    const byteReply = fc.tuple(fc.constantFrom("250 ", "550 ", "250-", "354 "), fc.uint8Array({ maxLength: 12 }), fc.constantFrom("\r\n", "\n"))
      .map(([head, body, eol]) => {
        const text = Buffer.from(body.filter((b) => b !== 0x0d && b !== 0x0a));
        const line = Buffer.concat([Buffer.from(head), text, Buffer.from(eol)]);
        // A continuation line needs a last line after it.
        return head.endsWith("-") ? Buffer.concat([line, Buffer.from(`${head.slice(0, 3)} end\r\n`)]) : line;
      });
    const wireReply = fc.oneof(replyArb.map((r) => Buffer.from(render(r), "utf8")), byteReply);
    fc.assert(fc.property(fc.array(wireReply, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { minLength: 1, maxLength: 30 }), fc.array(fc.nat(), { maxLength: 6 }), (pool, picks, cuts) => {
      const sequence = picks.map((p) => pool[p % pool.length]!);
      const alone = sequence.flatMap((wire) => new ReplyParser().push(wire));
      const outcome = run(cutAt(Buffer.concat(sequence), cuts));
      assert.equal(outcome.error, undefined);
      assert.deepEqual(outcome.replies, alone);
    }), { numRuns: 500 });
  });

  it("a repeated reply is a new object each time: changing one changes no other", () => {
    const [a, b, c] = new ReplyParser().push(Buffer.from("250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n"));
    a!.lines.push("changed");
    a!.message = "changed";
    assert.notEqual(a, b);
    assert.deepEqual(b, r(250, ["2.1.5 Ok"], "2.1.5"));
    assert.deepEqual(c, r(250, ["2.1.5 Ok"], "2.1.5"));
  });

  it("a line remembered as a one-line reply is not taken for one inside a multi-line reply, nor the other way round", () => {
    expectReplies("250 same\r\n250-same\r\n250 same\r\n250 same\r\n250-other\r\n250 other\r\n250 other\r\n", [
      r(250, ["same"]), r(250, ["same", "same"]), r(250, ["same"]), r(250, ["other", "other"]), r(250, ["other"]),
    ]);
  });

  it("repeated replies with bytes that are not UTF-8 (Latin-1 text, a C1 byte) parse as the first time (regression)", () => {
    // A lone 0xE9 decodes to U+FFFD: the same length as the byte, and not a high byte any
    // more, so the line once passed for plain ASCII and its repeats came back as "é".
    const line = (text: number[]): Buffer => Buffer.concat([Buffer.from("550 "), Buffer.from(text), Buffer.from("\r\n")]);
    const latin1 = line([0x63, 0x61, 0x66, 0xe9]);
    const c1 = line([0x78, 0x9b, 0x79]);
    const utf8 = Buffer.from("550 café\r\n", "utf8");
    const outcome = parseAllWays(Buffer.concat([latin1, latin1, c1, c1, utf8, utf8, latin1]));
    assert.equal(outcome.error, undefined);
    assert.deepEqual(outcome.replies.map((x) => x.message), ["caf\ufffd", "caf\ufffd", "x\ufffdy", "x\ufffdy", "café", "café", "caf\ufffd"]);
  });

  it("repeated replies with a bare LF, trailing blanks or no text parse as the first time", () => {
    expectReplies("250 ok\n250 ok\n250 ok \r\n250 ok \r\n250 \r\n250 \r\n250\r\n250\r\n250 ok\r\n250 ok\n", [
      r(250, ["ok"]), r(250, ["ok"]), r(250, ["ok"]), r(250, ["ok"]), r(250, [""]), r(250, [""]), r(250, [""]), r(250, [""]),
      r(250, ["ok"]), r(250, ["ok"]),
    ]);
  });

  it("arbitrary bytes never throw anything but SMTPResponseException, and chunking never changes the error", () => {
    const byteLine = fc.oneof(
      fc.uint8Array({ maxLength: 12 }),
      fc.constantFrom(Buffer.from("250-"), Buffer.from("250 "), Buffer.from("\r\n"), Buffer.from("\n"), Buffer.from("25")),
    );
    fc.assert(fc.property(fc.array(byteLine, { maxLength: 8 }), (parts) => {
      parseAllWays(Buffer.concat(parts), { maxReplyBytes: 40, maxLineLength: 20, maxReplyLines: 3 });
    }), { numRuns: 300 });
  });
});

// ---------------------------------------------------------------------------
// Each line's own code (for the debug trace)
// ---------------------------------------------------------------------------

/** Every way of feeding `wire` that parseAllWays uses; each run's replies with their line codes. */
function lineCodesAllWays(wire: string): Array<[string, Array<readonly number[] | undefined>]> {
  const buf = Buffer.from(wire, "utf8");
  const runs: Array<[string, Uint8Array[]]> = [["whole", [buf]], ["byte by byte", [...buf].map((b) => Uint8Array.of(b))]];
  for (const i of splitIndices(buf.length)) runs.push([`split at ${i}`, [buf.subarray(0, i), buf.subarray(i)]]);
  return runs.map(([name, chunks]) => {
    const outcome = run(chunks);
    assert.equal(outcome.error, undefined, name);
    return [name, outcome.replies.map(mixedLineCodes)];
  });
}

describe("ReplyParser: each line's code", () => {
  const table: Array<[string, string, Array<readonly number[] | undefined>]> = [
    ["lines that share a code keep none", "250-a\r\n250-b\r\n250 c\r\n", [undefined]],
    ["a one-line reply keeps none", "220 b\r\n", [undefined]],
    ["the last line differs", "250-a\r\n220 b\r\n", [[250, 220]]],
    ["a middle line differs", "250-a\r\n550-b\r\n250 c\r\n", [[250, 550, 250]]],
    ["every line differs", "211-a\r\n212-b\r\n213 c\r\n", [[211, 212, 213]]],
    ["the second line differs, the rest agree with it", "250-a\r\n354-b\r\n354-c\r\n354 d\r\n", [[250, 354, 354, 354]]],
    ["per reply: a mixed one between ordinary ones", "250-x\r\n250 y\r\n250-a\r\n220 b\r\n250-x\r\n250 y\r\n250 z\r\n",
      [undefined, [250, 220], undefined, undefined]],
  ];
  for (const [name, wire, expected] of table) {
    it(`${name}, fed whole, byte by byte and split at every index`, () => {
      for (const [how, codes] of lineCodesAllWays(wire)) assert.deepEqual(codes, expected, how);
    });
  }

  it("the reply itself is unchanged: the last line's code, the usual shape", () => {
    const [reply] = new ReplyParser().push(Buffer.from("250-a\r\n220 b\r\n"));
    assert.deepEqual(reply, r(220, ["a", "b"]));
    assert.deepEqual(Object.keys(reply!), ["code", "message", "lines"]);
  });

  it("property: a reply's lines with codes drawn at random come back with exactly those codes, however chunked", () => {
    const codes = fc.array(fc.constantFrom(220, 250, 354, 550), { minLength: 1, maxLength: 5 });
    fc.assert(fc.property(fc.array(codes, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 6 }), (replies, cuts) => {
      const wire = replies.map((cs) => cs.map((c, i) => `${c}${i === cs.length - 1 ? " " : "-"}line ${i}\r\n`).join("")).join("");
      const outcome = run(cutAt(Buffer.from(wire), cuts));
      assert.equal(outcome.error, undefined);
      assert.deepEqual(outcome.replies.map((x) => x.code), replies.map((cs) => cs[cs.length - 1]));
      assert.deepEqual(outcome.replies.map(mixedLineCodes), replies.map((cs) => (cs.every((c) => c === cs[0]) ? undefined : cs)));
    }), { numRuns: 500 });
  });
});
