/**
 * SMTPPool with PIPELINING: a call whose envelope went behind another call's end of data,
 * on the same connection, when that end of data timed out (the connection then closes).
 * Its message was never sent, so the pool runs it again on another connection, as it does
 * for a call the connection's close met before its turn; the call ahead, which may have
 * been delivered, is never run again.
 */

import assert from "node:assert/strict";
import type net from "node:net";
import { test } from "node:test";
import { SMTPServer } from "smtp-server";
import { SMTPPool, SMTPTimeoutError } from "../../src/index.js";

test("pool: a call pipelined behind an end of data that timed out runs again on another connection, and is delivered once", async () => {
  const received: string[] = [];
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ["STARTTLS"], logger: false,
    onData(stream, _session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const text = Buffer.concat(chunks).toString();
        received.push(text.trim());
        // The first message's reply comes after the client's dataTermination timeout.
        if (text.startsWith("slow")) setTimeout(() => cb(), 1500);
        else cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as net.AddressInfo).port;
  const pool = new SMTPPool({ host: "127.0.0.1", port, maxConnections: 1, localHostname: "pool.test", timeouts: { dataTermination: 300 } });
  try {
    const slow = pool.sendmail("a@x.test", "b@x.test", "slow\r\n");
    const behind = pool.sendmail("a@x.test", "c@x.test", "behind\r\n");
    await assert.rejects(slow, (err: unknown) => err instanceof SMTPTimeoutError && /may have been delivered/.test(err.message));
    assert.deepEqual(await behind, new Map());
    assert.deepEqual(received.filter((m) => m === "behind"), ["behind"]);
    assert.deepEqual(received.filter((m) => m === "slow"), ["slow"], "the call ahead is not run again");
  } finally {
    await pool.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
