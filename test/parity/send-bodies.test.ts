/**
 * Parity with CPython's smtplib: sendmail's bytes on the wire for message bodies of every
 * shape, against a server without PIPELINING or CHUNKING (lock-step, so the order is
 * comparable byte for byte).
 */

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { assertParity } from "../helpers/parity-assert.js";
import { bytesBody, normalizeWire, runBoth, type ParityBody, type ParityCall } from "../helpers/parity-send.js";

const EHLO = "250-mx.test\n250-SIZE 100000\n250 8BITMIME";
const QUIT: ParityCall = { op: "quit" };

function sendmail(msg: ParityBody, extra: Partial<ParityCall> = {}): ParityCall {
  return { op: "sendmail", from: "a@x.test", to: ["b@y.test"], msg, ...extra };
}

describe("parity: sendmail bodies (lock-step)", () => {
  const same: Record<string, ParityBody> = {
    "a str with CRLF line ends": { str: "Subject: hi\r\n\r\nline\r\n" },
    "a str with bare LF": { str: "Subject: hi\n\nline\n" },
    "a str with bare CR": { str: "Subject: hi\r\rline\r" },
    "a str with CR CR LF and LF CR": { str: "a\r\r\nb\n\rc" },
    "a str with lines starting with a dot": { str: ".start\n..two\n.\nend" },
    "a str ending in a line that is a dot": { str: "a\r\n." },
    "a str ending with CRLF . CRLF": { str: "a\r\n.\r\n" },
    "a str without a final line end": { str: "abc" },
    "a str ending in a bare CR": { str: "abc\r" },
    "an empty str": { str: "" },
    "a str that is one line end": { str: "\n" },
    "a str with NUL": { str: "a\x00b\n" },
    "a str with a 2000-octet line": { str: `${"x".repeat(2000)}\n` },
    "bytes with CRLF and a dot line": bytesBody("a\r\n.b\r\n"),
    "bytes with 8-bit octets": bytesBody(Buffer.from([0x41, 0xe9, 0xff, 0x0d, 0x0a])),
    "bytes with NUL": bytesBody("a\x00b\r\n"),
    "empty bytes": bytesBody(""),
    "bytes that are a lone dot": bytesBody("."),
    "bytes that are a dot line": bytesBody(".\r\n"),
  };
  for (const [name, msg] of Object.entries(same)) {
    test(`${name}: same bytes, same result`, async () => {
      await assertParity({ ehlo: EHLO }, [sendmail(msg), QUIT]);
    });
  }

  test("the caller's mail and rcpt options go as given, in order, after SIZE", async () => {
    await assertParity({ ehlo: EHLO }, [
      sendmail({ str: "hi\n" }, { mail_options: ["BODY=8BITMIME", "RET=HDRS"], rcpt_options: ["NOTIFY=SUCCESS,FAILURE", "ORCPT=rfc822;b@y.test"] }),
      QUIT,
    ]);
  });

  test("SMTPUTF8 to a server that offers it: same MAIL line", async () => {
    await assertParity({ ehlo: `${EHLO}\n250 SMTPUTF8`.replace("250 8BITMIME", "250-8BITMIME") }, [
      sendmail({ str: "hi\n" }, { mail_options: ["SMTPUTF8"], to: ["bé@y.test"] }),
      QUIT,
    ]);
  });

  test("SMTPUTF8 to a server without it: SMTPNotSupportedError before MAIL, connection kept", async () => {
    await assertParity({ ehlo: EHLO }, [sendmail({ str: "hi\n" }, { mail_options: ["smtputf8"] }), { op: "noop" }, QUIT]);
  });

  test("a HELO-only server: options dropped, as Python drops them", async () => {
    await assertParity({ ehlo: "502 no", replies: { HELO: ["250 hi"] } }, [
      sendmail({ str: "hi\n" }, { mail_options: ["BODY=8BITMIME"], rcpt_options: ["NOTIFY=NEVER"] }),
      QUIT,
    ]);
  });

  test("recipients: a bare string, display names, the null sender", async () => {
    await assertParity({ ehlo: EHLO }, [
      sendmail({ str: "1\n" }, { to: "b@y.test" }),
      sendmail({ str: "2\n" }, { from: "Al <a@x.test>", to: ["Bob <b@y.test>", '"Doe, J" <d@y.test>'] }),
      sendmail({ str: "3\n" }, { from: "" }),
      sendmail({ str: "4\n" }, { from: "<>", to: ['"john doe"@y.test'] }),
      QUIT,
    ]);
  });

  // Documented differences (API.md: bytes are normalised; a string is UTF-8).
  test("bytes with bare LF or CR: we send CRLF and stuff the dot (Python sends them as given)", async () => {
    // Python stuffs a dot after LF (its `^` is a line start there), not after a lone CR.
    for (const [raw, python] of [["a\n.b\n", "a\n..b\n"], ["a\r.b\r", "a\r.b\r"]] as const) {
      const { py, ts } = await runBoth({ ehlo: EHLO }, [sendmail(bytesBody(raw)), QUIT]);
      assert.ok(py.wire.includes(`data\r\n${python}\r\n.\r\n`), py.wire);
      assert.ok(normalizeWire(ts.wire).includes("MAIL FROM:<a@x.test> SIZE=7\r\n"), ts.wire);
      assert.ok(ts.wire.includes("DATA\r\na\r\n..b\r\n.\r\n"), ts.wire);
      assert.deepEqual(ts.outcomes, py.outcomes);
    }
  });

  test("a non-ASCII str: Python fails to encode it before MAIL; we send it as UTF-8", async () => {
    const { py, ts } = await runBoth({ ehlo: EHLO }, [sendmail({ str: "Grüße\n" }), QUIT]);
    assert.equal(py.outcomes[0] && "error" in py.outcomes[0] && py.outcomes[0].error.cls, "UnicodeEncodeError");
    assert.deepEqual(ts.outcomes[0], { ok: [] });
    assert.ok(ts.wire.includes(`SIZE=9\r\n`) && ts.wire.includes(`DATA\r\n${Buffer.from("Grüße", "utf8").toString("latin1")}\r\n.\r\n`), ts.wire);
  });
});
