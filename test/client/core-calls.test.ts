// The SMTP client's calls: bodies and arguments checked and normalised, the call queue
// (order, failures, async context, size), Python's low-level commands, QUIT, and calls
// aborted by a signal.

import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { Readable } from "node:stream";
import { test } from "node:test";
import { SMTP, SMTPNotSupportedError, SMTPResponseException, SMTPServerDisconnected } from "../../src/index.js";
import { LOCAL, withScript, GREET } from "../helpers/client.js";
import { startScriptServer } from "../helpers/script-server.js";

test("bytes bodies are normalised too: bare CR/LF become CRLF and dots are stuffed (no smuggling)", async () => {
  const script = `${GREET}C: EHLO client.test
S: 250 mx.test
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<b@x.test>
S: 250 ok
C: DATA
S: 354 go
C: a
C: ..
C: b
C: ..
C: c
C: .
S: 250 ok
`;
  await withScript(script, async (client) => {
    await client.sendmail("a@x.test", "b@x.test", Buffer.from("a\n.\nb\r.\rc"));
  });
});

test("CR, LF or NUL anywhere is a TypeError before a byte is sent", async () => {
  await withScript(`${GREET}C: NOOP\nS: 250 ok`, async (client) => {
    await assert.rejects(client.sendmail("a@x.test\r\nRCPT TO:<evil@x>", "b@x.test", "x"), TypeError);
    await assert.rejects(client.sendmail("a@x.test", ["b@x.test", "c@x\n.test"], "x"), TypeError);
    await assert.rejects(client.sendmail("a@x.test", "b@x.test", "x", ["SIZE=1\r\nRSET"]), TypeError);
    await assert.rejects(client.sendmail("a@x.test", "b@x.test", "x", ["BODY= 8BITMIME"]), TypeError);
    await assert.rejects(client.docmd("NOOP\r\nRSET"), TypeError);
    await assert.rejects(client.docmd("NOOP", "a\0b"), TypeError);
    await assert.rejects(client.sendmail("a@x.test", [], "x"), TypeError);
    assert.equal((await client.noop()).code, 250);
  });
});

test("deliver(): a size that is not a whole number of bytes is a RangeError before MAIL", async () => {
  await withScript(`${GREET}C: NOOP\nS: 250 ok`, async (client) => {
    for (const size of [-1, 1.5, Number.NaN]) {
      await assert.rejects(async () => client.deliver("a@x.test", "b@x.test", Readable.from(["x"]), [], [], { size }), RangeError);
    }
    assert.equal((await client.noop()).code, 250);
  });
});

test("concurrent calls never interleave or swap replies", async () => {
  await withScript(`${GREET}C: NOOP\nS: 250 first\nC: VRFY a@x.test\nS: 252 second\nC: NOOP\nS: 250 third`, async (client) => {
    const [a, b, c] = await Promise.all([client.noop(), client.verify("A <a@x.test>"), client.noop()]);
    assert.deepEqual([a.message, b.message, c.message], ["first", "second", "third"]);
  });
});

test("a call that fails inside the queue lets the next one run, in order", async () => {
  await withScript(`${GREET}C: NOOP\nS: 250 first\nC: NOOP\nS: 250 third`, async (client) => {
    const first = client.noop();
    // Refused in its turn (no SMTPUTF8 transaction): nothing is sent, the queue moves on.
    const second = client.rcpt("j\u00f6rg@x.test");
    const third = client.noop();
    assert.equal((await first).message, "first");
    await assert.rejects(second, SMTPNotSupportedError);
    assert.equal((await third).message, "third");
  });
});

test("3,000 queued calls each get their own reply, in order (the call queue compacts as it goes)", async () => {
  const n = 3000;
  const lines = Array.from({ length: n }, (_, i) => `C: NOOP\nS: 250 reply ${i}`).join("\n");
  await withScript(`${GREET}${lines}`, async (client) => {
    const replies = await Promise.all(Array.from({ length: n }, () => client.noop()));
    replies.forEach((reply, i) => assert.equal(reply.message, `reply ${i}`));
  });
});

test("20,000 queued calls all reject when the client's signal aborts: no call starts the next recursively", { timeout: 20_000 }, async () => {
  const ac = new AbortController();
  await withScript(`${GREET}C: NOOP\n-- wait 1000`, async (client) => {
    const calls = Array.from({ length: 20_000 }, () => client.noop());
    setTimeout(() => ac.abort(new Error("stop")), 20);
    const results = await Promise.allSettled(calls);
    assert.ok(results.every((r) => r.status === "rejected" && (r.reason as Error).message === "stop"));
  }, { signal: ac.signal });
});

test("a queued call runs in its own caller's async context (AsyncLocalStorage), not the previous call's", async () => {
  const als = new AsyncLocalStorage<string>();
  const seen: string[] = [];
  const output = (line: string): void => {
    if (line.startsWith("C: NOOP")) seen.push(als.getStore() ?? "none");
  };
  await withScript(`${GREET}C: NOOP\nS: 250 1\nC: NOOP\nS: 250 2\nC: NOOP\nS: 250 3`, async (client) => {
    await Promise.all(["req-1", "req-2", "req-3"].map((id) => als.run(id, () => client.noop())));
    assert.deepEqual(seen, ["req-1", "req-2", "req-3"]);
  }, { debugLevel: 1, debugOutput: output });
});

test("the call queue survives a subclass whose queued work returns a plain value", async () => {
  class Plain extends SMTP {
    plain(): Promise<number> {
      return this.exclusive((() => 42) as unknown as () => Promise<number>);
    }
  }
  const server = await startScriptServer(`${GREET}C: NOOP\nS: 250 first\nC: NOOP\nS: 250 second`);
  const client = new Plain({ localHostname: LOCAL, timeout: 5000 });
  try {
    await client.connect("127.0.0.1", server.port);
    assert.equal(await client.plain(), 42);
    const [first, queued, second] = await Promise.all([client.noop(), client.plain(), client.noop()]);
    assert.deepEqual([first.message, queued, second.message], ["first", 42, "second"]);
  } finally {
    client.close();
    await server.close();
  }
});

test("a reply nobody waits for is discarded, never handed to the next command", async () => {
  await withScript(`${GREET}S: 250 stray\n-- wait 50\nC: NOOP\nS: 250 mine`, async (client) => {
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await client.noop()).message, "mine");
  });
});

test("a 421 nobody asked for (an idle timeout) closes the connection at once: the next call fails unstarted, nothing written (RFC 5321 §3.8)", async () => {
  await withScript(`${GREET}S: 421 4.4.2 mx.test closing: idle too long\n`, async (client) => {
    for (let i = 0; i < 1000 && client.connected; i++) await new Promise((r) => setImmediate(r));
    assert.equal(client.connected, false);
    await assert.rejects(client.noop(), SMTPServerDisconnected);
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "hi\r\n"), SMTPServerDisconnected);
  });
});

test("putcmd/getreply, send/getreply, help, expn, rset as in Python", async () => {
  const script = `${GREET}C: XFOO bar
C: NOOP
S: 250 foo
S: 250 noop
C: NOOP
S: 250 raw
C: HELP
S: 214-line one
S: 214 line two
C: EXPN list
S: 550 no
C: RSET
S: 250 reset
`;
  await withScript(script, async (client) => {
    await client.putcmd("XFOO", "bar");
    await client.putcmd("NOOP");
    assert.equal((await client.getreply()).message, "foo");
    assert.equal((await client.getreply()).message, "noop");
    await client.send("NOOP\r\n");
    assert.equal((await client.getreply()).message, "raw");
    assert.equal(await client.help(), "line one\nline two");
    assert.equal((await client.expn("list")).code, 550);
    assert.equal((await client.rset()).message, "reset");
  });
});

test("verify and expn send the address part of one address, and anything else whole (Python 3.11's parseaddr would drop or join parts)", async () => {
  // Python 3.11.7 sends VRFY a@x.test, VRFY a@x.testjunk and EXPN a@x.test for the last three:
  // part of the argument dropped, or joined into another address. README "Python names and ours" says so.
  const script = `${GREET}C: VRFY j@x.test
S: 250 j
C: VRFY <a@x.test> junk
S: 252 a
C: VRFY a@x.test junk
S: 252 b
C: EXPN a@x.test, b@x.test
S: 252 c
`;
  await withScript(script, async (client) => {
    assert.equal((await client.verify("John <j@x.test>")).message, "j");
    assert.equal((await client.verify("<a@x.test> junk")).message, "a");
    assert.equal((await client.verify("a@x.test junk")).message, "b");
    assert.equal((await client.expn("a@x.test, b@x.test")).message, "c");
  });
});

test("await using sends QUIT; an already closed server is not an error; non-221 throws", async () => {
  const server = await startScriptServer(`${GREET}C: QUIT\nS: 221 bye`);
  {
    await using client = await SMTP.connect("127.0.0.1", server.port, { localHostname: LOCAL });
    assert.equal(client.doesEsmtp, false);
  }
  await server.done;
  assert.equal(server.received(), "QUIT\r\n");
  await server.close();
  const gone = await startScriptServer(`${GREET}-- close`);
  {
    await using client = await SMTP.connect("127.0.0.1", gone.port, { localHostname: LOCAL });
    await new Promise((r) => setTimeout(r, 50));
    void client;
  }
  await gone.close();
  const odd = await startScriptServer(`${GREET}C: QUIT\nS: 500 what`);
  const client = await SMTP.connect("127.0.0.1", odd.port, { localHostname: LOCAL });
  await assert.rejects(client[Symbol.asyncDispose](), SMTPResponseException);
  await odd.close();
});

test("an AbortSignal aborts the call in flight with its reason and closes the socket", async () => {
  const ac = new AbortController();
  await withScript(`${GREET}C: NOOP\n-- wait 1000`, async (client) => {
    const pending = client.noop();
    setTimeout(() => ac.abort(new Error("stop")), 50);
    await assert.rejects(pending, /stop/);
    await assert.rejects(client.noop());
  }, { signal: ac.signal });
});

test("deliver({ signal }): a queued call that is aborted never starts; a started one closes the connection", async () => {
  const script = `${GREET}C: EHLO client.test
S: 250 mx.test
C: MAIL FROM:<a@x.test>
-- wait 1000
`;
  await withScript(script, async (client) => {
    const first = new AbortController();
    const second = new AbortController();
    const a = client.deliver("a@x.test", "b@x.test", "x", [], [], { signal: first.signal });
    const b = client.deliver("c@x.test", "d@x.test", "y", [], [], { signal: second.signal });
    let aSettled = false;
    void a.catch(() => undefined).finally(() => { aSettled = true; });
    second.abort(new Error("not needed"));
    await assert.rejects(b, /not needed/);
    assert.equal(aSettled, false, "the queued call rejected without waiting for the one before it");
    setTimeout(() => first.abort(new Error("too slow")), 100);
    await assert.rejects(a, /too slow/);
    await assert.rejects(client.noop(), SMTPServerDisconnected);
  });
});

/** A server for the abort tests: answers with `answer(line, sock)`, and records every command line. */
async function abortServer(answer: (line: string, sock: import("node:net").Socket) => void): Promise<{ port: number; lines: string[]; close(): void }> {
  const net = await import("node:net");
  const { onLines } = await import("../helpers/lines.js");
  const lines: string[] = [];
  const server = net.createServer((sock) => {
    sock.on("error", () => undefined);
    sock.write("220 mx.test ESMTP\r\n");
    onLines(sock, (line) => {
      lines.push(line);
      answer(line, sock);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { port: (server.address() as { port: number }).port, lines, close: () => server.close() };
}

test("deliver({ signal }) aborted while the greeting it waited for is on its way sends nothing, and the connection stays usable", { timeout: 10_000 }, async () => {
  let ehloSeen!: () => void;
  const ehlo = new Promise<void>((r) => (ehloSeen = r));
  const server = await abortServer((line, sock) => {
    if (line.startsWith("EHLO")) {
      ehloSeen();
      setTimeout(() => sock.write("250-mx.test\r\n250 PIPELINING\r\n"), 100);
    } else if (line.startsWith("NOOP")) sock.write("250 ok\r\n");
    else sock.write("250 ok\r\n");
  });
  const client = await SMTP.connect("127.0.0.1", server.port, { localHostname: "client.test" });
  try {
    const controller = new AbortController();
    const reason = new Error("gave up during EHLO");
    const call = client.deliver("a@x.test", "b@x.test", "x\r\n", [], [], { signal: controller.signal });
    await ehlo;
    controller.abort(reason);
    await assert.rejects(call, (err: unknown) => err === reason);
    assert.equal((await client.noop()).code, 250);
    assert.deepEqual(server.lines.map((l) => l.split(" ")[0]), ["EHLO", "NOOP"], "no MAIL was sent after the abort");
  } finally {
    client.close();
    server.close();
  }
});

test("deliver({ signal }) aborted with its transaction half written closes the connection; the other calls on it fail with SMTPServerDisconnected, not with that call's reason", { timeout: 10_000 }, async () => {
  let mails = 0;
  let secondMail!: () => void;
  const mailSeen = new Promise<void>((r) => (secondMail = r));
  const server = await abortServer((line, sock) => {
    if (line.startsWith("EHLO")) sock.write("250-mx.test\r\n250 PIPELINING\r\n");
    else if (line.startsWith("MAIL") && ++mails === 2) secondMail();
    // Only the first transaction's envelope and DATA are answered; its end of data never is.
    else if (mails === 1 && (line.startsWith("MAIL") || line.startsWith("RCPT"))) sock.write("250 ok\r\n");
    else if (mails === 1 && line === "DATA") sock.write("354 go ahead\r\n");
  });
  const client = await SMTP.connect("127.0.0.1", server.port, { localHostname: "client.test" });
  try {
    await client.ehlo();
    const controller = new AbortController();
    const reason = new Error("second call cancelled");
    // Written whole, waiting for its final reply when the second call is aborted.
    const first = client.sendmail("a@x.test", "b@x.test", "one\r\n");
    const second = client.deliver("c@x.test", "d@x.test", "two\r\n", [], [], { signal: controller.signal });
    // Still queued behind the second: never starts.
    const third = client.noop();
    await mailSeen;
    controller.abort(reason);
    await assert.rejects(second, (err: unknown) => err === reason);
    await assert.rejects(first, (err: unknown) => err instanceof SMTPServerDisconnected && err.cause === reason);
    await assert.rejects(third, (err: unknown) => err instanceof SMTPServerDisconnected);
    assert.equal(client.connected, false);
  } finally {
    client.close();
    server.close();
  }
});
