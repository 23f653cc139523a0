import { spawnSync } from "node:child_process";
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { asBuffer, DotStuffer, endsInCrlf, normalizedLength, normalizeLineEndingBytes, normalizeLineEndings, stuffMessage, type DotStufferOptions } from "../../src/protocol/dot-stuff.js";
import { bdatLength, bdatParts } from "../../src/client/bdat-parts.js";
import { loadKernel } from "../../src/protocol/dot-stuff-wasm.js";

/**
 * Every test below runs for both implementations: the WebAssembly kernel (the default)
 * and the portable JavaScript scan. They must give the same bytes.
 */
const IMPLEMENTATIONS: { name: string; options: DotStufferOptions }[] = [
  { name: "kernel", options: {} },
  { name: "portable scan", options: { kernel: false } },
];
let options: DotStufferOptions = {};

// Strings here are byte strings (latin1): one character per byte.
const bin = (s: string): Buffer => Buffer.from(s, "latin1");
const str = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");

/**
 * The reference: Python's `quotedata` (every CRLF, LF and lone CR -> CRLF, then "." at a
 * line start doubled) plus `data()`'s ending (CRLF if missing, then ".\r\n"), on strings.
 */
function reference(input: string): string {
  const normalised = input.replace(/\r\n|\n|\r/g, "\r\n");
  const stuffed = normalised.split("\r\n").map((line) => (line.startsWith(".") ? `.${line}` : line)).join("\r\n");
  return `${stuffed.endsWith("\r\n") ? stuffed : `${stuffed}\r\n`}.\r\n`;
}

/** Runs the stuffer over `chunks`; returns the whole output and checks outputBytes. */
function stuff(chunks: readonly Uint8Array[]): string {
  const s = new DotStuffer(options);
  const out: Buffer[] = chunks.map((c) => s.push(c));
  out.push(s.end());
  const all = Buffer.concat(out);
  assert.equal(s.outputBytes, all.length, "outputBytes counts every byte written");
  return all.toString("latin1");
}

/** Feeds `input` whole, byte by byte, and split in two at every index: all must agree. */
function stuffAllWays(input: string): string {
  const buf = bin(input);
  const whole = stuff([buf]);
  assert.equal(stuff([...buf].map((b) => Uint8Array.of(b))), whole, "byte by byte");
  for (let i = 0; i <= buf.length; i++) {
    assert.equal(stuff([buf.subarray(0, i), buf.subarray(i)]), whole, `split at ${i}`);
  }
  assert.equal(stuff([new Uint8Array(0), buf, new Uint8Array(0)]), whole, "with empty chunks");
  assert.equal(str(stuffMessage(buf)), whole, "stuffMessage");
  return whole;
}

/** Removes the end marker and one leading dot per line: the inverse of stuffing. */
function unstuff(output: string): string {
  assert.ok(output.endsWith("\r\n.\r\n") || output === "\r\n.\r\n", "ends with the end marker");
  const body = output.slice(0, -3); // drop ".\r\n"; body ends with CRLF
  const lines = body.split("\r\n");
  assert.equal(lines.pop(), "", "body ends with CRLF");
  return lines.map((l) => (l.startsWith(".") ? l.slice(1) : l)).join("\r\n") + "\r\n";
}

function assertWellFormed(output: string): void {
  for (let i = 0; i < output.length; i++) {
    if (output[i] === "\r") assert.equal(output[i + 1], "\n", `lone CR at ${i}`);
    if (output[i] === "\n") assert.equal(output[i - 1], "\r", `lone LF at ${i}`);
  }
  const lines = output.slice(0, -5).split("\r\n");
  if (output.length > 5) assert.ok(!lines.includes("."), "no line is exactly '.' before the end marker");
  assert.ok(output.endsWith("\r\n.\r\n"));
}

for (const impl of IMPLEMENTATIONS) {
describe(`DotStuffer (${impl.name})`, () => {
  before(() => {
    options = impl.options;
  });

  describe("DotStuffer: cases (whole, byte by byte, every split)", () => {
    const table: Array<[string, string, string]> = [
      ["empty message -> CRLF . CRLF (Python's)", "", "\r\n.\r\n"],
      ["no final CRLF gets one", "abc", "abc\r\n.\r\n"],
      ["final CRLF is not doubled", "abc\r\n", "abc\r\n.\r\n"],
      ["lone LF", "a\nb", "a\r\nb\r\n.\r\n"],
      ["lone CR", "a\rb", "a\r\nb\r\n.\r\n"],
      ["CRLF kept", "a\r\nb\r\n", "a\r\nb\r\n.\r\n"],
      ["CR CR LF: a lone CR, then CRLF", "a\r\r\nb", "a\r\n\r\nb\r\n.\r\n"],
      ["LF CR: two line ends", "a\n\rb", "a\r\n\r\nb\r\n.\r\n"],
      ["only CRLF", "\r\n", "\r\n.\r\n"],
      ["only LF", "\n", "\r\n.\r\n"],
      ["only CR", "\r", "\r\n.\r\n"],
      ["CR CR", "\r\r", "\r\n\r\n.\r\n"],
      ["blank lines kept", "a\r\n\r\n\r\nb", "a\r\n\r\n\r\nb\r\n.\r\n"],
      ["a lone dot", ".", "..\r\n.\r\n"],
      ["a dot line", ".\r\n", "..\r\n.\r\n"],
      ["leading dots doubled once", "..x\r\n...\r\n", "...x\r\n....\r\n.\r\n"],
      ["dots not at a line start are kept", "a.b\r\n a.\r\n", "a.b\r\n a.\r\n.\r\n"],
      ["end-of-data smuggled in the body", "a\r\n.\r\nMAIL FROM:<evil@x>\r\n", "a\r\n..\r\nMAIL FROM:<evil@x>\r\n.\r\n"],
      // SMTP smuggling shapes: a "." after a bare LF or bare CR.
      ["smuggling \\n.\\n", "a\n.\nb", "a\r\n..\r\nb\r\n.\r\n"],
      ["smuggling \\r.\\r", "a\r.\rb", "a\r\n..\r\nb\r\n.\r\n"],
      ["smuggling \\n.\\r\\n", "a\n.\r\nb", "a\r\n..\r\nb\r\n.\r\n"],
      ["smuggling \\r\\n.\\n", "a\r\n.\nb", "a\r\n..\r\nb\r\n.\r\n"],
      ["smuggling \\r.\\r\\n", "a\r.\r\nb", "a\r\n..\r\nb\r\n.\r\n"],
      ["smuggling \\r\\n.\\r", "a\r\n.\rb", "a\r\n..\r\nb\r\n.\r\n"],
      ["smuggling at the start", "\n.\n", "\r\n..\r\n.\r\n"],
      ["Python's testQuoteData", "abc\n.jkl\rfoo\r\n..blue", "abc\r\n..jkl\r\nfoo\r\n...blue\r\n.\r\n"],
      ["8-bit and NUL bytes pass", "\u00ff\u0000\u0080.\r\n\u00e9", "\u00ff\u0000\u0080.\r\n\u00e9\r\n.\r\n"],
    ];
    for (const [name, input, expected] of table) {
      it(name, () => {
        const out = stuffAllWays(input);
        assert.equal(out, expected);
        assert.equal(out, reference(input), "agrees with the reference");
        assertWellFormed(out);
      });
    }

    it("CR at the end of one chunk and LF at the start of the next is one CRLF", () => {
      assert.equal(stuff([bin("a\r"), bin("\nb")]), "a\r\nb\r\n.\r\n");
      assert.equal(stuff([bin("a\r"), bin("\n"), bin("\n")]), "a\r\n\r\n.\r\n");
      assert.equal(stuff([bin("a\r"), bin(""), bin("\nb")]), "a\r\nb\r\n.\r\n");
    });

    it("'.' at the start of a chunk after a line end is doubled", () => {
      assert.equal(stuff([bin("a\r\n"), bin(".b")]), "a\r\n..b\r\n.\r\n");
      assert.equal(stuff([bin("a\n"), bin(".b")]), "a\r\n..b\r\n.\r\n");
      assert.equal(stuff([bin("a\r"), bin(".b")]), "a\r\n..b\r\n.\r\n");
      assert.equal(stuff([bin("a\r"), bin("\n.b")]), "a\r\n..b\r\n.\r\n");
      assert.equal(stuff([bin("."), bin(".")]), "...\r\n.\r\n");
      assert.equal(stuff([bin("x"), bin(".")]), "x.\r\n.\r\n");
    });

    it("a message ending in a bare CR or LF gets no extra CRLF", () => {
      assert.equal(stuff([bin("a\r")]), "a\r\n.\r\n");
      assert.equal(stuff([bin("a\n")]), "a\r\n.\r\n");
    });

    it("only empty chunks is an empty message", () => {
      assert.equal(stuff([new Uint8Array(0), new Uint8Array(0)]), "\r\n.\r\n");
    });
  });

  describe("DotStuffer: no copies for unchanged input", () => {
    it("returns the very same Buffer when nothing changes", () => {
      const s = new DotStuffer(options);
      const chunk = bin("Subject: x\r\n\r\nbody line\r\nmore");
      assert.equal(s.push(chunk), chunk);
      const next = bin(" text\r\n");
      assert.equal(s.push(next), next);
      assert.equal(str(s.end()), ".\r\n");
    });

    it("a plain Uint8Array comes back as a Buffer over the same memory", () => {
      const backing = new Uint8Array(bin("xxhello\r\nyy"));
      const view = backing.subarray(2, 9);
      const out = new DotStuffer(options).push(view);
      assert.ok(Buffer.isBuffer(out));
      assert.equal(out.buffer, backing.buffer);
      assert.equal(out.byteOffset, 2);
      assert.equal(str(out), "hello\r\n");
      assert.equal(asBuffer(view).buffer, backing.buffer);
    });

    it("after a CR that ended the previous chunk, the LF is skipped without a copy", () => {
      const s = new DotStuffer(options);
      assert.equal(str(s.push(bin("a\r"))), "a\r\n");
      const next = bin("\nrest\r\n");
      const out = s.push(next);
      assert.equal(str(out), "rest\r\n");
      assert.equal(out.buffer, next.buffer);
      assert.equal(out.byteOffset, next.byteOffset + 1);
    });

    it("an empty chunk is returned as is", () => {
      const empty = Buffer.alloc(0);
      assert.equal(new DotStuffer(options).push(empty), empty);
    });
  });

  describe("stuffMessage / normalizeLineEndings", () => {
    it("stuffMessage is push + end", () => {
      assert.equal(str(stuffMessage(bin("a\n.b"))), "a\r\n..b\r\n.\r\n");
      assert.equal(str(stuffMessage(new Uint8Array(0))), "\r\n.\r\n");
    });

    it("normalizeLineEndings turns every lone CR or LF into CRLF and nothing else", () => {
      assert.equal(normalizeLineEndings("a\rb\nc\r\nd"), "a\r\nb\r\nc\r\nd");
      assert.equal(normalizeLineEndings("\r\r\n\n\r"), "\r\n\r\n\r\n\r\n");
      assert.equal(normalizeLineEndings(".a\n.b"), ".a\r\n.b");
      assert.equal(normalizeLineEndings(""), "");
      const clean = "a\r\nb\r\n";
      assert.equal(normalizeLineEndings(clean), clean);
    });
  });

  // ---------------------------------------------------------------------------
  // Properties
  // ---------------------------------------------------------------------------

  /** Byte strings rich in the characters that matter. */
  const messageArb = fc.oneof(
    fc.array(fc.constantFrom("a", "b", ".", "..", "\r", "\n", "\r\n", " ", "\u00e9", "\0"), { maxLength: 40 }).map((p) => p.join("")),
    fc.uint8Array({ maxLength: 60 }).map((b) => str(b)),
    // Runs of plain text between the bytes that matter: 16-byte blocks, and CR, LF or "."
    // at every offset in a block (the kernel's fast path).
    fc.array(fc.oneof(
      fc.constantFrom(".", "\r", "\n", "\r\n", "\r\n.", "\n.", "\r."),
      fc.nat({ max: 40 }).map((n) => "x".repeat(n)),
    ), { maxLength: 30 }).map((p) => p.join("")),
  );

  function chunksOf(input: string, cuts: number[]): Buffer[] {
    const buf = bin(input);
    const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
    const chunks: Buffer[] = [];
    let prev = 0;
    for (const p of points) { chunks.push(buf.subarray(prev, p)); prev = p; }
    chunks.push(buf.subarray(prev));
    return chunks;
  }

  describe("DotStuffer: properties", () => {
    it("output equals the reference implementation for any chunking", () => {
      fc.assert(fc.property(messageArb, fc.array(fc.nat(), { maxLength: 10 }), (input, cuts) => {
        assert.equal(stuff(chunksOf(input, cuts)), reference(input));
      }), { numRuns: 2000 });
    });

    it("whole, byte by byte and every split give identical output", () => {
      fc.assert(fc.property(messageArb, (input) => {
        stuffAllWays(input);
      }), { numRuns: 300 });
    });

    it("no lone CR or LF, no line that is exactly '.' before the end marker", () => {
      fc.assert(fc.property(messageArb, fc.array(fc.nat(), { maxLength: 10 }), (input, cuts) => {
        assertWellFormed(stuff(chunksOf(input, cuts)));
      }), { numRuns: 2000 });
    });

    it("un-stuffing gives back the input with line ends normalised (and a final CRLF)", () => {
      fc.assert(fc.property(messageArb, fc.array(fc.nat(), { maxLength: 10 }), (input, cuts) => {
        const normalised = input.replace(/\r\n|\n|\r/g, "\r\n");
        const expected = normalised.endsWith("\r\n") ? normalised : `${normalised}\r\n`;
        assert.equal(unstuff(stuff(chunksOf(input, cuts))), expected);
      }), { numRuns: 2000 });
    });

    it("input already in wire form (CRLF, no leading dots) passes through uncopied", () => {
      const line = fc.stringMatching(/^[ -\-/-~\u00a0-\u00ff][ -~\u00a0-\u00ff]{0,20}$/); // bytes; no CR, LF or leading "."
      fc.assert(fc.property(fc.array(line, { minLength: 1, maxLength: 6 }), (lines) => {
        const chunk = bin(lines.map((l) => `${l}\r\n`).join(""));
        assert.equal(new DotStuffer(options).push(chunk), chunk);
      }));
    });
  });

  it("input larger than the kernel's window (256 KiB): bytes that matter at the window edges", () => {
    const WINDOW = 256 * 1024;
    const parts: string[] = [];
    for (let w = 1; w <= 2; w++) {
      const edge = w * WINDOW;
      parts.push("y".repeat(edge - parts.join("").length - 3), "\r\n.", "\r", "\n.", "x\r", ".");
    }
    parts.push("z".repeat(1000), "\n");
    const input = parts.join("");
    assert.ok(input.length > 2 * WINDOW);
    const buf = bin(input);
    assert.equal(stuff([buf]), reference(input), "whole");
    for (const cut of [WINDOW - 1, WINDOW, WINDOW + 1, 2 * WINDOW]) {
      assert.equal(stuff([buf.subarray(0, cut), buf.subarray(cut)]), reference(input), `split at ${cut}`);
    }
    const plain = bin(`${"w".repeat(78)}\r\n`.repeat(8000)); // 640,000 bytes, nothing to change
    assert.equal(new DotStuffer(options).push(plain), plain, "unchanged: the same Buffer");
  });
});
}

describe("DotStuffer kernel", () => {
  it("loads on this runtime (Node.js has WebAssembly with SIMD)", () => {
    assert.notEqual(loadKernel(), null);
  });

  it("without WebAssembly (node --jitless) the portable scan takes over, with the same bytes", () => {
    const dir = new URL("../../src/protocol/", import.meta.url).href;
    const code = `
      const { loadKernel } = await import(${JSON.stringify(`${dir}dot-stuff-wasm.js`)});
      const { stuffMessage } = await import(${JSON.stringify(`${dir}dot-stuff.js`)});
      process.stdout.write(JSON.stringify([typeof WebAssembly, loadKernel(), stuffMessage(Buffer.from(".a\\nb\\r.")).toString("latin1")]));`;
    const run = spawnSync(process.execPath, ["--jitless", "--input-type=module", "-e", code], { encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), ["undefined", null, "..a\r\nb\r\n..\r\n.\r\n"]);
  });

  it("the committed kernel bytes are dot-stuff.wat compiled (npm run build:wasm)", async () => {
    const script = new URL("../../../scripts/build-wasm.mjs", import.meta.url);
    const { compileKernel } = (await import(script.href)) as { compileKernel(): Promise<Buffer> };
    const { KERNEL_BASE64 } = await import("../../src/protocol/dot-stuff-kernel.js");
    assert.equal((await compileKernel()).toString("base64"), KERNEL_BASE64);
  });
});

describe("normalizedLength", () => {
  it("is the length of the bytes with every lone CR and LF made CRLF (property, CR/LF-heavy bytes)", () => {
    const bytes = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a.map((b) => [0x0d, 0x0a, 0x2e, 0x61][b % 4]!)));
    fc.assert(fc.property(bytes, (b) => normalizedLength(b) === normalizeLineEndingBytes(b).length), { numRuns: 2000 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => normalizedLength(b) === normalizeLineEndingBytes(b).length));
  });

  it("counts the edges: empty, a lone CR or LF at either end, CRLF split by nothing", () => {
    for (const [text, n] of [["", 0], ["\r", 2], ["\n", 2], ["\r\n", 2], ["\n\r", 4], ["a\r", 3], ["\ra", 3], ["a\r\nb\nc\rd", 10]] as const) {
      assert.equal(normalizedLength(Buffer.from(text, "latin1")), n, JSON.stringify(text));
    }
  });
});

describe("endsInCrlf / bdatParts (a BDAT text body's last line)", () => {
  it("only a final CRLF counts; the CRLF is added otherwise, an empty body (no line) staying empty", () => {
    const cases: Array<[string, boolean]> = [["", false], ["\r\n", true], ["a\r\n", true], ["a", false], ["\n", false], ["a\n", false], ["a\r", false], ["\r", false], ["\n\r", false]];
    for (const [text, ends] of cases) {
      const data = Buffer.from(text, "latin1");
      assert.equal(endsInCrlf(data), ends, JSON.stringify(text));
      const parts = bdatParts({ bytes: data, text: true });
      assert.equal(parts[0], data, "the body itself, never a copy");
      const ended = ends || text === "";
      assert.equal(Buffer.concat(parts).toString("latin1"), ended ? text : `${text}\r\n`, JSON.stringify(text));
      assert.equal(bdatLength({ bytes: data, text: true }), ended ? data.length : data.length + 2, JSON.stringify(text));
      assert.deepEqual(bdatParts({ bytes: data }), [data], "bytes go as given");
    }
  });
});
