// `smtplib send` when a broken server accepts (250) the message while DATA's message is
// still being sent: the client closes the connection, and the server may deliver the
// truncated copy it took. Not exit 4 "refused by the server" with a bare "250 ...", as
// before: exit 5 (as a connection lost after the data) and "may have been delivered".
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { createServer, type Socket } from "node:net";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../helpers/cli-process.js";

test("send: a 250 while the message is still being sent -> exit 5 and 'the message may have been delivered', not exit 4 'refused'", async () => {
  const sockets = new Set<Socket>();
  const server = createServer((sock) => {
    sockets.add(sock);
    sock.on("error", () => undefined);
    sock.write("220 mx.test ESMTP\r\n");
    let inData = false;
    let buffered = "";
    sock.on("data", (chunk: Buffer) => {
      if (inData) {
        // Accepts at the first bytes of the message and stops reading: the client is still writing.
        sock.pause();
        sock.write("250 2.0.0 queued early\r\n");
        return;
      }
      buffered += chunk.toString("latin1");
      for (let i = buffered.indexOf("\r\n"); i !== -1; i = buffered.indexOf("\r\n")) {
        const line = buffered.slice(0, i);
        buffered = buffered.slice(i + 2);
        if (line === "DATA") {
          inData = true;
          sock.write("354 go\r\n");
        } else sock.write(line.startsWith("EHLO") ? "250 mx.test\r\n" : "250 ok\r\n");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const dir = await mkdtemp(join(tmpdir(), "smtplib-early-"));
  try {
    const port = (server.address() as { port: number }).port;
    const message = `Subject: big\r\n\r\n${`${"x".repeat(76)}\r\n`.repeat(100_000)}`;
    const file = join(dir, "big.eml");
    await writeFile(file, message);
    const r = await run(["send", "--server", `127.0.0.1:${port}`, "--from", "a@x.test", "--to", "b@y.test", "--file", file]);
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /SMTPDataError: 250 2\.0\.0 queued early: the message may have been delivered \(the server answered before it had all of the message; the connection was closed\)/);
  } finally {
    for (const s of sockets) s.destroy();
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
});
