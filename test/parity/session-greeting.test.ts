/**
 * Parity with CPython's smtplib (test/parity/py_driver.py): the greeting, EHLO, HELO and
 * ehlo_or_helo_if_needed against normal and odd servers. Each difference a test allows is
 * one API.md or the README states; see test/helpers/parity-session.ts.
 */
import { test } from "node:test";
import { assertParity, type ParityCall } from "../helpers/parity-session.js";

const G = "220 mx.test ESMTP\r\n";
const CONNECT: ParityCall = { op: "connect" };
const NOOP: ParityCall = { op: "noop" };
const EHLO: ParityCall = { op: "ehlo" };
const IF_NEEDED: ParityCall = { op: "ehlo_or_helo_if_needed" };

/** API.md: a greeting other than 220 throws SMTPConnectError from connect() and closes. */
const CONNECT_ERROR = {
  wire: "no NOOP: the connection is closed",
  "[0]": "SMTPConnectError (Python returns the reply)",
  "[1]": "SMTPServerDisconnected: not connected",
};
/** API.md "Python behaviours we fix": a refused EHLO leaves no greeting state (Python keeps its text). */
const REFUSED_EHLO = "a refused EHLO leaves no greeting state";
/** API.md: a 421 reply closes the connection; the next call sends nothing. */
const CLOSED_BY_421 = "a 421 closed the connection: nothing sent, SMTPServerDisconnected";

const long = (code: string, bytes: number): string => `${code}${"x".repeat(bytes - code.length - 2)}\r\n`;

test("parity: a 220 greeting, one line, several, or without text", async () => {
  await assertParity({ turns: [G, "250 ok\r\n"], calls: [CONNECT, NOOP] });
  await assertParity({ turns: ["220-mx.test\r\n220-second\r\n220 third\r\n", "250 ok\r\n"], calls: [CONNECT, NOOP] });
  await assertParity({ turns: ["220\r\n", "250\r\n", "250 \r\n"], calls: [CONNECT, EHLO, NOOP] });
  await assertParity({ turns: ["220 h\u00e9llo \u2603\r\n", "250 caf\u00e9\r\n"], calls: [CONNECT, NOOP] });
});

test("parity: greetings that refuse (554, 421) or are not SMTP", async () => {
  await assertParity({ turns: ["554 5.7.1 go away\r\n", "250 ok\r\n"], calls: [CONNECT, NOOP] }, CONNECT_ERROR);
  await assertParity({ turns: ["421 busy\r\n", "250 ok\r\n"], calls: [CONNECT, NOOP] }, CONNECT_ERROR);
  await assertParity({ turns: ["hello there\r\n", "250 ok\r\n"], calls: [CONNECT, NOOP] }, CONNECT_ERROR);
});

test("parity: a server that closes before or during its greeting", async () => {
  await assertParity({ turns: [{ close: "end" }], calls: [CONNECT, NOOP] });
  await assertParity({ turns: [{ send: "220-mx.test\r\n220 par", close: "end" }], calls: [CONNECT, NOOP] }, {
    wire: "ours never connected, so sends no NOOP (Python's fails too, on the closed socket)",
    "[0]": "API.md: a partial last line is SMTPServerDisconnected (Python returns it as the greeting)",
  });
});

test("parity: EHLO keywords in odd case, with odd parameters, AUTH old and new style", async () => {
  const reply = "250-mx.test greets you\r\n250-size   123  \r\n250-Auth=LOGIN\r\n250-AUTH PLAIN  CRAM-MD5\r\n250-x-Foo bar=baz\r\n"
    + "250-8BITMIME\r\n250-\r\n250--bad\r\n250- LEADING\r\n250-SIZE\t7\r\n250-X_Y 1\r\n250-AUTH\r\n250 9dsn NOTIFY\r\n";
  await assertParity({
    turns: [G, reply],
    calls: [CONNECT, EHLO, { op: "has_extn", args: ["AUTH"] }, { op: "has_extn", args: ["x-foo"] }, { op: "has_extn", args: ["leading"] }],
  });
});

test("parity: multi-line replies with LF-only lines, lone CRs and mixed codes", async () => {
  await assertParity({ turns: [G, "250-mx\n250-SIZE 5\n250 PIPELINING\r\n", "250-a\r\n251-b\r\n252 c\r\n"], calls: [CONNECT, EHLO, NOOP] });
  await assertParity({ turns: [G, "250-mx\r\n220-x\r\n250 SIZE 5\r\n", "250 ab\r\r\n"], calls: [CONNECT, EHLO, NOOP] });
});

test("parity: EHLO refused (5xx), then HELO", async () => {
  await assertParity({ turns: [G, "502 5.5.1 no\r\n", "250 hi\r\n", "250 ok\r\n"], calls: [CONNECT, IF_NEEDED, NOOP] }, {
    "[1].ehlo_resp": REFUSED_EHLO, "[2].ehlo_resp": REFUSED_EHLO,
  });
  await assertParity({ turns: [G, "500 a\r\n", "501-b\r\n501 c\r\n"], calls: [CONNECT, IF_NEEDED] }, {
    "[1].ehlo_resp": REFUSED_EHLO, "[1].helo_resp": "heloResp is the text of the last successful HELO (its TSDoc; Python keeps a refusal's text)",
  });
});

test("parity: EHLO then HELO, EHLO with a name, a set local_hostname", async () => {
  await assertParity({ turns: [G, "250-x\r\n250 SIZE 3\r\n", "250 h\r\n", "250 n\r\n"], calls: [CONNECT, EHLO, { op: "helo" }, IF_NEEDED, NOOP] });
  await assertParity({
    turns: [G, "250 a\r\n", "250 b\r\n"],
    calls: [CONNECT, { op: "ehlo", args: ["[127.0.0.1]"] }, { op: "set", args: ["local_hostname", "other.test"] }, { op: "helo" }],
  });
});

test("parity: a server that closes during or instead of the EHLO reply", async () => {
  await assertParity({ turns: [G, { send: "250-mx\r\n250-SIZ", close: "end" }], calls: [CONNECT, EHLO, NOOP] });
  await assertParity({ turns: [G, { send: "250-mx\r\n", close: "end" }], calls: [CONNECT, EHLO, NOOP] });
  await assertParity({ turns: [G, { close: "end" }], calls: [CONNECT, IF_NEEDED, NOOP] });
});

test("parity: 421 to EHLO, to HELO, to the HELO fallback", async () => {
  await assertParity({ turns: [G, "421 4.3.2 bye\r\n", "250 x\r\n"], calls: [CONNECT, EHLO, NOOP] }, {
    wire: CLOSED_BY_421, "[1].ehlo_resp": REFUSED_EHLO, "[2]": CLOSED_BY_421, "[2].ehlo_resp": REFUSED_EHLO,
  });
  await assertParity({ turns: [G, "421 bye\r\n", "250 x\r\n"], calls: [CONNECT, IF_NEEDED, NOOP] }, {
    wire: "README: a 421 to EHLO is SMTPHeloError without trying HELO",
    "[1]": "README: SMTPHeloError (Python tries HELO on the closing connection)",
    "[1].ehlo_resp": REFUSED_EHLO, "[1].helo_resp": "no HELO was sent", "[2].ehlo_resp": REFUSED_EHLO, "[2].helo_resp": "no HELO was sent",
  });
  await assertParity({ turns: [G, "500 x\r\n", "421 bye\r\n", "250 x\r\n"], calls: [CONNECT, IF_NEEDED, NOOP] }, {
    wire: CLOSED_BY_421, "[1].ehlo_resp": REFUSED_EHLO, "[1].helo_resp": "a refused HELO leaves no heloResp",
    "[2]": CLOSED_BY_421, "[2].ehlo_resp": REFUSED_EHLO, "[2].helo_resp": "a refused HELO leaves no heloResp",
  });
});

test("parity: over-long reply lines (8192 bytes with the CRLF is the most)", async () => {
  await assertParity({ turns: [G, long("250 ", 8192), "250 ok\r\n"], calls: [CONNECT, NOOP, NOOP] });
  await assertParity({ turns: [G, long("250 ", 8193), "250 ok\r\n"], calls: [CONNECT, NOOP, NOOP] });
  await assertParity({ turns: [G, `250-a\r\n${long("250-", 8193)}250 z\r\n`], calls: [CONNECT, EHLO, NOOP] });
  await assertParity({ turns: [G, `250-a\r\n${long("250-", 8193)}`], calls: [CONNECT, IF_NEEDED, NOOP] });
});

test("parity: non-ASCII EHLO text (features are decoded as UTF-8, Python reads them as Latin-1)", async () => {
  await assertParity({ turns: [G, "250-mx \u00fc\r\n250-X-\u00e9 a\r\n250 SIZE 9\r\n", "250 caf\u00e9\r\n"], calls: [CONNECT, EHLO, NOOP] }, {
    "[1].esmtp_features": "API.md: reply text is UTF-8; Python decodes its EHLO features as Latin-1",
    "[2].esmtp_features": "the same",
  });
});

test("parity: reply bytes that are not UTF-8 are replaced as Python's decode('utf-8', 'replace') does", async () => {
  const bad = "a\u00e9b\u00e2\u0082c\u00f0\u0080\u0080d\u00ed\u00a0\u0080e\u00c0\u00af\u00ff";
  await assertParity({ turns: [{ send: `220 \u00f4\u0090\u0080\u0080 ${bad}\r\n`, latin1: true }, { send: `250 ${bad}\r\n`, latin1: true }], calls: [CONNECT, NOOP] });
  await assertParity({ turns: [G, { send: "250-\u00e2\u0082\r\n250 \u00ac\r\n", latin1: true }], calls: [CONNECT, NOOP] });
  await assertParity({ turns: [G, { send: "500 \u00e9\r\n", latin1: true }, { send: "501-\u00e2\u0082\r\n501 \u0080\r\n", latin1: true }], calls: [CONNECT, IF_NEEDED] }, {
    "[1].ehlo_resp": REFUSED_EHLO, "[1].helo_resp": "heloResp is the text of the last successful HELO (its TSDoc; Python keeps a refusal's text)",
  });
});

test("parity: an EHLO answered with a 2yz other than 250 greets without ESMTP: no second EHLO, no HELO", async () => {
  await assertParity({ turns: [G, "251 odd\r\n", "250 b\r\n", "250 c\r\n"], calls: [CONNECT, IF_NEEDED, NOOP, IF_NEEDED, { op: "has_extn", args: ["size"] }] });
  await assertParity({ turns: [G, "250-mx\r\n220 SIZE 5\r\n", "250 b\r\n"], calls: [CONNECT, EHLO, IF_NEEDED, NOOP] });
});
