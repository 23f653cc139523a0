/**
 * Parity with CPython's smtplib (test/parity/py_driver.py): starttls() (EHLO first when
 * needed, the state it forgets, the EHLO after it), SMTP_SSL and LMTP sessions. Each
 * difference a test allows is one API.md or the README states; see
 * test/helpers/parity-session.ts.
 */
import { after, before, test } from "node:test";
import { rm } from "node:fs/promises";
import { assertParity, type ParityCall, type ParityScenario } from "../helpers/parity-session.js";
import { getTestCerts, writeTestCerts } from "../helpers/certs.js";

const G = "220 mx.test ESMTP\r\n";
const CONNECT: ParityCall = { op: "connect" };
const EHLO: ParityCall = { op: "ehlo" };
const STARTTLS: ParityCall = { op: "starttls" };
const OFFERS_TLS = "250-mx.test\r\n250-AUTH PLAIN LOGIN CRAM-MD5\r\n250 STARTTLS\r\n";
const AFTER_TLS = "250-mx.secure\r\n250-AUTH PLAIN\r\n250 SIZE 99\r\n";

let certs: NonNullable<ParityScenario["certs"]>;
let dir: string;

before(async () => {
  const made = await getTestCerts();
  const files = await writeTestCerts(made);
  dir = files.dir;
  certs = { key: made.key, cert: made.cert, ca: made.ca, caFile: files.ca };
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test("parity: starttls forgets the features; ehlo, login and quit after it", async () => {
  await assertParity({
    turns: [G, OFFERS_TLS, { send: "220 2.0.0 go ahead\r\n", tls: true }, AFTER_TLS, "235 ok\r\n", "221 bye\r\n"],
    calls: [CONNECT, EHLO, STARTTLS, { op: "has_extn", args: ["starttls"] }, EHLO, { op: "login", args: ["u", "p"] }, { op: "quit" }],
    certs,
  });
});

test("parity: starttls sends EHLO first when needed; login after it greets again", async () => {
  await assertParity({ turns: [G, OFFERS_TLS, { send: "220 go ahead\r\n", tls: true }, AFTER_TLS, "235 ok\r\n"], calls: [CONNECT, STARTTLS, { op: "login", args: ["u", "p"] }], certs });
  await assertParity({ turns: [G, OFFERS_TLS, { send: "220 go ahead\r\n", tls: true }, "250 n\r\n", AFTER_TLS], calls: [CONNECT, STARTTLS, { op: "noop" }, { op: "ehlo_or_helo_if_needed" }], certs });
  await assertParity({ turns: [G, "250 hi\r\n", { send: "220 go\r\n", tls: true }], calls: [CONNECT, { op: "helo" }, STARTTLS], certs });
});

test("parity: starttls answered by a multi-line 220, offered in lower case", async () => {
  await assertParity({ turns: [G, "250-mx\r\n250 STARTTLS\r\n", { send: "220-go\r\n220 ahead\r\n", tls: true }, AFTER_TLS], calls: [CONNECT, STARTTLS, EHLO], certs });
  await assertParity({ turns: [G, "250-mx\r\n250 starttls\r\n", { send: "220 go\r\n", tls: true }, "250 n\r\n"], calls: [CONNECT, STARTTLS, { op: "noop" }], certs });
});

test("parity: starttls not offered, refused with 454, after a refused EHLO", async () => {
  await assertParity({ turns: [G, "250 x\r\n", "250 x\r\n"], calls: [CONNECT, STARTTLS, { op: "noop" }], certs });
  await assertParity({ turns: [G, OFFERS_TLS, "454 4.7.0 no tls\r\n", "250 ok\r\n"], calls: [CONNECT, STARTTLS, { op: "noop" }], certs });
  await assertParity({ turns: [G, "500 x\r\n", "250 y\r\n"], calls: [CONNECT, STARTTLS], certs }, {
    "[1].ehlo_resp": "API.md: a refused EHLO leaves no greeting state",
  });
});

test("parity: starttls answered 421", async () => {
  await assertParity({ turns: [G, OFFERS_TLS, "421 bye\r\n", "250 ok\r\n"], calls: [CONNECT, STARTTLS, { op: "noop" }], certs }, {
    wire: "API.md: a 421 closes the connection; the next call sends nothing",
    "[2]": "SMTPServerDisconnected",
  });
});

test("parity: SMTP_SSL session", async () => {
  await assertParity({
    cls: "SMTP_SSL",
    turns: ["220 ssl.test\r\n", "250-ssl.test\r\n250 AUTH PLAIN LOGIN\r\n", "235 ok\r\n", "250 ok\r\n", "221 bye\r\n"],
    calls: [CONNECT, EHLO, { op: "login", args: ["u", "p"] }, { op: "noop" }, { op: "quit" }],
    certs,
  });
});

test("parity: LMTP session: LHLO, ehlo_or_helo_if_needed, HELO, login", async () => {
  await assertParity({ cls: "LMTP", turns: ["220 lmtp\r\n", "250-lmtp\r\n250-PIPELINING\r\n250 ENHANCEDSTATUSCODES\r\n", "250 ok\r\n", "221 bye\r\n"], calls: [CONNECT, EHLO, { op: "noop" }, { op: "quit" }] });
  await assertParity({ cls: "LMTP", turns: ["220 lmtp\r\n", "250-lmtp\r\n250 8BITMIME\r\n", "250 ok\r\n"], calls: [CONNECT, { op: "ehlo_or_helo_if_needed" }, { op: "has_extn", args: ["8bitmime"] }, { op: "noop" }] });
  await assertParity({ cls: "LMTP", turns: ["220 lmtp\r\n", "250 hi\r\n", "250 ok\r\n"], calls: [CONNECT, { op: "helo" }, { op: "noop" }] });
  await assertParity({ cls: "LMTP", turns: ["220 lmtp\r\n", "250-lmtp\r\n250 AUTH PLAIN\r\n", "235 ok\r\n"], calls: [CONNECT, { op: "login", args: ["u", "p"] }] });
  await assertParity({ cls: "LMTP", turns: ["220 lmtp\r\n", "500 no\r\n", "250 hi\r\n"], calls: [CONNECT, { op: "ehlo_or_helo_if_needed" }, { op: "noop" }] }, {
    wire: "API.md: a refused LHLO never falls back to HELO",
    "[1]": "SMTPHeloError for the LHLO",
    "[1].ehlo_resp": "a refused LHLO leaves no greeting state",
    "[1].helo_resp": "no HELO was sent",
    "[2]": "the NOOP gets the reply Python's HELO got",
    "[2].ehlo_resp": "a refused LHLO leaves no greeting state",
    "[2].helo_resp": "no HELO was sent",
  });
});

test("parity: LMTP over a Unix socket", async () => {
  const at: ParityCall = { op: "connect", args: ["{path}"] };
  await assertParity({ cls: "LMTP", unixSocket: true, turns: ["220 lmtp\r\n", "250-lmtp\r\n250 8BITMIME\r\n", "250 ok\r\n", "221 bye\r\n"], calls: [at, EHLO, { op: "noop" }, { op: "quit" }] });
  await assertParity({ cls: "LMTP", unixSocket: true, turns: ["220 lmtp\r\n", "250-lmtp\r\n250 AUTH PLAIN LOGIN\r\n", "235 ok\r\n"], calls: [at, { op: "login", args: ["u", "p"] }] });
  await assertParity({ cls: "LMTP", unixSocket: true, turns: [{ close: "end" }], calls: [at, { op: "noop" }] });
});
