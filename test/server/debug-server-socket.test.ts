// The debugging server on a Unix socket (`path`), as LMTP servers such as Dovecot's listen:
// the library's LMTP client reaches it by the path, one reply per recipient; SMTP works
// there too; the transcript names the peer a local process; the socket file goes on close();
// a file already at the path is kept (EADDRINUSE); `path` beside `host` or `port` is refused.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { existsSync } from "node:fs";
import { writeFile, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:net";
import { once } from "node:events";
import { LMTP } from "../../src/index.js";
import { startDebugServer } from "../../src/server/debug-server.js";
import { RawClient } from "../helpers/debug-client.js";
import { withTempDir } from "../helpers/temp-dir.js";

const inTempDir = (body: (dir: string) => Promise<void>): Promise<void> => withTempDir("socket", body);

test("path: an LMTP server on a Unix socket; LMTP.connect(server.host) delivers, one reply per recipient; the socket is removed on close()", async () => {
  await inTempDir(async (dir) => {
    const path = join(dir, "lmtp.sock");
    const server = await startDebugServer({ lmtp: true, path, refuseAfterData: ["full@example.test"] });
    assert.equal(server.host, path);
    assert.equal(server.port, 0);
    assert.ok(existsSync(path));
    const client = await LMTP.connect(server.host);
    const refused = await client.sendmail("a@example.org", ["b@example.test", "full@example.test"], "Subject: x\r\n\r\nhi\r\n");
    assert.deepEqual([...refused.keys()], ["full@example.test"]);
    await client.quit();
    assert.equal(server.messages.length, 1);
    assert.deepEqual(server.messages[0]!.envelope.rcptTo, ["b@example.test", "full@example.test"]);
    assert.equal(server.transcript[0]!.line, "connection from a local process (Unix socket)");
    await server.close();
    assert.ok(!existsSync(path), "the socket file is gone");
  });
});

test("path: SMTP on a Unix socket too (a raw client), and a client past maxClients there is named in the transcript", async () => {
  await inTempDir(async (dir) => {
    const path = join(dir, "smtp.sock");
    const server = await startDebugServer({ path, maxClients: 1 });
    try {
      const socket = connect(path);
      await once(socket, "connect");
      const c = new RawClient(socket);
      assert.match(await c.reply(), /^220 smtplib-debug ESMTP /);
      assert.match(await c.cmd("EHLO client.example"), /^250-smtplib-debug /);
      const second = connect(path).resume(); // read, so that the server's end is seen
      await once(second, "close");
      assert.ok(server.transcript.some((e) => e.line.startsWith("connection from a local process (Unix socket) refused: the server already has its 1 client(s)")));
      assert.match(await c.cmd("QUIT"), /^221 /);
    } finally {
      await server.close();
    }
  });
});

test("path: a file already there is kept, and the start fails with EADDRINUSE", async () => {
  await inTempDir(async (dir) => {
    const path = join(dir, "taken");
    await writeFile(path, "not a socket");
    await assert.rejects(startDebugServer({ path }), (err: NodeJS.ErrnoException) => err.code === "EADDRINUSE");
    assert.equal(await readFile(path, "utf8"), "not a socket");
  });
});

test("path: must name a file, and goes without host and port", async () => {
  for (const [options, pattern] of [
    [{ path: "" }, /^path must name a Unix socket file .*got the string ""$/],
    [{ path: "a\0b" }, /^path must name a Unix socket file /],
    [{ path: 5 }, /^path must name a Unix socket file .*got number 5$/],
    [{ path: "/tmp/x.sock", host: "127.0.0.1" }, /^path \(a Unix socket\) and host \(a TCP address\) cannot go together/],
    [{ path: "/tmp/x.sock", port: 25 }, /^path \(a Unix socket\) and port \(a TCP address\) cannot go together/],
    [{ path: "/tmp/x.sock", host: "::1", port: 0 }, /^path \(a Unix socket\) and host and port \(a TCP address\) cannot go together/],
  ] as const) {
    await assert.rejects(startDebugServer(options as never), (err: Error) => err instanceof TypeError && pattern.test(err.message), JSON.stringify(options));
  }
  // longer than sun_path holds: libuv cut it short, and the socket was left behind under the shorter name
  const long = join(tmpdir(), "s".repeat(120));
  await assert.rejects(startDebugServer({ path: long }), (err: Error) => err instanceof RangeError && new RegExp(`^path is ${Buffer.byteLength(long)} bytes long; a Unix socket's path holds at most 10[37]: use a shorter one$`).test(err.message));
  assert.ok(!existsSync(long.slice(0, 107)), "no socket made under a cut name");
  // null is "not given", as for every option
  const server = await startDebugServer({ path: null, host: "127.0.0.1" });
  await server.close();
});
