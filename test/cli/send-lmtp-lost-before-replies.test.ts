// `smtplib send --lmtp` when the connection goes after the end of data, before the first
// recipient's reply: exit 5 and "may have been delivered", as before, and now each
// recipient's line on stdout as after a partial delivery: the one refused at RCPT (it
// surely did not get the message) apart from those whose outcome is unknown (code -1).
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { createServer } from "node:net";
import { onLines } from "../helpers/lines.js";
import { run } from "../helpers/cli-process.js";

test("send --lmtp: the connection lost before the per-recipient replies -> exit 5; stdout says who was refused at RCPT and who is unknown", async () => {
  const server = createServer((sock) => {
    sock.on("error", () => undefined);
    sock.write("220 lmtp.test LMTP\r\n");
    let inData = false;
    onLines(sock, (line) => {
      if (inData) {
        if (line === ".") sock.destroy();
        return;
      }
      const word = line.split(" ")[0]!.toUpperCase();
      if (word === "DATA") { inData = true; sock.write("354 go\r\n"); }
      else if (line.startsWith("RCPT TO:<r0@")) sock.write("550 5.1.1 r0 unknown\r\n");
      else sock.write("250 ok\r\n");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const port = (server.address() as { port: number }).port;
    const r = await run(["send", "--lmtp", "--server", `127.0.0.1:${port}`, "--from", "a@x.test", "--to", "r0@y.test", "--to", "r1@y.test", "--to", "r2@y.test", "--subject", "s"]);
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /the message may have been delivered\n$/);
    assert.equal(r.stdout, [
      "refused <r0@y.test>: 550 5.1.1 r0 unknown",
      "not confirmed <r1@y.test>: -1 No reply for this recipient: Connection unexpectedly closed; whether it got the message is unknown",
      "not confirmed <r2@y.test>: -1 No reply for this recipient: Connection unexpectedly closed; whether it got the message is unknown",
      "",
    ].join("\n"));
  } finally {
    server.close();
  }
});
