/**
 * A pool's debug transcript: the lines of connections open at once interleave, so each
 * line begins with its connection's number (`[1] C: MAIL FROM:<...>`).
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPPool } from "../../src/index.js";
import { startDebugServer } from "../../src/server/debug-server.js";

test("pool debug lines begin with their connection's number; each connection's lines are a whole session", { timeout: 20_000 }, async () => {
  const server = await startDebugServer({});
  const lines: string[] = [];
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, maxConnections: 2, localHostname: "pool.test", timeout: 5000, debugLevel: 1, debugOutput: (line) => lines.push(line) });
  try {
    await Promise.all(["m1", "m2", "m3", "m4"].map((m) => pool.sendmail(`${m}@x.test`, "b@x.test", `Subject: ${m}\r\n\r\nhi\r\n`)));
  } finally {
    await pool.close();
    await server.close();
  }
  assert.ok(lines.length > 0);
  for (const line of lines) assert.match(line, /^\[[12]\] /);
  const ids = new Set(lines.map((line) => line.slice(0, 3)));
  for (const id of ids) {
    const own = lines.filter((line) => line.startsWith(id)).map((line) => line.slice(4));
    assert.match(own[0]!, /^connect/, `${id}'s first line`);
    assert.ok(own.includes("C: QUIT"), `${id} says QUIT`);
  }
  // every MAIL was said by one of them
  assert.equal(lines.filter((line) => / C: MAIL FROM:/.test(line)).length, 4);
});

test("a pool without a debug level writes no debug line", { timeout: 20_000 }, async () => {
  const server = await startDebugServer({});
  const lines: string[] = [];
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, localHostname: "pool.test", timeout: 5000, debugOutput: (line) => lines.push(line) });
  try {
    await pool.sendmail("a@x.test", "b@x.test", "hi\r\n");
  } finally {
    await pool.close();
    await server.close();
  }
  assert.deepEqual(lines, []);
});
