// SMTPPool: `await using` waits for every connection's QUIT to be answered, and deliver()
// through the pool takes the `size` call option (the SIZE= of MAIL for a stream body), as SMTP.deliver does.

import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { test } from "node:test";
import { SMTPPool } from "../../src/index.js";
import { lineServer } from "../helpers/line-server.js";

/** Answers everything in lock-step (EHLO offers SIZE); QUIT is answered a moment later, `quitAnswered` set just before. */
async function slowQuitServer(): Promise<{ port: number; lines: string[]; quitAnswered(): boolean; close(): Promise<void> }> {
  const lines: string[] = [];
  let answered = false;
  const server = await lineServer((sock, line) => {
    if (lines.at(-1) === "DATA" && line !== ".") return;
    lines.push(line);
    const verb = line.split(/[ :]/)[0]!.toUpperCase();
    if (verb === "EHLO") sock.write("250-mx.test\r\n250 SIZE 100000\r\n");
    else if (verb === "DATA") sock.write("354 go\r\n");
    else if (verb === "QUIT") {
      setTimeout(() => {
        answered = true;
        sock.end("221 bye\r\n");
      }, 50);
    } else sock.write("250 ok\r\n");
  });
  return { port: server.port, lines, quitAnswered: () => answered, close: server.close };
}

test("await using a pool: leaving the scope waits until each connection's QUIT has been answered", async () => {
  const server = await slowQuitServer();
  try {
    {
      await using pool = new SMTPPool({ host: "127.0.0.1", port: server.port, localHostname: "pool.test" });
      assert.deepEqual(await pool.sendmail("a@x.test", "b@x.test", "hi\r\n"), new Map());
    }
    assert.equal(server.quitAnswered(), true, "the scope was left before the server answered QUIT");
    assert.equal(server.lines.at(-1), "QUIT");
  } finally {
    await server.close();
  }
});

test("pool.deliver() takes the size call option: MAIL says SIZE= with it for a stream body", async () => {
  const server = await slowQuitServer();
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, localHostname: "pool.test" });
  try {
    const delivery = await pool.deliver("a@x.test", "b@x.test", Readable.from([Buffer.from("hi\r\n")]), [], [], { size: 5000 });
    assert.deepEqual(delivery.refused, new Map());
    assert.deepEqual(server.lines.filter((l) => l.startsWith("MAIL")), ["MAIL FROM:<a@x.test> SIZE=5000"]);
  } finally {
    await pool.close();
    await server.close();
  }
});
