/**
 * CHUNKING / BDAT (RFC 3030) refusals: a refused sender, recipients or chunk, pipelined and
 * lock-step, what is (not) sent after them, and a server that refuses and hangs up while a
 * large message is written.
 */

import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { Readable } from "node:stream";
import { test } from "node:test";
import { SMTPDataError, SMTPRecipientsRefused, SMTPSenderRefused, SMTPServerDisconnected } from "../../src/index.js";
import { withScript } from "../helpers/client.js";
import { scriptEscape } from "../helpers/flow-trace.js";
import { onCommands, onLines } from "../helpers/lines.js";
import { EHLO_CHUNKING_PIPELINING, EHLO_CHUNKING, KIB, bigBody, chunkedScript } from "../helpers/bdat-scripts.js";

test("pipelined BDAT: a refused recipient is reported, the rest delivered", async () => {
  const script = `${EHLO_CHUNKING_PIPELINING}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
C: RCPT TO:<c@y.test>
C: BDAT 4 LAST
C! hi\\r\\n
S: 250 ok
S: 550 5.1.1 no b
S: 250 ok
S: 250 queued
`;
  await withScript(script, async (client) => {
    const d = await client.deliver("a@x.test", ["b@y.test", "c@y.test"], Buffer.from("hi\r\n"));
    assert.deepEqual([...d.refused.keys()], ["b@y.test"]);
    assert.deepEqual([...d.delivered.keys()], ["c@y.test"]);
  });
});

test("pipelined BDAT: a refused sender -> the BDAT reply is read, RSET, SMTPSenderRefused, next command in step", async () => {
  const script = `${EHLO_CHUNKING_PIPELINING}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
C: BDAT 4 LAST
C! hi\\r\\n
S: 553 5.7.1 not you
S: 250 ok
S: 503 5.5.1 no transaction
C: RSET
S: 250 reset
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", Buffer.from("hi\r\n")), (err: unknown) =>
      err instanceof SMTPSenderRefused && err.smtpCode === 553);
    assert.equal((await client.noop()).message, "noop here");
  });
});

test("pipelined BDAT: every recipient refused -> RSET, SMTPRecipientsRefused", async () => {
  const script = `${EHLO_CHUNKING_PIPELINING}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
C: RCPT TO:<c@y.test>
C: BDAT 4 LAST
C! hi\\r\\n
S: 250 ok
S: 550 no b
S: 551 no c
S: 554 5.5.1 no valid recipients
C: RSET
S: 250 reset
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", ["b@y.test", "c@y.test"], Buffer.from("hi\r\n")), (err: unknown) => {
      assert.ok(err instanceof SMTPRecipientsRefused);
      assert.deepEqual([...err.recipients].map(([k, v]) => [k, v.code]), [["b@y.test", 550], ["c@y.test", 551]]);
      return true;
    });
    assert.equal((await client.noop()).message, "noop here");
  });
});

test("pipelined BDAT: a 421 to RCPT closes the connection, no further bytes", async () => {
  const script = `${EHLO_CHUNKING_PIPELINING}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
C: BDAT 4 LAST
C! hi\\r\\n
S: 250 ok
S: 421 4.3.2 going down
-- close
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", Buffer.from("hi\r\n")), SMTPRecipientsRefused);
    await assert.rejects(client.noop(), SMTPServerDisconnected);
  });
});

test("lock-step BDAT: every recipient refused -> RSET without sending the data", async () => {
  const script = `${EHLO_CHUNKING}
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<b@y.test>
S: 550 no b
C: RSET
S: 250 reset
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", Buffer.from("hi\r\n")), SMTPRecipientsRefused);
  });
});

test("BDAT LAST refused: SMTPDataError; lock-step sends RSET, the connection stays usable", async () => {
  const script = `${EHLO_CHUNKING}
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<b@y.test>
S: 250 ok
C: BDAT 4 LAST
C! hi\\r\\n
S: 552 5.3.4 too big
C: RSET
S: 250 reset
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", Buffer.from("hi\r\n")), (err: unknown) =>
      err instanceof SMTPDataError && err.smtpCode === 552 && err.enhancedStatus === "5.3.4");
    assert.equal((await client.noop()).message, "noop here");
  });
});

test("pipelined BDAT LAST refused: SMTPDataError, no RSET (the chunk ended the transaction)", async () => {
  const script = `${EHLO_CHUNKING_PIPELINING}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
C: BDAT 4 LAST
C! hi\\r\\n
S: 250 ok
S: 250 ok
S: 554 5.6.0 rejected content
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", Buffer.from("hi\r\n")), SMTPDataError);
    assert.equal((await client.noop()).message, "noop here");
  });
});

test("lock-step BDAT: a refused middle chunk -> RSET, SMTPDataError, the rest not sent", async () => {
  const { chunks, whole } = bigBody();
  const first = whole.subarray(0, 256 * KIB).toString("latin1");
  const script = `${EHLO_CHUNKING}
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<b@y.test>
S: 250 ok
C: BDAT ${256 * KIB}
C! ${scriptEscape(first)}
S: 552 5.3.4 message too big
C: RSET
S: 250 reset
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", Readable.from(chunks)), (err: unknown) =>
      err instanceof SMTPDataError && err.smtpCode === 552);
    assert.equal((await client.noop()).message, "noop here");
  });
});

test("pipelined BDAT: a refused middle chunk -> SMTPDataError after reading every reply, RSET", async () => {
  const { chunks, whole } = bigBody();
  const script = chunkedScript(whole, true).replace("S: 250 chunk 1", "S: 552 5.3.4 too big").replace("S: 250 chunk 2", "S: 503 5.5.1 no transaction")
    .replace("S: 250 queued", "S: 503 5.5.1 no transaction") + `C: RSET
S: 250 reset
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", Readable.from(chunks)), (err: unknown) =>
      err instanceof SMTPDataError && err.smtpCode === 552);
    assert.equal((await client.noop()).message, "noop here");
  });
});

test("pipelined BDAT with a slow stream: once the sender is known refused, the rest of the stream is not sent (no BDAT at all), RSET", async () => {
  const { chunks } = bigBody();
  const script = `${EHLO_CHUNKING_PIPELINING}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
S: 550 5.7.1 sender refused
S: 250 ok
C: RSET
S: 250 reset
`;
  let pulled = 0;
  await withScript(script, async (client) => {
    async function* slow(): AsyncGenerator<Buffer> {
      for (const c of chunks) {
        await new Promise((r) => setTimeout(r, 40)); // the refusal arrives long before 256 KiB are read
        pulled++;
        yield c;
      }
    }
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", slow()), SMTPSenderRefused);
  });
  assert.equal(pulled, 4); // stopped at the first full chunk, not read to its end
});

test("pipelined BDAT with a slow stream: once every recipient is known refused (the sender accepted), the rest of the stream is not sent (no BDAT at all), RSET", async () => {
  const { chunks } = bigBody();
  const script = `${EHLO_CHUNKING_PIPELINING}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
C: RCPT TO:<c@y.test>
S: 250 ok
S: 550 5.1.1 no b
S: 551 5.1.6 c moved
C: RSET
S: 250 reset
`;
  let pulled = 0;
  await withScript(script, async (client) => {
    async function* slow(): AsyncGenerator<Buffer> {
      for (const c of chunks) {
        await new Promise((r) => setTimeout(r, 40)); // the refusals arrive long before 256 KiB are read
        pulled++;
        yield c;
      }
    }
    await assert.rejects(client.sendmail("a@x.test", ["b@y.test", "c@y.test"], slow()), (err: unknown) =>
      err instanceof SMTPRecipientsRefused && [...err.recipients].map(([k, v]) => `${k} ${v.code}`).join(",") === "b@y.test 550,c@y.test 551");
  });
  assert.equal(pulled, 4); // stopped at the first full chunk, not read to its end
});

test("pipelined BDAT with a slow stream: after a refused chunk no further BDAT is sent (RFC 3030 §2), and the call fails with that refusal", { timeout: 30_000 }, async () => {
  const { createServer } = await import("node:net");
  const { SMTP } = await import("../../src/index.js");
  const seen: string[] = [];
  const server = createServer((sock) => {
    sock.on("error", () => undefined);
    sock.write("220 mx.test ESMTP\r\n");
    onCommands(sock, (line) => {
      seen.push(line.split(" ").slice(0, 3).join(" "));
      if (line.startsWith("BDAT")) {
        // The first chunk is refused; any later BDAT (pipelined already) is discarded.
        sock.write(seen.filter((l) => l.startsWith("BDAT")).length === 1 ? "552 5.3.4 message too big\r\n" : "503 5.5.1 discarded\r\n");
      } else if (line.startsWith("EHLO")) sock.write("250-mx.test\r\n250-PIPELINING\r\n250 CHUNKING\r\n");
      else sock.write("250 ok\r\n");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const client = await SMTP.connect("127.0.0.1", (server.address() as { port: number }).port, { localHostname: "client.test", timeout: 10_000 });
  let pulled = 0;
  async function* slow(): AsyncGenerator<Buffer> {
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 50)); // the refusal arrives while the stream is still being read
      pulled++;
      yield Buffer.alloc(256 * 1024, 0x61);
    }
  }
  try {
    await assert.rejects(client.sendmail("a@x.test", "b@x.test", slow()), (err: unknown) => err instanceof SMTPDataError && err.smtpCode === 552);
    const bdats = seen.filter((l) => l.startsWith("BDAT"));
    assert.ok(bdats.length < 4 && !bdats.some((l) => l.includes("LAST")), `BDAT commands after the refusal: ${bdats.join(", ")}`);
    assert.ok(pulled < 10, `the stream was read to its end (${pulled} chunks)`);
  } finally {
    client.close();
    server.close();
  }
});

/**
 * Pipelined BDAT of a large message, in memory and streamed, to a server that answers the
 * envelope's lines with `onEnvelope` (which refuses and hangs up) while the message is still
 * being written: the call must reject with the refusal (`isRefusal`), not a bare disconnect.
 */
async function refusedThenHungUp(onEnvelope: (line: string, sock: Socket) => void, to: string[], isRefusal: (err: unknown) => boolean): Promise<void> {
  const { createServer } = await import("node:net");
  const { SMTP } = await import("../../src/index.js");
  const server = createServer((sock) => {
    sock.on("error", () => undefined);
    sock.write("220 mx.test ESMTP\r\n");
    onLines(sock, (line) => {
      if (line.startsWith("EHLO")) sock.write("250-mx.test\r\n250-PIPELINING\r\n250 CHUNKING\r\n");
      else onEnvelope(line, sock);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  try {
    for (const body of [(): Buffer => Buffer.alloc(20 * 1024 * 1024, 0x61), async function* (): AsyncGenerator<Buffer> {
      for (let i = 0; i < 80; i++) yield Buffer.alloc(256 * 1024, 0x61);
    }]) {
      const client = await SMTP.connect("127.0.0.1", port, { localHostname: "client.test", timeout: 10_000 });
      try {
        await assert.rejects(client.sendmail("a@x.test", to, body()), isRefusal);
      } finally {
        client.close();
      }
    }
  } finally {
    server.close();
  }
}

test("pipelined BDAT: a server that refuses MAIL and hangs up while a large message is written gets SMTPSenderRefused, not a bare disconnect", { timeout: 30_000 }, async () => {
  await refusedThenHungUp((line, sock) => {
    if (!line.startsWith("MAIL")) return;
    sock.write("554 5.7.1 sender blocked\r\n");
    sock.destroy();
  }, ["b@x.test"], (err) => err instanceof SMTPSenderRefused && err.smtpCode === 554);
});

test("pipelined BDAT: a server that refuses every recipient and hangs up while a large message is written gets SMTPRecipientsRefused, not a bare disconnect", { timeout: 30_000 }, async () => {
  await refusedThenHungUp((line, sock) => {
    if (line.startsWith("MAIL")) sock.write("250 2.1.0 ok\r\n");
    if (!line.startsWith("RCPT")) return;
    sock.write(line.includes("b@") ? "550 5.1.1 no such user b\r\n" : "550 5.1.1 no such user c\r\n");
    // Hangs up a moment later, so that the refusals are read first: closed at once, the
    // reset can end the connection before they are read, and a disconnect is then all
    // that is known.
    if (line.includes("c@")) setTimeout(() => sock.destroy(), 100);
  }, ["b@x.test", "c@x.test"], (err) => err instanceof SMTPRecipientsRefused && err.recipients.size === 2
    && err.recipients.get("b@x.test")?.code === 550 && err.recipients.get("c@x.test")?.message === "5.1.1 no such user c");
});
