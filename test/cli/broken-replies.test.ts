// `smtplib send` against a server whose reply the conversation cannot go on from: a reply
// line longer than the client reads (the library's SMTPResponseException 500 "Line too
// long.", Python's), or a 354 to RCPT. The library closes the connection and nothing was
// refused: exit 5, as for a reply that is not SMTP (README), not 4 ("the server refused the
// message"), and the message says that it was the server's reply, and to which command.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { createServer, type Server } from "node:net";
import { onLines } from "../helpers/lines.js";
import { run } from "../helpers/cli-process.js";

/** A lock-step server that answers `verb` (or the end of data: ".") with `reply`, anything else as a sink would. */
async function brokenServer(verb: string, reply: string): Promise<{ server: Server; port: number }> {
  const server = createServer((sock) => {
    sock.on("error", () => undefined);
    sock.write("220 mx.test ESMTP\r\n");
    let inData = false;
    onLines(sock, (line) => {
      const word = inData ? line : line.split(" ")[0]!.toUpperCase();
      if (inData && line !== ".") return;
      inData = false;
      if (word === verb) sock.write(reply);
      else if (word === "DATA") { inData = true; sock.write("354 go\r\n"); }
      else if (word === "QUIT") sock.end("221 bye\r\n");
      else sock.write(word === "EHLO" ? "250 mx.test\r\n" : "250 ok\r\n");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as { port: number }).port };
}

const SEND = ["--from", "a@x.test", "--to", "b@x.test", "--subject", "s"];
const TOO_LONG = `250 ${"x".repeat(9000)}\r\n`;

for (const verb of ["EHLO", "RCPT", "."]) {
  test(`send: a reply line too long to read (to ${verb === "." ? "the end of data" : verb}) is exit 5, said to be the server's reply`, async () => {
    const { server, port } = await brokenServer(verb, TOO_LONG);
    try {
      const r = await run(["send", "--server", `127.0.0.1:${port}`, ...SEND]);
      assert.equal(r.code, 5, r.stderr);
      // After the end of data, the message may have been delivered: the operator must not resend it blindly.
      const after = verb === "." ? ", after the end of data was sent: the message may have been delivered" : "";
      assert.equal(r.stderr, `smtplib: the server sent a reply line longer than 8192 bytes (SMTPResponseException: 500 Line too long.); the connection was closed${after}\n`);
    } finally {
      server.close();
    }
  });
}

test("send: a 354 to RCPT (a reply that completes nothing) is exit 5, naming the RCPT it answered", async () => {
  const { server, port } = await brokenServer("RCPT", "354 go ahead\r\n");
  try {
    const r = await run(["send", "--server", `127.0.0.1:${port}`, ...SEND]);
    assert.equal(r.code, 5, r.stderr);
    assert.equal(r.stderr, "smtplib: the server answered RCPT TO:<b@x.test> with 354 go ahead, a reply that completes nothing (SMTPResponseException); the connection was closed\n");
  } finally {
    server.close();
  }
});

test("send: a 354 to the end of data (a reply it never takes, after the whole message) is exit 5, saying the message may have been delivered, not 4 (refused)", async () => {
  const { server, port } = await brokenServer(".", "354 go ahead\r\n");
  try {
    const r = await run(["send", "--server", `127.0.0.1:${port}`, ...SEND]);
    assert.equal(r.code, 5, r.stderr);
    assert.equal(r.stderr, "smtplib: SMTPDataError: 354 go ahead: the message may have been delivered (a reply the end of data never takes; the connection was closed)\n");
  } finally {
    server.close();
  }
});
