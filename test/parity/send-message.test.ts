/**
 * Parity with CPython's smtplib for send_message (Python parses the message with the
 * email package, policy compat32 or default, and serialises it with BytesGenerator): the
 * envelope taken from the headers, Bcc and Resent-Bcc never transmitted, SMTPUTF8 for
 * international addresses, and the refusals as sendmail's.
 */

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { assertParity, errorOf } from "../helpers/parity-assert.js";
import { normalizeWire, runBoth, type ParityCall } from "../helpers/parity-send.js";

const EHLO = "250-mx.test\n250-SIZE 100000\n250 8BITMIME";
const EHLO_UTF8 = "250-mx.test\n250-SIZE 100000\n250-8BITMIME\n250 SMTPUTF8";
const QUIT: ParityCall = { op: "quit" };
const DATE = "Resent-Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n";

function message(raw: string, extra: Partial<ParityCall> = {}): ParityCall {
  return { op: "send_message", msg: { str: raw }, ...extra };
}

describe("parity: send_message", () => {
  const same: Record<string, string> = {
    "From and To": "From: a@x.test\r\nTo: b@y.test\r\nSubject: hi\r\n\r\nbody\r\n",
    "Sender wins over From": "From: a@x.test\r\nSender: s@x.test\r\nTo: b@y.test\r\n\r\nbody\r\n",
    "several From addresses with a Sender": "From: a@x.test, f@x.test\r\nSender: s@x.test\r\nTo: b@y.test\r\n\r\nbody\r\n",
    "several From addresses, no Sender: the first": "From: a@x.test, f@x.test\r\nTo: b@y.test\r\n\r\nbody\r\n",
    "groups, display names, comments, quoted names": "From: A <a@x.test> (Al)\r\nTo: team: b@y.test, C <c@y.test>;, \"D, x\" <d@y.test>\r\nCc: e@y.test (E), \"q\\\"x\" <f@y.test>\r\n\r\nbody\r\n",
    "folded address fields, a folded Bcc removed whole": "From: a@x.test\r\nTo: b@y.test,\r\n c@y.test\r\nBcc: d@y.test,\r\n\te@y.test\r\n\r\nbody\r\n",
    "encoded-word display names": "From: =?utf-8?q?J=C3=B6rg?= <a@x.test>\r\nTo: =?utf-8?q?Doe=2C_J?= <b@y.test>, c@y.test\r\n\r\nbody\r\n",
    "one set of Resent-*: its sender and recipients, Bcc and Resent-Bcc removed": `From: a@x.test\r\nTo: b@y.test\r\n${DATE}Resent-From: r@x.test\r\nResent-To: rr@y.test\r\nResent-Bcc: rb@y.test\r\nBcc: ob@y.test\r\n\r\nbody\r\n`,
    "Resent-Sender wins over Resent-From": `From: a@x.test\r\nTo: b@y.test\r\n${DATE}Resent-From: r@x.test\r\nResent-Sender: rs@x.test\r\nResent-To: rr@y.test\r\nResent-Cc: rc@y.test\r\n\r\nbody\r\n`,
    "LF line ends and a dot line in the body": "From: a@x.test\nTo: b@y.test\nBcc: c@y.test\n\nbody\n.dot\n",
    "CR line ends: Bcc still removed": "From: a@x.test\rTo: b@y.test\rBcc: c@y.test\r\rbody\r",
    "a Bcc-like line in the body is body": "From: a@x.test\r\nTo: b@y.test\r\n\r\nBcc: c@y.test\r\n",
    "To, Cc and Bcc: RCPTs in Python's order (To, Bcc, Cc)": "From: a@x.test\r\nTo: t@y.test\r\nCc: c@y.test\r\nBcc: b@y.test\r\n\r\nbody\r\n",
    "Resent-To, -Cc and -Bcc: the same order": `From: a@x.test\r\nTo: b@y.test\r\n${DATE}Resent-From: r@x.test\r\nResent-To: rt@y.test\r\nResent-Cc: rc@y.test\r\nResent-Bcc: rb@y.test\r\n\r\nbody\r\n`,
    "the same address in To and Cc: two RCPTs": "From: a@x.test\r\nTo: b@y.test\r\nCc: b@y.test\r\n\r\nbody\r\n",
    "source route and address literal": "From: a@x.test\r\nTo: <@r.test:b@y.test>, c@[192.0.2.1]\r\n\r\nbody\r\n",
    "a bare local part": "From: a@x.test\r\nTo: postmaster\r\n\r\nbody\r\n",
  };
  for (const [name, raw] of Object.entries(same)) {
    for (const policy of [undefined, "default"] as const) {
      test(`${name} (policy ${policy ?? "compat32"})`, async () => {
        await assertParity({ ehlo: EHLO }, [message(raw, { policy }), QUIT]);
      });
    }
  }

  test("from and to given: the headers are not read, Bcc still removed", async () => {
    const raw = "From: A <a@x.test>\r\nTo: b@y.test\r\nBcc: e@y.test\r\n\r\nbody\r\n";
    await assertParity({ ehlo: EHLO }, [message(raw, { from: "Z <z@x.test>", to: ["q@y.test"] }), message(raw, { from: "", to: "c@y.test" }), QUIT]);
  });

  test("international addresses: SMTPUTF8 and BODY=8BITMIME, or SMTPNotSupportedError before MAIL", async () => {
    const sender = "From: á@x.test\r\nTo: b@y.test\r\n\r\nbody\r\n";
    const recipient = "From: a@x.test\r\nTo: Jö <bé@y.test>\r\nBcc: ü@y.test\r\n\r\nbody\r\n";
    for (const raw of [sender, recipient]) await assertParity({ ehlo: EHLO_UTF8 }, [message(raw, { policy: "default" }), QUIT]);
    await assertParity({ ehlo: EHLO_UTF8 }, [message(sender.replace("á", "a"), { policy: "default", to: ["ü@y.test"] }), QUIT]);
    await assertParity({ ehlo: EHLO }, [message(sender, { policy: "default" }), message(recipient, { policy: "default" }), { op: "noop" }, QUIT]);
  });

  test("refusals: the sender as the header gave it, recipients by their address", async () => {
    const raw = "From: A <a@x.test>\r\nTo: B <b@y.test>, C <c@y.test>\r\n\r\nbody\r\n";
    await assertParity({ ehlo: EHLO, replies: { MAIL: ["550 no", "250 ok", "250 ok"], RCPT: ["550 no", "250 ok", "550 no", "551 no"] } }, [message(raw), message(raw), message(raw), { op: "noop" }, QUIT]);
  });

  // Documented differences.
  test("two sets of Resent-* headers: Python's ValueError is our TypeError, before anything is sent", async () => {
    const raw = `From: a@x.test\r\nTo: b@y.test\r\n${DATE}Resent-From: r@x.test\r\nResent-To: rr@y.test\r\n${DATE.replace("Mon, 1", "Tue, 2")}Resent-From: r2@x.test\r\nResent-To: rr2@y.test\r\n\r\nbody\r\n`;
    const { py, ts } = await runBoth({ ehlo: EHLO }, [message(raw), QUIT]);
    assert.equal(errorOf(py.outcomes[0]).cls, "ValueError");
    assert.equal(errorOf(ts.outcomes[0]).cls, "TypeError");
    assert.equal(normalizeWire(ts.wire), "QUIT\r\n");
  });

  test("no recipient in the headers: TypeError before MAIL (Python sends MAIL and RSET, then SMTPRecipientsRefused)", async () => {
    const { py, ts } = await runBoth({ ehlo: EHLO }, [message("From: a@x.test\r\nSubject: x\r\n\r\nbody\r\n"), QUIT]);
    assert.deepEqual(errorOf(py.outcomes[0]).recipients, []);
    assert.equal(errorOf(ts.outcomes[0]).cls, "TypeError");
    assert.equal(normalizeWire(ts.wire), "QUIT\r\n");
  });

  test("an empty group or empty To: no RCPT TO:<> (Python sends one)", async () => {
    const raw = "From: a@x.test\r\nTo: \r\nCc: undisclosed-recipients:;, c@y.test\r\n\r\nbody\r\n";
    const { py, ts } = await runBoth({ ehlo: EHLO }, [message(raw), QUIT]);
    assert.equal(normalizeWire(ts.wire), normalizeWire(py.wire).replaceAll("RCPT TO:<>\r\n", ""));
  });
});
