/**
 * Parity with CPython's smtplib when the server offers PIPELINING, which Python never uses:
 * each call's outcome (test/helpers/parity-pipelined.ts) and the commands sent as a set.
 * CHUNKING, and both: send-pipelined-chunking.test.ts, send-pipelined-both.test.ts.
 */

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { assertSameOutcomes, commandSet } from "../helpers/parity-assert.js";
import { ehlo, pipelinedParity, THREE } from "../helpers/parity-pipelined.js";
import { runOurs, runPython } from "../helpers/parity-send.js";

pipelinedParity(["PIPELINING"]);

describe("parity: PIPELINING sends the commands Python sends", () => {
  test("all accepted: the same commands", async () => {
    const plan = { ehlo: ehlo("PIPELINING") };
    const py = await runPython(plan, THREE);
    const ts = await runOurs(plan, THREE, false, true);
    assert.deepEqual(commandSet(ts.wire), commandSet(py.wire));
  });

  test("a refused recipient and a refused end of data: the same commands (no RSET after a pipelined end of data)", async () => {
    const plan = { ehlo: ehlo("PIPELINING"), replies: { RCPT: ["550 a"], ".": ["250 ok", "552 big"] } };
    const py = await runPython(plan, THREE);
    const ts = await runOurs(plan, THREE, false, true);
    assertSameOutcomes(py, ts);
    // Python resets after the refused "."; pipelined, the end of data ends the transaction.
    assert.deepEqual(commandSet(ts.wire), commandSet(py.wire).filter((c, i, all) => c !== "RSET" || all.indexOf(c) !== i));
  });
});
