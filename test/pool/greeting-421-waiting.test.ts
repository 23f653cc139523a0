// SMTPPool: a new connection greeted with 421 (the server busy) fails none of the calls
// waiting for it: each runs on the next connection, sent once. (Only other failures to
// open fail the waiting calls: see connect-failure.test.ts.)

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPPool } from "../../src/index.js";
import { startPeer } from "../tls/peer.js";

test("the first connection greeted with 421: the calls waiting for it are not failed; each is sent once on the next", { timeout: 20_000 }, async () => {
  const peer = await startPeer({ replyInstead: (step, connection) => (step === "greeting" && connection === 0 ? "421 4.3.2 too busy\r\n" : undefined) });
  const pool = new SMTPPool({ host: "127.0.0.1", port: peer.port, maxConnections: 1, localHostname: "pool.test", timeout: 5000 });
  try {
    const results = await Promise.allSettled(["m1", "m2", "m3"].map((m) => pool.sendmail(`${m}@x.test`, "b@x.test", "hi\r\n")));
    assert.deepEqual(results.map((r) => (r.status === "fulfilled" ? "sent" : String(r.reason))), ["sent", "sent", "sent"]);
    assert.equal(peer.connections(), 2);
    assert.deepEqual(peer.commands.filter((c) => c.startsWith("MAIL")).sort(), ["m1", "m2", "m3"].map((m) => `MAIL FROM:<${m}@x.test> SIZE=4`));
  } finally {
    await pool.close();
    await peer.close();
  }
});
