// `smtplib send --lmtp` when the connection goes (or a 421 comes) among the per-recipient
// replies after the data. The library resolves, the recipients not answered unknown (code -1).
// With none delivered, nobody confirmed the message and some may have it: exit 5, as when
// the connection goes before the first of those replies, not 3 ("the others got the
// message"), and stderr says why. With one delivered, exit 3 (partial), as before, and
// stderr says the connection closed (it said nothing: exit 3 reads "some refused").
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { createServer } from "node:net";
import { onLines } from "../helpers/lines.js";
import { run } from "../helpers/cli-process.js";

/** An LMTP server that answers the end of data with `first` for r0, then closes without r1's reply. */
async function withServer(first: string, body: (port: number) => Promise<void>): Promise<void> {
  const server = createServer((sock) => {
    sock.on("error", () => undefined);
    sock.write("220 lmtp.test LMTP\r\n");
    let inData = false;
    onLines(sock, (line) => {
      if (inData) {
        if (line === ".") sock.end(`${first}\r\n`);
        return;
      }
      const word = line.split(" ")[0]!.toUpperCase();
      if (word === "DATA") { inData = true; sock.write("354 go\r\n"); }
      else sock.write("250 ok\r\n");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    await body((server.address() as { port: number }).port);
  } finally {
    server.close();
  }
}

const send = (port: number): ReturnType<typeof run> =>
  run(["send", "--lmtp", "--server", `127.0.0.1:${port}`, "--from", "a@x.test", "--to", "r0@y.test", "--to", "r1@y.test", "--subject", "s"]);

test("send --lmtp: the first recipient refused after the data, the connection lost before the second's reply -> exit 5, stderr says none confirmed it", () =>
  withServer("550 5.2.2 r0 full", async (port) => {
    const r = await send(port);
    assert.equal(r.code, 5, r.stdout + r.stderr);
    assert.match(r.stdout, /^refused <r0@y\.test>: 550 5\.2\.2 r0 full\nnot confirmed <r1@y\.test>: -1 No reply for this recipient: .*\nsent to 0 of 2 recipient\(s\) \(\d+ bytes\)\n$/);
    assert.equal(r.stderr, "smtplib: the connection closed before every recipient's reply after the data: no recipient confirmed the message, and 1 not confirmed may have it\n");
  }));

test("send --lmtp: a 421 as the first reply after the data (the second never answered) -> exit 5, not 3", () =>
  withServer("421 4.3.0 going down", async (port) => {
    const r = await send(port);
    assert.equal(r.code, 5, r.stdout + r.stderr);
    assert.match(r.stdout, /^refused <r0@y\.test>: 421 4\.3\.0 going down\nnot confirmed <r1@y\.test>: -1 /);
    assert.match(r.stderr, /no recipient confirmed the message, and 1 not confirmed may have it\n$/);
  }));

test("send --lmtp: the first recipient delivered, the connection lost before the second's reply -> exit 3 (partial), stderr says the connection closed (as an interrupt there says so)", () =>
  withServer("250 2.0.0 r0 ok", async (port) => {
    const r = await send(port);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stdout, /^delivered <r0@y\.test>: 250 2\.0\.0 r0 ok\nnot confirmed <r1@y\.test>: -1 .*\nsent to 1 of 2 recipient\(s\) \(\d+ bytes\)\n$/);
    assert.equal(r.stderr, "smtplib: the connection closed before every recipient's reply after the data: 1 not confirmed may have the message\n");
  }));
