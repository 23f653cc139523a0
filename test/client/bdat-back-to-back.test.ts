/**
 * CHUNKING / BDAT (RFC 3030) transactions written back to back: the RSET that leads each
 * after the first, a reset still due after a refused one, and calls aborted while their
 * pipelined replies are still due.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPRecipientsRefused, SMTPResponseException, SMTPSenderRefused, SMTPServerDisconnected, type SMTP } from "../../src/index.js";
import { assertDelivery } from "../helpers/delivery.js";
import { greeting, withScript } from "../helpers/client.js";
import { onCommands, onLines } from "../helpers/lines.js";
import { EHLO_CHUNKING_PIPELINING } from "../helpers/bdat-scripts.js";

/** The commands of one in-memory transaction to `rcpt`, whose 4-byte message is `m<n>` and CRLF. */
const tx = (rcpt: string, n: number): string => `C: MAIL FROM:<a@x.test>
C: RCPT TO:<${rcpt}>
C: BDAT 4 LAST
C! m${n}\\r\\n
`;

/** Script lines: the replies to tx() with an unknown recipient (Exim's, keeping the sender). */
const REFUSED_WHOLE = `S: 250 ok
S: 550 5.1.1 no such user
S: 503 5.5.1 valid RCPT command must precede BDAT
`;

/** Script lines: the replies to tx() accepted ("first"), then to an RSET and tx() refused as REFUSED_WHOLE. */
const FIRST_THEN_REFUSED = `S: 250 ok
S: 250 ok
S: 250 first
S: 250 reset
${REFUSED_WHOLE}`;

/** Script lines: the second transaction, led by RSET, to b@y.test, accepted ("second"). */
const RESET_THEN_SECOND = `C: RSET
${tx("b@y.test", 2)}S: 250 reset
S: 250 ok
S: 250 ok
S: 250 second
`;

test("pipelined in-memory BDAT, concurrent calls: written back to back without waiting, each after the first led by RSET, so a refused one cannot leave its sender behind", async () => {
  // Exim keeps the sender after refusing BDAT LAST for want of a valid recipient: without
  // an RSET between them the third MAIL would get "503 sender already given" while its
  // message was still delivered (found by the interop scenario bdat-back-to-back). The
  // script lists every command before any reply: the server answers only once all three
  // transactions have arrived, which proves they were written without waiting.
  const script = `${EHLO_CHUNKING_PIPELINING}
${tx("b@y.test", 1)}C: RSET
${tx("nobody@y.test", 2)}C: RSET
${tx("c@y.test", 3)}${FIRST_THEN_REFUSED}S: 250 reset
S: 250 ok
S: 250 ok
S: 250 third
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    const [first, second, third] = await Promise.allSettled([
      client.deliver("a@x.test", "b@y.test", Buffer.from("m1\r\n")),
      client.deliver("a@x.test", "nobody@y.test", Buffer.from("m2\r\n")),
      client.deliver("a@x.test", "c@y.test", Buffer.from("m3\r\n")),
    ]);
    assert.equal(first.status === "fulfilled" && first.value.reply.message, "first");
    assert.ok(second.status === "rejected" && second.reason instanceof SMTPRecipientsRefused);
    assert.deepEqual(third.status === "fulfilled" && [...third.value.delivered.keys()], ["c@y.test"]);
    // No RSET after the refusal: one was written before the third transaction already,
    // and another now would cancel nothing (or, in a longer pipeline, a later transaction).
    assert.equal((await client.noop()).message, "noop here");
  });
});

test("pipelined in-memory BDAT: the last of back-to-back transactions refused -> RSET once its replies are read (nothing was written after it)", async () => {
  const script = `${EHLO_CHUNKING_PIPELINING}
${tx("b@y.test", 1)}C: RSET
${tx("nobody@y.test", 2)}${FIRST_THEN_REFUSED}C: RSET
S: 250 reset
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    const [first, second] = await Promise.allSettled([
      client.sendmail("a@x.test", "b@y.test", Buffer.from("m1\r\n")),
      client.sendmail("a@x.test", "nobody@y.test", Buffer.from("m2\r\n")),
    ]);
    assert.equal(first.status, "fulfilled");
    assert.ok(second.status === "rejected" && second.reason instanceof SMTPRecipientsRefused);
    assert.equal((await client.noop()).message, "noop here");
  });
});

test("pipelined in-memory BDAT: a low-level mail() while a transaction written whole is unread is led by RSET too", async () => {
  const script = `${EHLO_CHUNKING_PIPELINING}
${tx("nobody@y.test", 1)}C: RSET
C: MAIL FROM:<z@x.test>
S: 250 ok
S: 550 5.1.1 no such user
S: 503 5.5.1 valid RCPT command must precede BDAT
S: 250 reset
S: 250 sender ok
C: RSET
S: 250 reset
`;
  await withScript(script, async (client) => {
    const refused = client.sendmail("a@x.test", "nobody@y.test", Buffer.from("m1\r\n"));
    const mail = client.mail("z@x.test");
    await assert.rejects(refused, SMTPRecipientsRefused);
    assert.equal((await mail).message, "sender ok");
    assert.equal((await client.rset()).message, "reset");
  });
});

test("pipelined in-memory BDAT: a raw MAIL (docmd, putcmd) while a transaction written whole is unread is led by RSET, as mail() is", async () => {
  for (const raw of ["docmd", "putcmd"] as const) {
    const script = `${EHLO_CHUNKING_PIPELINING}
${tx("nobody@y.test", 1)}C: RSET
C: MAIL FROM:<z@x.test>
${REFUSED_WHOLE}S: 250 reset
S: 250 sender ok
C: RSET
S: 250 reset
`;
    await withScript(script, async (client) => {
      const refused = client.sendmail("a@x.test", "nobody@y.test", Buffer.from("m1\r\n"));
      const mail = raw === "docmd" ? client.docmd("MAIL FROM:<z@x.test>") : client.putcmd("MAIL", "FROM:<z@x.test>").then(() => client.getreply());
      await assert.rejects(refused, SMTPRecipientsRefused);
      assert.equal((await mail).message, "sender ok", raw);
      assert.equal((await client.rset()).message, "reset");
    });
  }
});

test("pipelined in-memory BDAT: a reset due after a refused whole transaction leads a raw docmd MAIL; a raw RSET settles it (no second RSET)", async () => {
  const script = `${EHLO_CHUNKING_PIPELINING}
${tx("nobody@y.test", 1)}C: NOOP
${REFUSED_WHOLE}S: 250 noop
C: RSET
C: mail FROM:<z@x.test>
S: 250 reset
S: 250 sender ok
C: RSET
S: 250 reset
${tx("nobody@y.test", 2)}C: NOOP
${REFUSED_WHOLE}S: 250 noop
C: RSET
S: 250 user reset
${tx("b@y.test", 3)}S: 250 ok
S: 250 ok
S: 250 third
`;
  await withScript(script, async (client) => {
    await Promise.allSettled([client.sendmail("a@x.test", "nobody@y.test", Buffer.from("m1\r\n")), client.noop()]);
    assert.equal((await client.docmd("mail", "FROM:<z@x.test>")).message, "sender ok");
    assert.equal((await client.docmd("RSET")).message, "reset");
    await Promise.allSettled([client.sendmail("a@x.test", "nobody@y.test", Buffer.from("m2\r\n")), client.noop()]);
    assert.equal((await client.rset()).message, "user reset");
    assert.equal((await client.deliver("a@x.test", "b@y.test", Buffer.from("m3\r\n"))).reply.message, "third");
  });
});

test("pipelined in-memory BDAT: a transaction written whole, refused, with a NOOP written after it -> the next transaction starts with RSET", async () => {
  const script = `${EHLO_CHUNKING_PIPELINING}
${tx("nobody@y.test", 1)}C: NOOP
${REFUSED_WHOLE}S: 250 noop
${RESET_THEN_SECOND}`;
  await withScript(script, async (client) => {
    const [refused, noop] = await Promise.allSettled([client.sendmail("a@x.test", "nobody@y.test", Buffer.from("m1\r\n")), client.noop()]);
    assert.ok(refused.status === "rejected" && refused.reason instanceof SMTPRecipientsRefused);
    assert.equal(noop.status === "fulfilled" && noop.value.message, "noop");
    assert.equal((await client.deliver("a@x.test", "b@y.test", Buffer.from("m2\r\n"))).reply.message, "second");
  });
});

test("pipelined in-memory BDAT: a transaction led by RSET (one before it unread), refused, with a NOOP written after it -> the next transaction starts with RSET too", async () => {
  const script = `${EHLO_CHUNKING_PIPELINING}
${tx("b@y.test", 1)}C: RSET
${tx("nobody@y.test", 2)}C: NOOP
${FIRST_THEN_REFUSED}S: 250 noop
${RESET_THEN_SECOND}`;
  await withScript(script, async (client) => {
    const [first, refused, noop] = await Promise.allSettled([
      client.deliver("a@x.test", "b@y.test", Buffer.from("m1\r\n")), client.sendmail("a@x.test", "nobody@y.test", Buffer.from("m2\r\n")), client.noop(),
    ]);
    assert.equal(first.status === "fulfilled" && first.value.reply.message, "first");
    assert.ok(refused.status === "rejected" && refused.reason instanceof SMTPRecipientsRefused);
    assert.equal(noop.status === "fulfilled" && noop.value.message, "noop");
    assert.equal((await client.deliver("a@x.test", "b@y.test", Buffer.from("m2\r\n"))).reply.message, "second");
  });
});

test("a transaction written whole and refused after STARTTLS was written: no RSET before the STARTTLS reply; the next transaction starts with one", async () => {
  const script = `${greeting(["PIPELINING", "CHUNKING", "STARTTLS"])}
${tx("nobody@y.test", 1)}C: STARTTLS
${REFUSED_WHOLE}S: 454 4.7.0 TLS not available now
${RESET_THEN_SECOND}`;
  await withScript(script, async (client) => {
    const [refused, tls] = await Promise.allSettled([client.sendmail("a@x.test", "nobody@y.test", Buffer.from("m1\r\n")), client.starttls()]);
    assert.ok(refused.status === "rejected" && refused.reason instanceof SMTPRecipientsRefused);
    assert.ok(tls.status === "rejected" && tls.reason instanceof SMTPResponseException && tls.reason.smtpCode === 454);
    assert.equal((await client.deliver("a@x.test", "b@y.test", Buffer.from("m2\r\n"))).reply.message, "second");
  });
});

test("a reset still due when PIPELINING is no longer offered: lock-step RSET alone, then the transaction", async () => {
  const script = `${EHLO_CHUNKING_PIPELINING}
${tx("nobody@y.test", 1)}C: NOOP
${REFUSED_WHOLE}S: 250 noop
C: RSET
S: 250 reset
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<b@y.test>
S: 250 ok
C: BDAT 4 LAST
C! m2\\r\\n
S: 250 second
`;
  await withScript(script, async (client) => {
    await Promise.allSettled([client.sendmail("a@x.test", "nobody@y.test", Buffer.from("m1\r\n")), client.noop()]);
    client.esmtpFeatures.delete("pipelining");
    assert.equal((await client.deliver("a@x.test", "b@y.test", Buffer.from("m2\r\n"))).reply.message, "second");
  });
});

test("pipelined in-memory BDAT, back to back: a refused sender in the first transaction -> SMTPSenderRefused, no RSET of its own (the second began with one), the second delivered", async () => {
  const script = `${EHLO_CHUNKING_PIPELINING}
${tx("b@y.test", 1)}C: RSET
${tx("c@y.test", 2)}S: 553 5.7.1 not you
S: 503 5.5.1 sender first
S: 503 5.5.1 no transaction
S: 250 reset
S: 250 ok
S: 250 ok
S: 250 second
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    const [first, second] = await Promise.allSettled([
      client.sendmail("a@x.test", "b@y.test", Buffer.from("m1\r\n")),
      client.deliver("a@x.test", "c@y.test", Buffer.from("m2\r\n")),
    ]);
    assert.ok(first.status === "rejected" && first.reason instanceof SMTPSenderRefused && first.reason.smtpCode === 553);
    assert.equal(second.status === "fulfilled" && second.value.reply.message, "second");
    assert.equal((await client.noop()).message, "noop here");
  });
});

/** Listens on 127.0.0.1 port 0 and returns a client connected to `server` that has said EHLO. */
async function greetedClient(server: import("node:net").Server): Promise<InstanceType<typeof import("../../src/index.js").SMTP>> {
  const { SMTP } = await import("../../src/index.js");
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const client = await SMTP.connect("127.0.0.1", port, { localHostname: "client.test", timeout: 5_000 });
  await client.ehlo();
  return client;
}

test("pipelined BDAT: deliver({ signal }) aborted once its transaction is all written, its replies due and nothing written behind it: rejects at once and closes the connection; the next call fails at once, having sent nothing", { timeout: 10_000 }, async () => {
  const { createServer } = await import("node:net");
  const commands: string[] = [];
  let lastSeen!: () => void;
  const seen = new Promise<void>((resolve) => (lastSeen = resolve));
  const server = createServer((sock) => {
    sock.on("error", () => undefined);
    sock.write("220 mx.test ESMTP\r\n");
    onCommands(sock, (line) => {
      commands.push(line.split(" ")[0]!);
      if (line.startsWith("EHLO")) sock.write("250-mx.test\r\n250-PIPELINING\r\n250 CHUNKING\r\n");
      // The transaction's replies never come: before, the next call waited for them (up to dataTermination).
      else if (line.startsWith("BDAT")) lastSeen();
    });
  });
  const client = await greetedClient(server);
  try {
    const controller = new AbortController();
    const reason = new Error("caller gave up");
    const first = client.deliver("a@x.test", "b@x.test", "one\r\n", [], [], { signal: controller.signal });
    await seen;
    controller.abort(reason);
    await assert.rejects(first, (err: unknown) => err === reason);
    assert.equal(client.connected, false);
    await assert.rejects(client.sendmail("c@x.test", "d@x.test", "two\r\n"), (err: unknown) => {
      assertDelivery(err, "not-delivered");
      return err instanceof SMTPServerDisconnected;
    });
    assert.deepEqual(commands, ["EHLO", "MAIL", "RCPT", "BDAT"]);
  } finally {
    client.close();
    server.close();
  }
});

test("pipelined BDAT: deliver({ signal }) aborted with its replies due and another call's transaction written behind it keeps the connection: that call goes through", { timeout: 10_000 }, async () => {
  const { createServer } = await import("node:net");
  let bothSeen!: () => void;
  const seen = new Promise<void>((resolve) => (bothSeen = resolve));
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let transactions = 0;
  const server = createServer((sock) => {
    sock.on("error", () => undefined);
    sock.write("220 mx.test ESMTP\r\n");
    onCommands(sock, (line) => {
      if (line.startsWith("EHLO")) sock.write("250-mx.test\r\n250-PIPELINING\r\n250 CHUNKING\r\n");
      else if (line.startsWith("QUIT")) sock.end("221 bye\r\n");
      else {
        // Every reply (RSET's leading the second transaction too) waits until the test has aborted the first call.
        if (line.startsWith("BDAT") && ++transactions === 2) bothSeen();
        void held.then(() => sock.write("250 ok\r\n"));
      }
    });
  });
  const client = await greetedClient(server);
  try {
    const controller = new AbortController();
    const reason = new Error("caller gave up");
    const first = client.deliver("a@x.test", "b@x.test", "one\r\n", [], [], { signal: controller.signal });
    const second = client.sendmail("c@x.test", "d@x.test", "two\r\n");
    await seen;
    controller.abort(reason);
    await assert.rejects(first, (err: unknown) => err === reason);
    assert.equal(client.connected, true, "closing would leave the second call's outcome unknown");
    release();
    assert.deepEqual(await second, new Map());
    await client.quit();
  } finally {
    client.close();
    server.close();
  }
});

test("pipelined BDAT: aborting (the client's signal) while a large message waits for the socket rejects with the abort's reason, even after every recipient was refused", { timeout: 30_000 }, async () => {
  const { createServer } = await import("node:net");
  const { SMTP } = await import("../../src/index.js");
  let refusedBoth!: () => void;
  const refusals = new Promise<void>((resolve) => (refusedBoth = resolve));
  const server = createServer((sock) => {
    sock.on("error", () => undefined);
    sock.write("220 mx.test ESMTP\r\n");
    onLines(sock, (line) => {
      if (line.startsWith("EHLO")) sock.write("250-mx.test\r\n250-PIPELINING\r\n250 CHUNKING\r\n");
      else if (line.startsWith("MAIL")) sock.write("250 2.1.0 ok\r\n");
      else if (line.startsWith("RCPT")) {
        sock.write("550 5.1.1 no such user\r\n");
        if (line.includes("c@")) {
          // Reads nothing more: the client's writes back up until it is aborted.
          sock.pause();
          setTimeout(refusedBoth, 100);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const controller = new AbortController();
  const reason = new Error("stopped by the caller");
  const client = await SMTP.connect("127.0.0.1", port, { localHostname: "client.test", timeout: 10_000, signal: controller.signal });
  try {
    const call = client.sendmail("a@x.test", ["b@x.test", "c@x.test"], Buffer.alloc(32 * 1024 * 1024, 0x61));
    await refusals;
    controller.abort(reason);
    await assert.rejects(call, (err: unknown) => err === reason);
  } finally {
    client.close();
    server.close();
  }
});

test("pipelined in-memory BDAT: a raw send() whose first line is MAIL, while a transaction written whole is unread, is led by RSET, as docmd's is; getreply() reads MAIL's reply", async () => {
  const script = `${EHLO_CHUNKING_PIPELINING}
${tx("nobody@y.test", 1)}C: RSET
C: MAIL FROM:<z@x.test>
C: RCPT TO:<b@y.test>
${REFUSED_WHOLE}S: 250 reset
S: 250 sender ok
S: 250 rcpt ok
C: RSET
S: 250 reset
`;
  await withScript(script, async (client) => {
    const refused = client.sendmail("a@x.test", "nobody@y.test", Buffer.from("m1\r\n"));
    await client.send("MAIL FROM:<z@x.test>\r\nRCPT TO:<b@y.test>\r\n");
    await assert.rejects(refused, SMTPRecipientsRefused);
    assert.equal((await client.getreply()).message, "sender ok");
    assert.equal((await client.getreply()).message, "rcpt ok");
    assert.equal((await client.rset()).message, "reset");
  });
});

test("pipelined in-memory BDAT: a raw send() is led by RSET only where a MAIL line begins it: not one that begins with another line, nor the rest of a MAIL line cut over two sends", async () => {
  const script = `${EHLO_CHUNKING_PIPELINING}
${tx("nobody@y.test", 1)}C: NOOP
C: MAIL FROM:<z@x.test>
${REFUSED_WHOLE}S: 250 noop
S: 250 sender ok
C: MAIL FROM:<y@x.test>
S: 503 5.5.1 sender already given
`;
  await withScript(script, async (client) => {
    const refused = client.sendmail("a@x.test", "nobody@y.test", Buffer.from("m1\r\n"));
    await client.send("NOOP\r\nMAIL FROM:<z@x.test>\r\n");
    await assert.rejects(refused, SMTPRecipientsRefused);
    assert.equal((await client.getreply()).message, "noop");
    assert.equal((await client.getreply()).message, "sender ok");
    await client.send("MAIL FR");
    await client.send("OM:<y@x.test>\r\n");
    assert.equal((await client.getreply()).code, 503);
  });
});

test("pipelined in-memory BDAT: a raw send() led by RSET keeps the reply held for getreply() from the send() before it", async () => {
  const script = `${EHLO_CHUNKING_PIPELINING}
${tx("nobody@y.test", 1)}C: NOOP
${REFUSED_WHOLE}S: 250 noop
C: RSET
C: MAIL FROM:<z@x.test>
S: 250 reset
S: 250 sender ok
`;
  await withScript(script, async (client) => {
    const refused = client.sendmail("a@x.test", "nobody@y.test", Buffer.from("m1\r\n"));
    await client.send("NOOP\r\n");
    // The NOOP's reply came with the envelope's, and is held for getreply().
    await assert.rejects(refused, SMTPRecipientsRefused);
    await client.send("MAIL FROM:<z@x.test>\r\n");
    assert.equal((await client.getreply()).message, "noop");
    assert.equal((await client.getreply()).message, "sender ok");
  });
});

/** A raw MAIL written after a raw RCPT whose reply is still due: with send() (its first line), and with putcmd(). */
const RAW_MAIL_WAYS: { name: string; write: (client: SMTP) => Promise<void> }[] = [
  { name: "a raw send() whose first line is MAIL", write: (client) => client.send("MAIL FROM:<z@x.test>\r\n") },
  { name: "a raw putcmd() MAIL", write: (client) => client.putcmd("MAIL", "FROM:<z@x.test>") },
];

for (const { name, write } of RAW_MAIL_WAYS) {
  test(`pipelined in-memory BDAT: ${name} is not led by RSET while the reply to an earlier send()'s line is still due (it would reach the RSET): getreply() reads that reply, then MAIL's`, async () => {
    const script = `${EHLO_CHUNKING_PIPELINING}
${tx("nobody@y.test", 1)}C: RCPT TO:<x@y.test>
C: MAIL FROM:<z@x.test>
${REFUSED_WHOLE}S: 550 5.1.1 no x
S: 250 sender ok
`;
    await withScript(script, async (client) => {
      const refused = client.sendmail("a@x.test", "nobody@y.test", Buffer.from("m1\r\n"));
      await client.send("RCPT TO:<x@y.test>\r\n");
      await write(client);
      await assert.rejects(refused, SMTPRecipientsRefused);
      assert.equal((await client.getreply()).message, "5.1.1 no x");
      assert.equal((await client.getreply()).message, "sender ok");
    });
  });
}
