// `smtplib send` when the server answers the whole message with a 2yz other than 250
// ("251 ok"): the library fails the call as Python does (only 250 completes the end of
// data), but the server took the message, so it is not exit 4 "refused by the server"
// (which invites a resend that delivers it twice): exit 5 and "may have been delivered".
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { createServer, type Socket } from "node:net";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../helpers/cli-process.js";

test("send: a 251 to the end of data -> exit 5 and 'the message may have been delivered', not exit 4 'refused'", async () => {
  const sockets = new Set<Socket>();
  const server = createServer((sock) => {
    sockets.add(sock);
    sock.on("error", () => undefined);
    sock.write("220 mx.test ESMTP\r\n");
    let inData = false;
    let buffered = "";
    sock.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("latin1");
      for (let i = buffered.indexOf("\r\n"); i !== -1; i = buffered.indexOf("\r\n")) {
        const line = buffered.slice(0, i);
        buffered = buffered.slice(i + 2);
        if (inData) {
          if (line !== ".") continue;
          inData = false;
          sock.write("251 2.0.0 queued, oddly\r\n");
        } else if (line === "DATA") {
          inData = true;
          sock.write("354 go\r\n");
        } else if (line === "QUIT") {
          sock.end("221 bye\r\n");
        } else sock.write(line.startsWith("EHLO") ? "250 mx.test\r\n" : "250 ok\r\n");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const dir = await mkdtemp(join(tmpdir(), "smtplib-2yz-"));
  try {
    const port = (server.address() as { port: number }).port;
    const file = join(dir, "m.eml");
    await writeFile(file, "Subject: hi\r\n\r\nhello\r\n");
    const r = await run(["send", "--server", `127.0.0.1:${port}`, "--from", "a@x.test", "--to", "b@y.test", "--file", file]);
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /SMTPDataError: 251 2\.0\.0 queued, oddly: the message may have been delivered \(a 2yz to the end of data/);
    assert.doesNotMatch(r.stderr, /refused|connection was closed/);
  } finally {
    for (const s of sockets) s.destroy();
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
});
