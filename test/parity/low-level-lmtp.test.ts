/**
 * Parity with CPython's smtplib for the low-level mail(), rcpt() and data(), and for the
 * LMTP class with one recipient (Python reads one reply after the data whatever the
 * number of recipients: API.md fixes that, tested below as a difference).
 */

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { assertParity, errorOf } from "../helpers/parity-assert.js";
import { bytesBody, normalizeWire, runBoth, type ParityCall } from "../helpers/parity-send.js";

const EHLO = "250-mx.test\n250-SIZE 100000\n250-8BITMIME\n250 SMTPUTF8";
const LHLO = "250-lmtp.test\n250 ENHANCEDSTATUSCODES";
const NOOP: ParityCall = { op: "noop" };
const QUIT: ParityCall = { op: "quit" };

const mail = (sender = "a@x.test", options?: string[]): ParityCall => ({ op: "mail", sender, options });
const rcpt = (recip = "b@y.test", options?: string[]): ParityCall => ({ op: "rcpt", recip, options });
const data = (msg: ParityCall["msg"] = { str: "hi\n" }): ParityCall => ({ op: "data", msg });
const sendmail = (to: string[]): ParityCall => ({ op: "sendmail", from: "a@x.test", to, msg: { str: "hi\n" } });

describe("parity: mail(), rcpt(), data()", () => {
  const same: Record<string, [ParityCall[], Record<string, string[]>]> = {
    "a whole transaction before any EHLO (no options sent)": [[mail(), rcpt(), data(), QUIT], {}],
    "options after EHLO, upper and lower case": [[{ op: "ehlo" }, mail("a@x.test", ["body=8bitmime"]), rcpt("b@y.test", ["NOTIFY=NEVER"]), data(), QUIT], {}],
    "a refused MAIL and RCPT are returned, not thrown": [[NOOP, mail(), rcpt(), data(), QUIT], { MAIL: ["550 no"], RCPT: ["550 no"] }],
    "a refused end of data is returned": [[NOOP, mail(), rcpt(), data(), NOOP, QUIT], { ".": ["552 no"] }],
    "354 to MAIL is returned, the connection stays": [[NOOP, mail(), NOOP, QUIT], { MAIL: ["354 huh"] }],
    "bytes and an empty message": [[mail(), rcpt(), data(bytesBody("a\r\n.b\r\nc")), mail(), rcpt(), data({ str: "" }), QUIT], {}],
    "SMTPUTF8 transaction, then ASCII again after RSET": [[{ op: "ehlo" }, mail("a@x.test", ["SMTPUTF8"]), rcpt("bé@y.test"), data(), mail(), { op: "rset" }, mail(), rcpt(), QUIT], {}],
    "raw MAIL and RCPT with docmd, then data()": [[{ op: "docmd", cmd: "MAIL", args: "FROM:<a@x.test>" }, { op: "docmd", cmd: "RCPT", args: "TO:<b@y.test>" }, data(), QUIT], {}],
    "mail() left open, then sendmail: its MAIL refused as nested": [[NOOP, mail(), sendmail(["b@y.test"]), NOOP, QUIT], { MAIL: ["250 ok", "503 nested MAIL"] }],
  };
  for (const [name, [calls, replies]] of Object.entries(same)) {
    test(name, async () => {
      await assertParity({ ehlo: EHLO, replies }, calls);
    });
  }

  test("data() refused: SMTPDataError as Python, then RSET (API.md: every refusal of DATA)", async () => {
    const calls = [NOOP, mail(), rcpt(), data(), NOOP, QUIT];
    const { py, ts } = await runBoth({ ehlo: EHLO, replies: { DATA: ["554 no"] } }, calls);
    assert.deepEqual({ ...errorOf(ts.outcomes[3]), text: "" }, { ...errorOf(py.outcomes[3]), text: "" });
    assert.equal(normalizeWire(ts.wire), normalizeWire(py.wire).replace("DATA\r\n", "DATA\r\nRSET\r\n"));
  });

  test("421 to MAIL, RCPT or the end of data is returned as Python returns it, and closes the connection", async () => {
    for (const [verb, at] of [["MAIL", 0], ["RCPT", 1], [".", 2]] as const) {
      const calls = [mail(), rcpt(), data(), NOOP];
      const { py, ts } = await runBoth({ ehlo: EHLO, replies: { [verb]: ["421 bye"] } }, calls);
      assert.deepEqual(ts.outcomes.slice(0, at + 1), py.outcomes.slice(0, at + 1));
      assert.equal(errorOf(ts.outcomes.at(-1)).cls, "SMTPServerDisconnected");
    }
  });

  test("a non-ASCII recipient outside an SMTPUTF8 transaction: nothing sent (Python fails to encode it)", async () => {
    const { py, ts } = await runBoth({ ehlo: EHLO }, [{ op: "ehlo" }, mail(), rcpt("bé@y.test"), QUIT]);
    assert.equal(errorOf(py.outcomes[2]).cls, "UnicodeEncodeError");
    assert.equal(errorOf(ts.outcomes[2]).cls, "SMTPNotSupportedError");
    assert.equal(normalizeWire(ts.wire), normalizeWire(py.wire));
  });
});

describe("parity: LMTP with one recipient", () => {
  const same: Record<string, Record<string, string[]>> = {
    "delivered": {},
    "sender refused": { MAIL: ["550 no"] },
    "recipient refused at RCPT": { RCPT: ["550 no"] },
    "one of two recipients refused at RCPT": { RCPT: ["550 no", "250 ok"] },
    "421 to the second RCPT": { RCPT: ["250 ok", "421 bye"] },
    "connection closed after the dot": { ".": ["<close>"] },
  };
  for (const [name, replies] of Object.entries(same)) {
    test(name, async () => {
      const to = (replies.RCPT?.length ?? 0) > 1 ? ["b@y.test", "c@y.test"] : ["b@y.test"];
      await assertParity({ ehlo: LHLO, replies }, [sendmail(to), NOOP, QUIT], true);
    });
  }

  test("low-level: the reply after the data is the recipient's", async () => {
    for (const last of ["250 2.1.5 b ok", "552 5.2.2 b full"]) {
      await assertParity({ ehlo: LHLO, replies: { ".": [last] } }, [NOOP, mail(), rcpt(), data({ str: "x" }), NOOP, QUIT], true);
    }
  });

  test("refused after the dot: SMTPRecipientsRefused (API.md), where Python says SMTPDataError and RSETs", async () => {
    const { py, ts } = await runBoth({ ehlo: LHLO, replies: { ".": ["550 5.2.2 full"] } }, [sendmail(["b@y.test"]), NOOP, QUIT], true);
    assert.equal(errorOf(py.outcomes[0]).cls, "SMTPDataError");
    assert.deepEqual(errorOf(ts.outcomes[0]).recipients, [["b@y.test", [550, "5.2.2 full"]]]);
    assert.equal(normalizeWire(ts.wire), normalizeWire(py.wire).replace("RSET\r\n", ""));
  });

  test("two recipients: one reply each after the dot, where Python reads one and is out of step after", async () => {
    const plan = { ehlo: LHLO, replies: { ".": ["250 b ok\n550 c no"] } };
    const { py, ts } = await runBoth(plan, [sendmail(["b@y.test", "c@y.test"]), NOOP, QUIT], true);
    assert.deepEqual(ts.outcomes, [{ ok: [["c@y.test", [550, "c no"]]] }, { ok: [250, "ok"] }, { ok: [221, "bye"] }]);
    assert.deepEqual(py.outcomes, [{ ok: [] }, { ok: [550, "c no"] }, { ok: [250, "ok"] }]);
  });
});
