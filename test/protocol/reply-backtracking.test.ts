// A reply whose text holds a long run of blanks and starts or ends with a blank was
// stripped with /^[ \t\r\n]+|[ \t\r\n]+$/g, whose second branch is tried at every blank and
// backtracks through the run it starts: quadratic in the run (8,000 blanks: 180 ms; a
// 64 KiB reply of such lines: a second of blocked event loop, per reply; far worse with a
// raised maxLineLength). Measured here without a clock: V8 can hand a regular expression
// that backtracks more than N times to its linear engine and say so
// (--regexp-backtracks-before-fallback, --trace-experimental-regexp-engine), so a child
// process parses hostile replies with a small N, and must print no such line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { underBacktrackWatch } from "../helpers/backtrack-watch.js";

const REPLY_MODULE = new URL("../../src/protocol/reply.js", import.meta.url).href;
const EHLO_MODULE = new URL("../../src/protocol/ehlo.js", import.meta.url).href;

const SCRIPT = `
const { ReplyParser } = await import(${JSON.stringify(REPLY_MODULE)});
const { parseEhlo } = await import(${JSON.stringify(EHLO_MODULE)});
const run = " ".repeat(8000);
const wires = [
  "250  a" + run + "b\\r\\n",
  "250 a" + run + "b \\r\\n",
  "250-\\t" + "\\t \\r".repeat(2600) + "x\\r\\n250 y" + run + "z\\t\\r\\n",
  "250-mx\\r\\n250-SIZE " + run + "1 \\r\\n250 AUTH " + run + "PLAIN\\t\\r\\n",
];
for (const wire of wires) {
  const [reply] = new ReplyParser().push(Buffer.from(wire, "latin1"));
  if (reply === undefined) throw new Error("no reply");
  parseEhlo(reply.message);
}
console.log("parsed");
`;

test("hostile blank runs in reply text: no regular expression backtracks more than 1,000 times (regression: quadratic strip)", () => {
  const child = underBacktrackWatch(["--input-type=module", "-e", SCRIPT]);
  assert.match(child.stdout, /parsed/);
  assert.doesNotMatch(`${child.stdout}${child.stderr}`, /Experimental execution/, "a regular expression backtracked past the limit");
});

test("the probe works: a stripping regular expression like the old one is reported", () => {
  const child = underBacktrackWatch(["-e", `"  a${" ".repeat(8000)}b".replace(/^[ \\t\\r\\n]+|[ \\t\\r\\n]+$/g, "")`]);
  assert.match(`${child.stdout}${child.stderr}`, /Experimental execution/);
});
