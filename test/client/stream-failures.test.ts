/**
 * Streamed message bodies that go wrong: a stream that throws, is destroyed or yields a
 * bad value midway (the connection closes, no "." ends a partial message), a server that
 * stops reading, and a stream that stops yielding.
 */

import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { test } from "node:test";
import { SMTPServerDisconnected } from "../../src/index.js";
import { LOCK_STEP_TO_DATA, PIPELINED_GROUP, withScript, EHLO_PIPELINING, EHLO_SIZE_8BITMIME as EHLO } from "../helpers/client.js";
import { onLines } from "../helpers/lines.js";

const STREAM_FAILS = `${EHLO}
${LOCK_STEP_TO_DATA}C: first line
`;

test("a stream that throws midway: the error surfaces, the connection is closed (no '.' ends a partial message), later calls fail cleanly", async () => {
  const boom = new Error("disk read failed");
  await withScript(STREAM_FAILS, async (client, server) => {
    async function* gen(): AsyncGenerator<string> {
      yield "first line\r\n";
      await new Promise((r) => setTimeout(r, 20));
      throw boom;
    }
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", gen()), (err: unknown) => err === boom);
    await assert.rejects(client.noop(), SMTPServerDisconnected);
    await server.done;
    // Nothing after the partial data: no "." (which would deliver a truncated message), no NOOP.
    assert.equal(server.received().endsWith("first line\r\n"), true);
  });
});

test("a Readable that is destroyed with an error midway behaves the same", async () => {
  const boom = new Error("upstream reset");
  await withScript(STREAM_FAILS, async (client) => {
    let n = 0;
    const body = new Readable({
      read() {
        if (n++ === 0) this.push("first line\r\n");
        else setTimeout(() => this.destroy(boom), 10);
      },
    });
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", body), (err: unknown) => err === boom);
    await assert.rejects(client.noop(), SMTPServerDisconnected);
  });
});

test("a stream yielding something that is neither bytes nor a string: TypeError, connection closed", async () => {
  await withScript(STREAM_FAILS, async (client) => {
    async function* gen(): AsyncGenerator<unknown> {
      yield "first line\r\n";
      yield 42;
    }
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", gen() as AsyncIterable<string>), TypeError);
    await assert.rejects(client.noop(), SMTPServerDisconnected);
  });
});

test("a failing stream in a pipelined sendmail: calls queued behind it fail instead of hanging", async () => {
  const script = `${EHLO_PIPELINING}
${PIPELINED_GROUP}S: 250 ok
S: 250 ok
S: 354 go
C: first line
`;
  const boom = new Error("source failed");
  await withScript(script, async (client) => {
    async function* gen(): AsyncGenerator<string> {
      yield "first line\r\n";
      await new Promise((r) => setTimeout(r, 20));
      throw boom;
    }
    const first = client.sendmail("a@x.test", "b@y.test", gen());
    const second = client.sendmail("a@x.test", "c@y.test", "second\r\n");
    await assert.rejects(first, (err: unknown) => err === boom);
    await assert.rejects(second, SMTPServerDisconnected);
  });
});

test("low-level data() with a failing stream also closes the connection", async () => {
  const script = `${EHLO}
${LOCK_STEP_TO_DATA}C: first line
`;
  const boom = new Error("nope");
  await withScript(script, async (client) => {
    await client.ehlo();
    await client.mail("a@x.test");
    await client.rcpt("b@y.test");
    async function* gen(): AsyncGenerator<string> {
      yield "first line\r\n";
      throw boom;
    }
    await assert.rejects(client.data(gen()), (err: unknown) => err === boom);
    await assert.rejects(client.noop(), SMTPServerDisconnected);
  });
});

test("a server that stops reading the data: SMTPTimeoutError (dataBlock) after the stall limit, connection closed", async () => {
  const net = await import("node:net");
  const { SMTP, SMTPTimeoutError } = await import("../../src/index.js");
  const sockets: import("node:net").Socket[] = [];
  const server = net.createServer((s) => {
    sockets.push(s);
    s.write("220 mx.test\r\n");
    let seen = "";
    s.on("data", (d: Buffer) => {
      seen += d.toString("latin1");
      if (seen.includes("DATA\r\n")) {
        s.removeAllListeners("data");
        s.write("250 ok\r\n250 ok\r\n354 go\r\n");
        s.pause(); // never reads the message: the client's writes stall
      } else if (seen.endsWith("\r\n") && !seen.includes("MAIL")) {
        s.write("250-mx.test\r\n250 PIPELINING\r\n");
      }
    });
    s.on("error", () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  const client = await SMTP.connect("127.0.0.1", port, { localHostname: "client.test", timeouts: { command: 5000, dataInitiation: 5000, dataBlock: 300 } });
  const chunk = Buffer.alloc(256 * 1024, 0x61);
  async function* endless(): AsyncGenerator<Buffer> {
    for (let i = 0; i < 4096; i++) yield chunk; // up to 1 GiB: far beyond any socket buffer
  }
  try {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", endless()), (err: unknown) =>
      err instanceof SMTPTimeoutError && err.phase === "dataBlock" && err.timeout === 300);
    await assert.rejects(client.noop(), SMTPServerDisconnected);
  } finally {
    client.close();
    for (const s of sockets) s.destroy(); // a paused socket would never see the close
    await new Promise((r) => server.close(r));
  }
});

test("a body stream that stops yielding ends with the connection (the server hangs up, or close()): the call and those queued behind it settle", { timeout: 20_000 }, async () => {
  const { createServer } = await import("node:net");
  const { SMTP } = await import("../../src/index.js");
  for (const extensions of [["PIPELINING"], ["PIPELINING", "CHUNKING"], ["CHUNKING"], []]) {
    for (const hangUp of ["server", "client"] as const) {
      // The server takes the envelope, then (when hangUp is "server") closes 300 ms later,
      // while the client waits for the stream's second chunk.
      const server = createServer((sock) => {
        sock.on("error", () => undefined);
        sock.write("220 mx.test ESMTP\r\n");
        let inData = false;
        onLines(sock, (line) => {
          if (inData) return;
          const verb = line.split(" ")[0]!.toUpperCase();
          if (verb === "EHLO") sock.write(["mx.test", ...extensions].map((e, k, all) => `${k === all.length - 1 ? "250 " : "250-"}${e}\r\n`).join(""));
          else if (verb === "DATA") { inData = true; sock.write("354 go\r\n"); }
          else if (verb === "BDAT") inData = true;
          else sock.write("250 ok\r\n");
          if (verb === "RCPT" && hangUp === "server") setTimeout(() => sock.destroy(), 300);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const client = await SMTP.connect("127.0.0.1", (server.address() as { port: number }).port, { localHostname: "client.test", timeout: 60_000 });
      async function* stalls(): AsyncGenerator<Buffer> {
        yield Buffer.alloc(300 * 1024, "a"); // one chunk (over BDAT it is held back for LAST)
        await new Promise(() => undefined); // and then nothing, ever
      }
      try {
        const sending = client.sendmail("a@x.test", "b@x.test", stalls());
        const queued = client.noop();
        sending.catch(() => undefined);
        queued.catch(() => undefined);
        if (hangUp === "client") {
          await new Promise((r) => setTimeout(r, 200));
          client.close();
        }
        await assert.rejects(sending, SMTPServerDisconnected, `${extensions.join("+") || "plain"}, ${hangUp} hangs up`);
        await assert.rejects(queued, SMTPServerDisconnected);
      } finally {
        client.close();
        server.close();
      }
    }
  }
});
