/**
 * Every way an address reaches the wire, byte for byte against a scripted server: the null
 * sender, quoted local parts, address literals (and malformed ones), RFC 5321 length limits,
 * UTF-8 addresses with and without SMTPUTF8, Unicode line separators, and the low-level
 * `rcpt()` with a blank recipient. A refused call sends nothing: the script holds only
 * what may go out.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { quoteaddr, SMTPNotSupportedError } from "../../src/index.js";
import { GREET, greeting, withScript } from "../helpers/client.js";

const BODY = "Subject: t\r\n\r\nhi\r\n";
/** The end of a lock-step transaction after the last RCPT's reply. */
const DATA_END = "C: DATA\nS: 354 go\nC: Subject: t\nC:\nC: hi\nC: .\nS: 250 ok\n";

test("sendmail: the null sender goes as MAIL FROM:<>; quoted local parts keep their quoting and escapes", async () => {
  const rcpts = ['"John Q"@y.test', '"a\\\\b"@y.test', '"a\\"b"@y.test', '"a@b"@y.test'];
  const script = `${greeting(["8BITMIME"])}C: MAIL FROM:<>\nS: 250 ok\n${rcpts.map((r) => `C: RCPT TO:<${r.replaceAll("\\", "\\\\")}>\nS: 250 ok\n`).join("")}${DATA_END}`;
  await withScript(script, async (client) => {
    assert.equal((await client.sendmail("<>", rcpts, BODY)).size, 0);
  });
});

test("sendmail: address literals (IPv4, IPv6, a general literal) go as given", async () => {
  const rcpts = ["u@[192.0.2.1]", "u@[IPv6:2001:db8::1]", "u@[IPv6:::ffff:192.0.2.1]", "u@[x-tag:abc]", "u@[IPv6:::]",
    "u@[ipv6:1:2:3:4:5:6:7:8]", "u@[IPv6:1:2:3:4:5:6:192.0.2.1]", "u@[IPv6:1::6:7]", "u@[IPv6:1:2:3:4::192.0.2.1]"];
  const script = `${greeting([])}C: MAIL FROM:<a@x.test>\nS: 250 ok\n${rcpts.map((r) => `C: RCPT TO:<${r}>\nS: 250 ok\n`).join("")}${DATA_END}`;
  await withScript(script, async (client) => {
    assert.equal((await client.sendmail("a@x.test", rcpts, BODY)).size, 0);
  });
});

test("a domain literal that is not an RFC 5321 address literal is a TypeError, and the call sends nothing", async () => {
  const bad = ["u@[999.1.1.1]", "u@[1.2.3]", "u@[foo]", "u@[IPv6:zz]", "u@[IPv6:2001:db8::1::2]", "u@[IPv6:fe80::1%eth0]", "u@[-:x]",
    "u@[IPv6:1:2:3:4:5:6:7::]", "u@[IPv6:1:2:3:4:5:6:7]", "u@[IPv6:::1.2.3.256]", "u@[IPv6:12345::1]", "u@[IPv6::1:2]"];
  for (const addr of bad) assert.throws(() => quoteaddr(addr), TypeError, addr);
  await withScript(GREET, async (client) => {
    for (const addr of bad) {
      await assert.rejects(client.sendmail("a@x.test", ["b@y.test", addr], BODY), TypeError, addr);
      await assert.rejects(client.sendmail(addr, "b@y.test", BODY), TypeError, addr);
      await assert.rejects(client.sendMessage(`From: a@x.test\r\nTo: b@y.test, ${addr}\r\n\r\nhi\r\n`), TypeError, addr);
    }
  });
});

test("a Unicode line or paragraph separator anywhere in an address is a TypeError, even to an SMTPUTF8 server; nothing is sent", async () => {
  const bad = ["b@y.test\u2028", "b\u2028@y.test", "b@y\u2029.test", '"b\u2028c"@y.test', "John\u2028 <b@y.test>"];
  for (const addr of bad) assert.throws(() => quoteaddr(addr), TypeError, JSON.stringify(addr));
  await withScript(GREET, async (client) => {
    for (const addr of bad) {
      await assert.rejects(client.sendmail("a@x.test", ["b@y.test", addr], BODY, ["SMTPUTF8"]), TypeError, JSON.stringify(addr));
      await assert.rejects(client.sendmail(addr, "b@y.test", BODY, ["SMTPUTF8"]), TypeError, JSON.stringify(addr));
      // In a header's display name it is header text (RFC 6532), which DATA sends as it is;
      // at the end of a header's value it is white space around the value.
      if (!addr.startsWith("John") && !addr.endsWith("\u2028")) {
        await assert.rejects(client.sendMessage(`From: a@x.test\r\nTo: b@y.test, ${addr}\r\n\r\nhi\r\n`), TypeError, JSON.stringify(addr));
      }
    }
    // And in an ESMTP parameter (refused there already).
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", BODY, ["X-TAG=a\u2028b"]), TypeError);
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", BODY, [], ["NOTIFY=NEVER\u2029"]), TypeError);
  });
});

test("Unicode white space, zero-width and bidi controls in an address's path are a TypeError, even to an SMTPUTF8 server; nothing is sent", async () => {
  const bad = ["\u00a0b@y.test", "b@y.test\u00a0", "b\u200b@y.test", "b@y\u3000.test", "\ufeffb@y.test", "b\u202e@y.test", '"b\u2066c"@y.test', "Bob <b\u2009@y.test>", "b\u200e@y.test", "b@y\u200f.test", "b\u061c@y.test", "b\u00ad@y.test", "b\u180e@y.test", "b\u2062@y.test", "b\u206f@y.test"];
  for (const addr of bad) assert.throws(() => quoteaddr(addr), TypeError, JSON.stringify(addr));
  await withScript(GREET, async (client) => {
    for (const addr of bad) {
      await assert.rejects(client.sendmail("a@x.test", ["b@y.test", addr], BODY, ["SMTPUTF8"]), TypeError, JSON.stringify(addr));
      await assert.rejects(client.sendmail(addr, "b@y.test", BODY, ["SMTPUTF8"]), TypeError, JSON.stringify(addr));
    }
    await assert.rejects(client.sendMessage("From: a@x.test\r\nTo: b\u00a0c@y.test\r\n\r\nhi\r\n"), TypeError);
  });
  assert.throws(() => quoteaddr("\u00a0b@y.test"), /address holds U\+00A0 \(Unicode white space/);
  // Outside the path (a display name), and joiners that scripts need (ZWNJ in Persian), they stay.
  assert.equal(quoteaddr("Bob\u00a0Smith <b@y.test>"), "<b@y.test>");
  assert.equal(quoteaddr("\u0645\u06cc\u200c\u0631\u0648@y.test"), "<\u0645\u06cc\u200c\u0631\u0648@y.test>");
});

test("low-level rcpt() with a blank recipient is a TypeError: RCPT TO:<> is never sent (mail() still takes the null sender)", async () => {
  const script = `${greeting([])}C: MAIL FROM:<>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\n`;
  await withScript(script, async (client) => {
    await client.ehlo();
    assert.equal((await client.mail("")).code, 250);
    for (const blank of ["", "<>", " < > "]) await assert.rejects(client.rcpt(blank), TypeError);
    assert.equal((await client.rcpt("b@y.test")).code, 250);
  });
});

test("RFC 5321 §4.5.3.1 sizes are the server's to enforce: a 65-octet local part and a 257-octet path go as given", async () => {
  const long = `${"l".repeat(65)}@y.test`;
  const path257 = `u@${"d".repeat(63)}.${"d".repeat(63)}.${"d".repeat(63)}.${"d".repeat(61)}`;
  assert.equal(quoteaddr(path257).length, 257);
  const script = `${greeting([])}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<${long}>\nS: 250 ok\nC: RCPT TO:<${path257}>\nS: 501 5.1.3 path too long\n${DATA_END}`;
  await withScript(script, async (client) => {
    const refused = await client.sendmail("a@x.test", [long, path257], BODY);
    assert.deepEqual([...refused.keys()], [path257]);
  });
});

test("UTF-8 addresses: SMTPUTF8 added to MAIL where offered (NFD kept as given); SMTPNotSupportedError before MAIL where not", async () => {
  const nfd = "e\u0301@y.test";
  const script = `${greeting(["8BITMIME", "SMTPUTF8"])}C: MAIL FROM:<jörg@bücher.test> SMTPUTF8\nS: 250 ok\nC: RCPT TO:<${nfd}>\nS: 250 ok\n${DATA_END}`;
  await withScript(script, async (client) => {
    assert.equal((await client.sendmail("jörg@bücher.test", nfd, BODY)).size, 0);
  });
  await withScript(greeting(["8BITMIME"]), async (client) => {
    await client.ehlo();
    await assert.rejects(client.sendmail("a@x.test", ["b@y.test", "j@bücher.test"], BODY), SMTPNotSupportedError);
    await assert.rejects(client.sendMessage("From: a@x.test\r\nTo: b@y.test, j@bücher.test\r\n\r\nhi\r\n"), SMTPNotSupportedError);
  });
});

test("sendMessage: an empty group in To, a display name and comments, duplicates sent as Python sends them", async () => {
  const msg = "From: Ann (boss) <a@x.test>\r\nTo: undisclosed-recipients:;\r\nCc: \"Doe, J.\" <b@y.test> (work), b@y.test\r\n\r\nhi\r\n";
  const lines = msg.replace(/\r\n$/, "").split("\r\n").map((l) => `C: ${l}`.trimEnd());
  const script = `${greeting([])}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: DATA\nS: 354 go\n${lines.join("\n")}\nC: .\nS: 250 ok\n`;
  await withScript(script, async (client) => {
    assert.equal((await client.sendMessage(msg)).size, 0);
  });
});

test("sendmail: a comma-separated string or an empty list is a TypeError and sends nothing", async () => {
  await withScript(GREET, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test, c@y.test", BODY), /holds 2 addresses/);
    await assert.rejects(client.sendmail("a@x.test", [], BODY), /no recipients/);
    await assert.rejects(client.sendmail("a@x.test, d@x.test", "b@y.test", BODY), /holds 2 addresses/);
  });
});

test("an internationalized domain is never converted behind the caller's back; given in A-labels it goes without SMTPUTF8", async () => {
  const script = `${greeting(["8BITMIME"])}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<j@xn--bcher-kva.test>\nS: 250 ok\n${DATA_END}`;
  await withScript(script, async (client) => {
    await client.ehlo();
    await assert.rejects(client.sendmail("a@x.test", "j@bücher.test", BODY), SMTPNotSupportedError);
    assert.equal((await client.sendmail("a@x.test", "j@xn--bcher-kva.test", BODY)).size, 0);
  });
});

test("sendMessage: the null sender given as from goes as MAIL FROM:<>; a From: <> header is no sender (TypeError)", async () => {
  const msg = "From: a@x.test\r\nTo: b@y.test\r\n\r\nhi\r\n";
  const script = `${greeting([])}C: MAIL FROM:<>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: DATA\nS: 354 go\nC: From: a@x.test\nC: To: b@y.test\nC:\nC: hi\nC: .\nS: 250 ok\n`;
  await withScript(script, async (client) => {
    assert.equal((await client.sendMessage(msg, "<>")).size, 0);
    await assert.rejects(client.sendMessage("From: <>\r\nTo: b@y.test\r\n\r\nhi\r\n"), TypeError);
  });
});
