/**
 * Parity with CPython's smtplib (test/parity/py_driver.py): docmd, putcmd, getreply, send,
 * verify, expn, noop, rset, help, quit and close, against normal and odd servers (421
 * anywhere, replies with no text or extra replies, servers that hang up). Each difference
 * a test allows is one API.md or the README states; see test/helpers/parity-session.ts.
 */
import { test } from "node:test";
import { assertParity, type ParityCall } from "../helpers/parity-session.js";

const G = "220 mx.test ESMTP\r\n";
const CONNECT: ParityCall = { op: "connect" };
const NOOP: ParityCall = { op: "noop" };
/** API.md: a 421 reply closes the connection; the next call sends nothing. */
const CLOSED_BY_421 = "a 421 closed the connection: nothing sent, SMTPServerDisconnected";

test("parity: noop, rset, verify, expn, help and quit", async () => {
  await assertParity({
    turns: [G, "250-mx.test\r\n250 SIZE 1000\r\n", "250 2.0.0 ok\r\n", "250 reset\r\n", "252 maybe\r\n", "550 5.1.1 no\r\n", "214-a\r\n214 b\r\n", "221 bye\r\n"],
    calls: [CONNECT, { op: "ehlo" }, NOOP, { op: "rset" }, { op: "verify", args: ["a@b.test"] }, { op: "expn", args: ["list"] }, { op: "help" }, { op: "quit" }],
  });
  await assertParity({ turns: [G, "214 help on x\r\n", "502 no\r\n"], calls: [CONNECT, { op: "help", args: ["x"] }, { op: "help" }] });
});

test("parity: verify and expn take the address part", async () => {
  await assertParity({
    turns: [G, "250 a\r\n", "250 b\r\n", "250 c\r\n", "250 d\r\n"],
    calls: [CONNECT, { op: "verify", args: [""] }, { op: "verify", args: ["<>"] }, { op: "verify", args: ["John <j@x.org>"] }, { op: "expn", args: ["\"q u\"@x"] }],
  });
});

test("parity: docmd and putcmd send the verb as given, getreply reads in order", async () => {
  await assertParity({
    turns: [G, "250 x\r\n", "250-a\r\n250 b\r\n", "500 what\r\n", "250 d\r\n"],
    calls: [CONNECT, { op: "docmd", args: ["xyzzy"] }, { op: "docmd", args: ["XFOO", "a b"] }, { op: "docmd", args: ["foo", ""] }, { op: "docmd", args: ["X", " y "] }],
  });
  await assertParity({
    turns: [G, "250 x\r\n", "251 y\r\n", "252 z\r\n"],
    calls: [CONNECT, { op: "putcmd", args: ["noop"] }, { op: "getreply" }, { op: "putcmd", args: ["vrfy", "x"] }, { op: "putcmd", args: ["Noop"] }, { op: "getreply" }, { op: "getreply" }],
    verbsAsGiven: true,
  });
});

test("parity: send then getreply, with lines split across sends", async () => {
  await assertParity({ turns: [G, "250 x\r\n", "251 y\r\n"], calls: [CONNECT, { op: "send", args: ["NOOP\r\nNOOP\r\n"] }, { op: "getreply" }, { op: "getreply" }] });
  await assertParity({ turns: [G, "250 x\r\n"], calls: [CONNECT, { op: "send", args: ["NO"] }, { op: "send", args: ["OP\r\n"] }, { op: "getreply" }] });
});

test("parity: replies without text, with odd white space, NUL and CR inside", async () => {
  await assertParity({
    turns: [G, "250\r\n", "250-\r\n250-\r\n250\r\n", "250    lots of space   \r\n", "250-\t tab\t\r\n250 \u000bvt\u000c\r\n", "250 a\u0000b\r\n", "250 a\rb\r\r\n"],
    calls: [CONNECT, NOOP, NOOP, NOOP, NOOP, NOOP, NOOP],
  });
});

test("parity: a reply that came unasked goes to no command", async () => {
  await assertParity({ turns: [G, "250 a\r\n250-b\r\n250 c\r\n", "250 d\r\n"], calls: [CONNECT, NOOP, NOOP] }, {
    "[2]": "API.md: a reply that arrives while no command waits is discarded (Python gives the second NOOP the stale \"b\\nc\")",
  });
});

test("parity: 421 to noop, verify, help, rset, docmd and quit", async () => {
  for (const call of [NOOP, { op: "verify", args: ["a@b"] }, { op: "help" }, { op: "rset" }, { op: "docmd", args: ["XYZ"] }] as ParityCall[]) {
    // The 421 itself is returned as Python returns it (help(): its text alone).
    await assertParity({ turns: [G, "421-4.4.2 idle\r\n421 bye\r\n", "250 x\r\n"], calls: [CONNECT, call, NOOP] }, { wire: CLOSED_BY_421, "[2]": CLOSED_BY_421 });
  }
  await assertParity({ turns: [G, "421 bye\r\n"], calls: [CONNECT, { op: "quit" }, NOOP] });
});

test("parity: quit and close, then more calls; connect again after quit", async () => {
  await assertParity({ turns: [G, "250-mx\r\n250 SIZE 9\r\n", "221 bye\r\n"], calls: [CONNECT, { op: "ehlo" }, { op: "quit" }, NOOP, { op: "has_extn", args: ["size"] }] });
  await assertParity({ turns: [G, "500 nope\r\n"], calls: [CONNECT, { op: "quit" }, NOOP] });
  await assertParity({ turns: [G], calls: [CONNECT, { op: "close" }, NOOP, { op: "close" }] });
  await assertParity({ turns: [G, "221 bye\r\n"], calls: [CONNECT, { op: "quit" }, CONNECT, { op: "quit" }] });
});

test("parity: a server that hangs up instead of replying, or in the middle of a reply", async () => {
  await assertParity({ turns: [G, { close: "end" }], calls: [CONNECT, { op: "quit" }, NOOP] });
  await assertParity({ turns: [G, "250-mx\r\n250 SIZE 9\r\n", { close: "end" }], calls: [CONNECT, { op: "ehlo" }, NOOP, { op: "has_extn", args: ["size"] }] });
  await assertParity({ turns: [G, { send: "250-one\r\n250 tw", close: "end" }], calls: [CONNECT, NOOP, NOOP] }, {
    wire: "the connection closed at the partial reply: no second NOOP (Python's fails on the closed socket)",
    "[1]": "API.md: a partial last line is SMTPServerDisconnected (Python returns it)",
  });
});

test("parity: a command the server never answers times out and closes the connection", async () => {
  await assertParity({ timeout: 1, turns: [G, {}, "250 x\r\n"], calls: [CONNECT, { op: "ehlo" }, NOOP] }, {
    "[1]": "API.md: SMTPTimeoutError, a subclass of SMTPServerDisconnected (Python's)",
  });
});

test("parity: leaving `with` (__exit__, our Symbol.asyncDispose): QUIT, a reply other than 221 throws", async () => {
  const exit: ParityCall = { op: "__exit__", args: [null, null, null] };
  await assertParity({ turns: [G, "221 bye\r\n"], calls: [CONNECT, exit, NOOP] });
  await assertParity({ turns: [G, "250 what\r\n"], calls: [CONNECT, exit, NOOP] });
  await assertParity({ turns: [G, "421 bye\r\n"], calls: [CONNECT, exit, NOOP] });
  await assertParity({ turns: [G, { close: "end" }], calls: [CONNECT, exit] });
  await assertParity({ turns: [G, { send: "221 by", close: "end" }], calls: [CONNECT, exit] });
  await assertParity({ turns: [G, "221 bye\r\n"], calls: [exit, CONNECT, { op: "quit" }, exit] });
});

test("parity: leaving `with` while the server never answers QUIT throws the timeout (it is no disconnected server)", async () => {
  const exit: ParityCall = { op: "__exit__", args: [null, null, null] };
  await assertParity({ timeout: 1, turns: [G, {}], calls: [CONNECT, exit] }, {
    "[1]": "API.md: SMTPTimeoutError, a subclass of SMTPServerDisconnected (Python's)",
  });
});

test("parity: a caller's mistake (CR, LF, non-ASCII in a command) sends nothing", async () => {
  await assertParity({
    turns: [G, "250 a\r\n"],
    calls: [CONNECT, { op: "docmd", args: ["NOOP\r\nRSET"] }, { op: "ehlo", args: ["a\rb"] }, { op: "verify", args: ["\u00fc@x"] }, { op: "docmd", args: ["X\u00fc"] }, { op: "helo", args: ["h\u00e9.test"] }, NOOP],
  });
  await assertParity({ turns: [G, "250 a\r\n", "250 b\r\n"], calls: [CONNECT, { op: "verify", args: ["a\nb"] }, NOOP] }, {
    wire: "API.md: a CR or LF in an argument is a TypeError before anything is sent (Python's parseaddr cuts it to VRFY a)",
    "[1]": "TypeError",
    "[2]": "the NOOP gets the first reply",
  });
});
