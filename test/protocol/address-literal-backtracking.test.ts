// The blanks just inside a domain literal's brackets (`a@[ 1.2.3.4\t]`) were trimmed with
// /^[ \t]+|[ \t]+$/g, whose second branch is tried at every blank of a run inside the
// literal and backtracks through the rest of the run: quadratic in it (an address is capped
// at 1,000 characters, so about half a million steps per literal, in every address of a
// header). Measured without a clock (see ../helpers/backtrack-watch.ts): a child process
// parses hostile literals with V8 told to report any regular expression that backtracks
// more than 100 times in one attempt, and must report none.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FELL_BACK, underBacktrackWatch } from "../helpers/backtrack-watch.js";

const ADDRESS_MODULE = new URL("../../src/protocol/address.js", import.meta.url).href;

/** 980 blanks: with the rest, the longest literal an address can hold. */
const SCRIPT = `
const { quoteaddr, parseAddressList } = await import(${JSON.stringify(ADDRESS_MODULE)});
const run = " \\t".repeat(490);
const out = [];
for (const addr of ["a@[1" + run + "2]", "a@[" + run + "1.2.3.4]", "a@[1.2.3.4" + run + "]", "a@[" + run.slice(0, 900) + "1.2.3.4" + run.slice(0, 60) + "]"]) {
  try { out.push(quoteaddr(addr)); } catch (e) { out.push(e.name); }
}
out.push(parseAddressList("a@[" + run + "10.0.0.1 ], b@[ 10.0.0.2" + run.slice(0, 40) + "]").join(" "));
console.log(JSON.stringify(out));
`;

test("a domain literal with a long run of blanks: no regular expression backtracks more than 100 times (regression: quadratic trim), same addresses", () => {
  const child = underBacktrackWatch(["--input-type=module", "-e", SCRIPT], 100);
  assert.doesNotMatch(`${child.stdout}${child.stderr}`, FELL_BACK, "a regular expression backtracked past the limit");
  // blanks inside the literal make it one RFC 5321 cannot carry; just inside the brackets they go
  assert.deepEqual(JSON.parse(child.stdout), ["TypeError", "<a@[1.2.3.4]>", "<a@[1.2.3.4]>", "<a@[1.2.3.4]>", "a@[10.0.0.1] b@[10.0.0.2]"]);
});

test("the probe works at this limit: the old trim on such a literal is reported", () => {
  const child = underBacktrackWatch(["-e", `"1${" \\t".repeat(490)}2".replace(/^[ \\t]+|[ \\t]+$/g, "")`], 100);
  assert.match(`${child.stdout}${child.stderr}`, FELL_BACK);
});
