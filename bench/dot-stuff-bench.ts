/**
 * Micro-benchmark of the dot-stuffer alone (src/protocol/dot-stuff.ts), one round per
 * process. Input: 64 MiB of 80-byte CRLF lines, every second line starting with "."
 * (dot-heavy), fed in 64 KiB chunks; also a dot-free twin (the pass-through fast path).
 * For context it also times Nodemailer's DataStream on the dot-heavy input, and a plain
 * copy of each input chunk (`Buffer.from(chunk)`), the cost of one allocation and copy, and a
 * 30-line reference stuffer (indexOf + `Buffer.copy`), as a yardstick for this machine.
 *
 * Prints one JSON line: `{ ok, results: { name: GB/s (input bytes, 1e9) } }`, each the
 * median of `reps` timed passes after one warm-up pass.
 * @module
 */
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join } from "node:path";
import type { Transform } from "node:stream";
import { dotHeavyBlock } from "./messages.js";

interface Stuffer {
  push(chunk: Uint8Array): Uint8Array;
  end(): Uint8Array;
}
type StufferClass = new () => Stuffer;

const INPUT_BYTES = 64 * 1024 * 1024;
const CHUNK = 64 * 1024;

function chunksOf(b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += CHUNK) out.push(b.subarray(i, i + CHUNK));
  return out;
}

function input(dots: boolean): Buffer[] {
  const lines = INPUT_BYTES / 80;
  let b = dotHeavyBlock(lines);
  if (!dots) b = Buffer.from(b.toString("latin1").replace(/\n\./g, "\nL"), "latin1");
  return chunksOf(b);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function timeIt(reps: number, pass: () => number | Promise<number>): Promise<number> {
  await pass(); // warm-up
  const rates: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const out = await pass();
    const dt = (performance.now() - t0) / 1000;
    if (out < INPUT_BYTES) throw new Error(`output shorter than input (${out})`);
    rates.push(INPUT_BYTES / dt / 1e9);
  }
  return median(rates);
}

function stufferPass(Cls: StufferClass, chunks: Buffer[]): () => number {
  return () => {
    const s = new Cls();
    let n = 0;
    for (const c of chunks) n += s.push(c).length;
    return n + s.end().length;
  };
}

/**
 * Reference only (not the library's job description: it does not repair lone CR/LF): a
 * chunk stuffer that finds "\n." with indexOf and copies the runs between them into one
 * new buffer with `Buffer.copy`, creating no intermediate slices.
 */
class ReferenceStuffer implements Stuffer {
  #atLineStart = true;
  push(chunk: Uint8Array): Uint8Array {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const dots: number[] = this.#atLineStart && b[0] === 0x2e ? [0] : [];
    for (let i = b.indexOf(0x0a); i !== -1 && i + 1 < b.length; i = b.indexOf(0x0a, i + 1)) {
      if (b[i + 1] === 0x2e) dots.push(i + 1);
    }
    this.#atLineStart = b[b.length - 1] === 0x0a;
    if (dots.length === 0) return b;
    const out = Buffer.allocUnsafe(b.length + dots.length);
    let from = 0;
    let to = 0;
    for (const d of dots) {
      to += b.copy(out, to, from, d);
      out[to++] = 0x2e;
      from = d;
    }
    b.copy(out, to, from);
    return out;
  }
  end(): Uint8Array {
    return Buffer.from(this.#atLineStart ? ".\r\n" : "\r\n.\r\n", "latin1");
  }
}

function copyPass(chunks: Buffer[]): () => number {
  return () => {
    let n = 0;
    for (const c of chunks) n += Buffer.from(c).length;
    return n;
  };
}

async function loadDataStream(): Promise<(new () => Transform) | undefined> {
  try {
    const main = fileURLToPath(import.meta.resolve("nodemailer"));
    const file = join(dirname(main), "smtp-connection", "data-stream.js");
    if (!existsSync(file)) return undefined;
    const mod = (await import(pathToFileURL(file).href)) as { default: new () => Transform };
    return mod.default;
  } catch {
    return undefined;
  }
}

function dataStreamPass(DS: new () => Transform, chunks: Buffer[]): () => Promise<number> {
  return () =>
    new Promise((resolve, reject) => {
      const ds = new DS();
      let n = 0;
      ds.on("data", (c: Buffer) => (n += c.length));
      ds.on("end", () => resolve(n));
      ds.on("error", reject);
      for (const c of chunks) ds.write(c);
      ds.end();
    });
}

async function main(): Promise<void> {
  const reps = Number(process.argv[2] ?? "3");
  const dotHeavy = input(true);
  const plain = input(false);
  const results: Record<string, number> = {};
  const notes: string[] = [];
  const libDir = process.argv[3] ?? fileURLToPath(new URL("../src/", import.meta.url));
  const file = join(libDir, "protocol", "dot-stuff.js");
  if (existsSync(file)) {
    const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    const Cls = (mod["DotStuffer"] ?? Object.values(mod).find((v) => typeof v === "function" && typeof (v as { prototype?: Stuffer }).prototype?.push === "function")) as StufferClass | undefined;
    if (Cls) {
      results["smtplib DotStuffer, dot-heavy"] = await timeIt(reps, stufferPass(Cls, dotHeavy));
      results["smtplib DotStuffer, no dots"] = await timeIt(reps, stufferPass(Cls, plain));
    } else notes.push("build/src/protocol/dot-stuff.js exports no stuffer class with push()");
  } else notes.push("build/src/protocol/dot-stuff.js is missing");
  const DS = await loadDataStream();
  if (DS) results["nodemailer DataStream, dot-heavy"] = await timeIt(reps, dataStreamPass(DS, dotHeavy));
  results["reference: indexOf + Buffer.copy (no CR/LF repair), dot-heavy"] = await timeIt(reps, stufferPass(ReferenceStuffer, dotHeavy));
  results["Buffer.from copy of each chunk (reference)"] = await timeIt(reps, copyPass(dotHeavy));
  process.stdout.write(JSON.stringify({ ok: true, results, note: notes.join("; ") || undefined, maxRssKiB: process.resourceUsage().maxRSS }) + "\n");
}

await main();
