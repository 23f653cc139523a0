/**
 * Micro-benchmark of reading address headers (`parseAddressList`, as `sendMessage` reads
 * To/Cc/Bcc): realistic 23-40 KB headers, and ~40 KB ones of absurd shape that the full
 * RFC 5322 parser took up to seconds on. Not part of `npm run bench`; run it by hand after
 * `npx tsc -p tsconfig.json`:
 *
 *     node build/bench/address-list-bench.js [runs] [path/to/protocol/address.js]
 *
 * The second argument times another build (say, an older commit's) on the same shapes.
 * Prints a Markdown table: each shape's size, the median time of `runs` (default 7), and
 * the outcome (how many addresses, or the TypeError).
 * @module
 */
import { pathToFileURL } from "node:url";

type ParseList = (value: string) => string[];

const fill = (unit: string, n: number): string => unit.repeat(Math.floor(n / unit.length));
/** `element` repeated, joined by ", ", to about `total` characters. */
function list(element: string, total = 40000): string {
  return Array<string>(Math.ceil(total / (element.length + 2))).fill(element).join(", ");
}

const specs = Array.from({ length: 1000 }, (_, i) => `user${i}@example${i % 7}.test`);
const SHAPES: Record<string, string> = {
  "1,000 plain addresses": specs.join(", "),
  "1,000 \"Name\" <addr>": specs.map((s, i) => `"Doe, John ${i}" <${s}>`).join(", "),
  "a group of 3,600 members": `team: ${list("u1@x.test")};`,
  "a run of comments": `${fill("(c)", 40000)} a@x.test`,
  "nested comments": `a@x.test ${"(".repeat(20000)}${")".repeat(20000)}`,
  "a phrase of quoted strings": `${fill('"q" ', 40000)}<a@x.test>`,
  "a dotted phrase": `${fill("a.", 40000)}b <a@x.test>`,
  "a quoted local part": `"${fill("a ", 40000)}"@x.test`,
  "an unterminated quote": `"${fill("a ", 40000)}`,
  "an unterminated comment": `a@x.test (${fill("c ", 40000)}`,
  "a phrase, no address": fill("word ", 40000),
  "blanks": `${" ".repeat(40000)}a@x.test`,
  "an obsolete route": `<${fill("@a.test,", 40000)}:a@x.test>`,
  "1,800 obsolete-route addresses": list("x <@r.test:a@x.test>"),
  "6,700 bare local parts with CFWS": list("a .b"),
  "40 x 990-char CFWS local parts": list(`${fill("a (c) . ", 972)}a@x.test`),
  "40 x 990-char nested comments": list(`a@x.test ${fill("((c))", 980)}`),
};

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 7);
  const path = process.argv[3] ?? new URL("../src/protocol/address.js", import.meta.url).pathname;
  const { parseAddressList } = (await import(pathToFileURL(path).href)) as { parseAddressList: ParseList };
  console.log("| shape | characters | median ms | outcome |\n| --- | --- | --- | --- |");
  for (const [name, value] of Object.entries(SHAPES)) {
    const times: number[] = [];
    let outcome = "";
    for (let k = 0; k < runs; k++) {
      const t0 = process.hrtime.bigint();
      try {
        outcome = `${parseAddressList(value).length} addresses`;
      } catch (e) {
        outcome = e instanceof Error ? `${e.name}: ${e.message.slice(0, 40)}...` : String(e);
      }
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    times.sort((a, b) => a - b);
    console.log(`| ${name} | ${value.length} | ${times[times.length >> 1].toFixed(1)} | ${outcome} |`);
  }
}

await main();
