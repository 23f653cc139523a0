/**
 * A Unix socket path longer than `sun_path` (108 bytes on Linux, 104 elsewhere): Node cuts
 * it to that length without a word, so the client would connect to the socket that the
 * shorter path names. It is refused instead, before connecting.
 */

import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { LMTP, SMTPConnectError } from "../../src/index.js";

const SUN_PATH = process.platform === "linux" ? 108 : 104;

test("LMTP to a path over sun_path: SMTPConnectError naming the length, never the socket of its prefix", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "sun-"));
  // A socket whose path is exactly sun_path bytes long, and one three bytes longer.
  const fits = path.join(dir, "s".repeat(SUN_PATH - dir.length - 1));
  assert.equal(Buffer.byteLength(fits), SUN_PATH);
  const tooLong = `${fits}xyz`;
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted += 1;
    socket.end("220 wrong.socket LMTP\r\n");
  });
  await new Promise<void>((resolve) => server.listen(fits, resolve));
  const client = new LMTP({ timeout: 5000, localHostname: "client.test" });
  try {
    const err = await client.connect(tooLong).then(() => assert.fail("connected"), (e: unknown) => e);
    assert.ok(err instanceof SMTPConnectError, String(err));
    assert.equal(err.smtpError, `Could not connect to ${tooLong}: the Unix socket path is ${SUN_PATH + 3} bytes long, over the ${SUN_PATH} a socket address holds`);
    assert.equal((err.cause as NodeJS.ErrnoException).code, "ENAMETOOLONG");
    assert.equal(accepted, 0, "no connection to the socket of the path's first bytes");
    // The path that fits connects.
    assert.equal((await client.connect(fits)).code, 220);
  } finally {
    client.close();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  }
});
