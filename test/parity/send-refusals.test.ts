/**
 * Parity with CPython's smtplib: sendmail against every refusal pattern, lock-step (no
 * PIPELINING or CHUNKING): the same bytes (RSET where Python sends it), the same exception
 * class and fields, and the same state after (a NOOP and a QUIT probe it).
 */

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { assertParity, errorOf } from "../helpers/parity-assert.js";
import { normalizeWire, runBoth, type ParityCall } from "../helpers/parity-send.js";

const EHLO = "250-mx.test\n250-SIZE 100000\n250 8BITMIME";
const SEND: ParityCall = { op: "sendmail", from: "a@x.test", to: ["b@y.test", "c@y.test"], msg: { str: "hi\n" } };
/** The state after: Python's `please run connect() first` or a reply. */
const PROBE: ParityCall[] = [{ op: "noop" }, { op: "quit" }];

describe("parity: sendmail refusals (lock-step)", () => {
  const same: Record<string, Record<string, string[]>> = {
    "sender refused 550 (RSET, connection kept)": { MAIL: ["550 no sender"] },
    "sender refused 451": { MAIL: ["451 later"] },
    "sender answered 251 (not 250: refused, as Python)": { MAIL: ["251 odd"] },
    "sender refused 421 (closed, no RSET)": { MAIL: ["421 bye"] },
    "server closes after MAIL": { MAIL: ["<close>"] },
    "one recipient refused": { RCPT: ["550 no b"] },
    "one recipient refused with a multi-line enhanced reply": { RCPT: ["550-5.1.1 no\n550 5.1.1 such user"] },
    "a recipient answered 251 and one 252 (refused, as Python)": { RCPT: ["251 forwarded", "252 maybe"] },
    "every recipient refused (RSET)": { RCPT: ["550 no b", "551 no c"] },
    "421 to the first RCPT": { RCPT: ["421 bye"] },
    "421 to the second RCPT after the first was accepted": { RCPT: ["250 ok", "421 bye"] },
    "server closes after a RCPT": { RCPT: ["250 ok", "<close>"] },
    "server closes after DATA": { DATA: ["<close>"] },
    "552 after the dot (RSET)": { ".": ["552 too big"] },
    "451 after the dot": { ".": ["451 later"] },
    "251 after the dot (not 250: refused, as Python)": { ".": ["251 odd"] },
    "421 after the dot (closed, no RSET)": { ".": ["421 bye"] },
    "RSET after a refusal answered 500 (connection kept)": { MAIL: ["550 no"], RSET: ["500 huh"] },
    "server closes on the RSET after a refusal (error is the refusal)": { MAIL: ["550 no"], RSET: ["<close>"] },
  };
  for (const [name, replies] of Object.entries(same)) {
    test(name, async () => {
      await assertParity({ ehlo: EHLO, replies }, [SEND, ...PROBE]);
    });
  }

  test("a refused sendmail, then one that goes: both as Python", async () => {
    await assertParity({ ehlo: EHLO, replies: { MAIL: ["550 no"] } }, [SEND, SEND, ...PROBE]);
  });

  test("a refused RCPT, then a 421 on the next call's RCPT, then nothing", async () => {
    await assertParity({ ehlo: EHLO, replies: { RCPT: ["550 no", "250 ok", "421 bye"] } }, [SEND, SEND, ...PROBE]);
  });

  test("421 to a RCPT after another was accepted: the map holds the 421 alone (as Python's), and the message does not say every recipient was refused", async () => {
    const { py, ts } = await runBoth({ ehlo: EHLO, replies: { RCPT: ["250 ok", "421 bye"] } }, [SEND]);
    assert.deepEqual(errorOf(ts.outcomes[0]).recipients, errorOf(py.outcomes[0]).recipients);
    assert.doesNotMatch(errorOf(ts.outcomes[0]).text, /All recipients were refused/);
    assert.match(errorOf(ts.outcomes[0]).text, /nobody got the message.*421.*c@y\.test: 421 bye/i);
  });

  // Documented differences (API.md "Python behaviours we fix").
  test("DATA refused: we RSET after it (Python sends none); same error", async () => {
    for (const code of ["554", "451"]) {
      const { py, ts } = await runBoth({ ehlo: EHLO, replies: { DATA: [`${code} no data`] } }, [SEND, ...PROBE]);
      assert.equal(normalizeWire(ts.wire), normalizeWire(py.wire).replace("DATA\r\n", "DATA\r\nRSET\r\n"));
      assert.deepEqual(errorOf(ts.outcomes[0]).code, Number(code));
      assert.equal(errorOf(ts.outcomes[0]).cls, errorOf(py.outcomes[0]).cls);
    }
  });

  test("421 to DATA: we close (Python keeps the connection); same error", async () => {
    const { py, ts } = await runBoth({ ehlo: EHLO, replies: { DATA: ["421 bye"] } }, [SEND, ...PROBE]);
    assert.deepEqual({ ...errorOf(ts.outcomes[0]), text: "" }, { ...errorOf(py.outcomes[0]), text: "" });
    assert.equal(errorOf(ts.outcomes[1]).cls, "SMTPServerDisconnected");
    assert.ok(normalizeWire(ts.wire).endsWith("DATA\r\n"), ts.wire);
  });

  test("the connection lost after the dot: SMTPServerDisconnected that says the message may have gone", async () => {
    const { py, ts } = await runBoth({ ehlo: EHLO, replies: { ".": ["<close>"] } }, [SEND, ...PROBE]);
    assert.equal(normalizeWire(ts.wire), normalizeWire(py.wire));
    assert.equal(errorOf(py.outcomes[0]).cls, "SMTPServerDisconnected");
    assert.equal(errorOf(ts.outcomes[0]).cls, "SMTPServerDisconnected");
    assert.match(errorOf(ts.outcomes[0]).text, /may have been delivered/);
  });
});
