/**
 * Parity with CPython's smtplib when the server offers PIPELINING and/or CHUNKING, which
 * Python never uses: the commands may go in groups (and BDAT instead of DATA), so what is
 * compared is each call's outcome (Python's sequential run against ours, calls made one
 * after the other or all at once). One file per set of extensions (send-pipelined*.test.ts):
 * the three sets in one file, 78 runs of Python, took over the runner's 180 s per file on a
 * loaded machine, and the file was killed.
 */

import { describe, test } from "node:test";
import { assertSameOutcomes } from "./parity-assert.js";
import { runOurs, runPython, type ParityCall, type ParityPlan } from "./parity-send.js";

/** An EHLO reply offering `extensions` besides SIZE, 8BITMIME and SMTPUTF8. */
export function ehlo(...extensions: string[]): string {
  return ["250-mx.test", "250-SIZE 100000", "250-8BITMIME", ...extensions.map((x) => `250-${x}`), "250 SMTPUTF8"].join("\n");
}

function send(i: number): ParityCall {
  return { op: "sendmail", from: `a${i}@x.test`, to: [`b${i}@y.test`, `c${i}@y.test`], msg: { str: `hi ${i}\n` } };
}

/** Three sendmail calls, a NOOP and a QUIT. */
export const THREE: ParityCall[] = [send(1), send(2), send(3), { op: "noop" }, { op: "quit" }];

/** Refusals at each step of the second of three transactions (or the first). `.` is the end of data: BDAT LAST with CHUNKING. */
const REFUSALS: Record<string, Record<string, string[]>> = {
  "all accepted": {},
  "first sender refused": { MAIL: ["550 no"] },
  "second sender refused": { MAIL: ["250 ok", "550 no"] },
  "second sender refused with 421": { MAIL: ["250 ok", "421 bye"] },
  "first call's recipients all refused": { RCPT: ["550 a", "550 b"] },
  "second call's recipients all refused": { RCPT: ["250 a", "250 b", "550 a", "551 b"] },
  "second call's first recipient refused": { RCPT: ["250 a", "250 b", "550 a", "250 b"] },
  "421 to the second call's RCPT": { RCPT: ["250 a", "250 b", "421 bye"] },
  "first end of data refused": { ".": ["552 big"] },
  "second end of data refused 451": { ".": ["250 ok", "451 later"] },
  "421 to the first end of data": { ".": ["421 bye"] },
  "server closes at the first end of data": { ".": ["<close>"] },
  "first sender refused, RSET refused": { MAIL: ["550 no"], RSET: ["500 no"] },
};

/** The plan for our run: with CHUNKING, the end of data is BDAT's reply. */
function ours(plan: ParityPlan, chunking: boolean): ParityPlan {
  if (!chunking || plan.replies?.["."] === undefined) return plan;
  const { ".": last, ...rest } = plan.replies;
  return { ...plan, replies: { ...rest, BDAT: last } };
}

/** The parity tests of three calls, each refusal, to a server offering `extensions`. */
export function pipelinedParity(extensions: string[]): void {
  const chunking = extensions.includes("CHUNKING");
  describe(`parity: three sendmail calls, server with ${extensions.join(" and ")}`, () => {
    for (const [name, replies] of Object.entries(REFUSALS)) {
      for (const concurrent of [false, true]) {
        test(`${name}, calls ${concurrent ? "all at once" : "one after the other"}: same outcomes`, async () => {
          const plan = { ehlo: ehlo(...extensions), replies };
          const py = await runPython(plan, THREE);
          const ts = await runOurs(ours(plan, chunking), THREE, false, concurrent);
          assertSameOutcomes(py, ts);
        });
      }
    }
  });
}
