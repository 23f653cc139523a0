/**
 * Parity with CPython's smtplib (test/parity/py_driver.py): login() (the mechanism
 * preference order, and what it tries next when one is refused) and auth() with each
 * built-in auth object, with and without an initial response. Each difference a test
 * allows is one API.md or the README states; see test/helpers/parity-session.ts.
 */
import { test } from "node:test";
import { assertParity, type ParityCall } from "../helpers/parity-session.js";

const G = "220 mx.test ESMTP\r\n";
const CONNECT: ParityCall = { op: "connect" };
const ALL = "250-mx.test\r\n250 AUTH PLAIN LOGIN CRAM-MD5\r\n";
const CRAM_CHALLENGE = "334 PDEyMzQuNTY3OEBteC50ZXN0Pg==\r\n";
const LOGIN: ParityCall = { op: "login", args: ["u", "p"] };
const NO_IR = { initial_response_ok: false };
/** ehlo() then user and password set, as auth() wants them. */
const READY: ParityCall[] = [CONNECT, { op: "ehlo" }, { op: "set", args: ["user", "u"] }, { op: "set", args: ["password", "p"] }];

test("parity: login prefers CRAM-MD5, then PLAIN, then LOGIN", async () => {
  await assertParity({ turns: [G, ALL, CRAM_CHALLENGE, "235 ok\r\n"], calls: [CONNECT, LOGIN] });
  await assertParity({ turns: [G, "250-mx\r\n250 AUTH LOGIN PLAIN\r\n", "235 ok\r\n"], calls: [CONNECT, LOGIN] });
  await assertParity({ turns: [G, "250-mx\r\n250 AUTH=LOGIN\r\n", "334 UGFzc3dvcmQ6\r\n", "235 ok\r\n"], calls: [CONNECT, LOGIN] });
});

test("parity: login falls back after 535, 504 and 454, and throws the last refusal", async () => {
  await assertParity({ turns: [G, ALL, CRAM_CHALLENGE, "535 5.7.8 bad\r\n", "235 ok\r\n"], calls: [CONNECT, LOGIN] });
  await assertParity({ turns: [G, "250-mx\r\n250 AUTH PLAIN LOGIN\r\n", "504 unrecognized\r\n", "334 UGFzc3dvcmQ6\r\n", "235 ok\r\n"], calls: [CONNECT, LOGIN] });
  await assertParity({ turns: [G, "250-mx\r\n250 AUTH PLAIN LOGIN\r\n", "454 4.7.0 temp\r\n", "334 UGFzc3dvcmQ6\r\n", "235 ok\r\n"], calls: [CONNECT, LOGIN] });
  await assertParity({
    turns: [G, ALL, CRAM_CHALLENGE, "535 a\r\n", "535 b\r\n", "334 VXNlcm5hbWU6\r\n", "535-c\r\n535 d\r\n", "250 ok\r\n"],
    calls: [CONNECT, LOGIN, { op: "noop" }],
  });
});

test("parity: login without AUTH, with unknown mechanisms only, on a HELO-only server", async () => {
  await assertParity({ turns: [G, "250-mx\r\n250 SIZE 1\r\n"], calls: [CONNECT, LOGIN] });
  await assertParity({ turns: [G, "250-mx\r\n250 AUTH GSSAPI NTLM\r\n"], calls: [CONNECT, LOGIN] });
  await assertParity({ turns: [G, "500 no\r\n", "250 hi\r\n"], calls: [CONNECT, LOGIN] }, {
    "[1].ehlo_resp": "API.md: a refused EHLO leaves no greeting state",
  });
});

test("parity: login with initial_response_ok false, and with empty credentials", async () => {
  await assertParity({ turns: [G, "250-mx\r\n250 AUTH PLAIN\r\n", "334 \r\n", "235 ok\r\n"], calls: [CONNECT, { ...LOGIN, kwargs: NO_IR }] });
  await assertParity({ turns: [G, "250-mx\r\n250 AUTH LOGIN\r\n", "334 VXNlcm5hbWU6\r\n", "334 UGFzc3dvcmQ6\r\n", "235 ok\r\n"], calls: [CONNECT, { ...LOGIN, kwargs: NO_IR }] });
  await assertParity({ turns: [G, "250-mx\r\n250 AUTH PLAIN\r\n", "235 ok\r\n"], calls: [CONNECT, { op: "login", args: ["", ""] }] });
});

test("parity: login when the server hangs up or answers 421 mid-exchange", async () => {
  await assertParity({ turns: [G, ALL, CRAM_CHALLENGE, { close: "end" }], calls: [CONNECT, LOGIN, { op: "noop" }] });
  await assertParity({ turns: [G, ALL, { close: "end" }], calls: [CONNECT, LOGIN, { op: "noop" }] });
  await assertParity({ turns: [G, ALL, CRAM_CHALLENGE, "421 bye\r\n", "235 x\r\n"], calls: [CONNECT, LOGIN, { op: "noop" }] }, {
    wire: "API.md: a 421 closes the connection: no other mechanism is tried",
    "[1]": "SMTPAuthenticationError 421 (Python goes on to PLAIN on the closing connection)",
  });
});

test("parity: auth() with each auth object, with and without an initial response", async () => {
  await assertParity({ turns: [G, ALL, "235 ok\r\n"], calls: [...READY, { op: "auth", args: ["plain", "auth_plain"] }] });
  await assertParity({ turns: [G, ALL, "334 \r\n", "235 ok\r\n"], calls: [...READY, { op: "auth", args: ["PLAIN", "auth_plain"], kwargs: NO_IR }] });
  await assertParity({ turns: [G, ALL, "334 UGFzc3dvcmQ6\r\n", "235 ok\r\n"], calls: [...READY, { op: "auth", args: ["LOGIN", "auth_login"] }] });
  await assertParity({ turns: [G, ALL, "334 VXNlcm5hbWU6\r\n", "334 UGFzc3dvcmQ6\r\n", "235 ok\r\n"], calls: [...READY, { op: "auth", args: ["login", "auth_login"], kwargs: NO_IR }] });
  await assertParity({ turns: [G, ALL, CRAM_CHALLENGE, "235 ok\r\n"], calls: [...READY, { op: "auth", args: ["CRAM-MD5", "auth_cram_md5"] }] });
  await assertParity({ turns: [G, ALL, CRAM_CHALLENGE, "235 ok\r\n"], calls: [...READY, { op: "auth", args: ["CRAM-MD5", "auth_cram_md5"], kwargs: NO_IR }] });
});

test("parity: auth() refused, challenged in several lines, challenged thrice, run twice", async () => {
  await assertParity({ turns: [G, ALL, "535 5.7.8 bad\r\n", "250 ok\r\n"], calls: [...READY, { op: "auth", args: ["PLAIN", "auth_plain"] }, { op: "noop" }] });
  await assertParity({
    turns: [G, ALL, "334-VXNlcm5h\r\n334 bWU6\r\n", "334 UGFzc3dvcmQ6\r\n", "235 ok\r\n"],
    calls: [...READY, { op: "auth", args: ["LOGIN", "auth_login"], kwargs: NO_IR }],
  });
  await assertParity({
    turns: [G, ALL, "334 VXNlcm5hbWU6\r\n", "334 UGFzc3dvcmQ6\r\n", "334 QWdhaW46\r\n", "235 ok\r\n"],
    calls: [...READY, { op: "auth", args: ["LOGIN", "auth_login"], kwargs: NO_IR }],
  });
  await assertParity({
    turns: [G, ALL, "334 UGFzc3dvcmQ6\r\n", "535 no\r\n", "334 VXNlcm5hbWU6\r\n", "334 UGFzc3dvcmQ6\r\n", "235 ok\r\n"],
    calls: [...READY, { op: "auth", args: ["LOGIN", "auth_login"] }, { op: "auth", args: ["LOGIN", "auth_login"], kwargs: NO_IR }],
  });
});

test("parity: auth() and login() with the caller's edits to esmtp_features", async () => {
  await assertParity({ turns: [G, ALL, "334 UGFzc3dvcmQ6\r\n", "235 ok\r\n"], calls: [CONNECT, { op: "ehlo" }, { op: "set_feature", args: ["auth", "LOGIN"] }, LOGIN] });
  await assertParity({ turns: [G, ALL], calls: [CONNECT, { op: "ehlo" }, { op: "del_feature", args: ["auth"] }, LOGIN, { op: "has_extn", args: ["auth"] }] });
});

test("parity: 503 to AUTH is not success", async () => {
  await assertParity({ turns: [G, ALL, "503 5.5.1 already\r\n", "250 ok\r\n"], calls: [...READY, { op: "auth", args: ["PLAIN", "auth_plain"] }, { op: "noop" }] }, {
    "[4]": "API.md: a 503 reply to AUTH is not success (SMTPAuthenticationError)",
  });
});
