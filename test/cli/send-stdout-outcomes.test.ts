// `smtplib send`'s stdout ends with `sent to D of N recipient(s)` for every outcome that
// settles who got the message: a delivery (0, 3) and every refusal (4), the sender's
// included, which printed nothing there while every recipient refused printed the count.
// Exits that say nothing of the recipients (usage, connection, login, unknown) print nothing.
import type { Socket } from "node:net";
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { run, Serve } from "../helpers/cli-process.js";
import { lineServer } from "../helpers/line-server.js";

const ARGS = ["--from", "a@x.test", "--to", "b@x.test", "--to", "c@x.test", "--subject", "s"];

test("send: the sender refused (MAIL FROM 550): exit 4, stdout 'sent to 0 of 2 recipient(s)' as for every recipient refused", async () => {
  const serve = await Serve.start(["--refuse-sender", "a@x.test", "--quiet"]);
  try {
    const r = await run(["send", "--server", `127.0.0.1:${serve.port}`, ...ARGS]);
    assert.equal(r.code, 4, r.stdout + r.stderr);
    assert.equal(r.stdout, "sent to 0 of 2 recipient(s)\n");
    assert.match(r.stderr, /^smtplib: sender <a@x\.test> refused: 550 /);
  } finally {
    await serve.stop();
  }
});

test("send: the message refused at its end of data (554): exit 4, stdout 'sent to 0 of 2 recipient(s)'", async () => {
  const r = await sendThrough((sock, line) => {
    if (/^EHLO/i.test(line)) sock.write("250-mx.test\r\n250 8BITMIME\r\n");
    else if (/^DATA/i.test(line)) sock.write("354 go\r\n");
    else if (line === ".") sock.write("554 5.7.1 spam\r\n");
    else if (/^QUIT/i.test(line)) sock.end("221 bye\r\n");
    else if (/^(MAIL|RCPT|RSET)/i.test(line)) sock.write("250 2.0.0 Ok\r\n");
  });
  assert.equal(r.code, 4, r.stdout + r.stderr);
  assert.equal(r.stdout, "sent to 0 of 2 recipient(s)\n");
  assert.match(r.stderr, /554 5\.7\.1 spam/);
});

test("send: the server closing the connection with 421 at MAIL (exit 5: nothing said of the recipients) prints nothing on stdout", async () => {
  const r = await sendThrough((sock, line) => {
    if (/^EHLO/i.test(line)) sock.write("250 mx.test\r\n");
    else if (/^MAIL/i.test(line)) sock.end("421 4.3.2 going down\r\n");
  });
  assert.equal(r.code, 5, r.stdout + r.stderr);
  assert.equal(r.stdout, "");
});

test("send: every recipient refused, the last with 421 (exit 5): each recipient's line and the count, as README says", async () => {
  const r = await sendThrough((sock, line) => {
    if (/^EHLO/i.test(line)) sock.write("250 mx.test\r\n");
    else if (/^MAIL/i.test(line)) sock.write("250 2.1.0 ok\r\n");
    else if (/^RCPT TO:<b@/i.test(line)) sock.write("550 5.1.1 no b\r\n");
    else if (/^RCPT/i.test(line)) sock.end("421 4.3.2 going down\r\n");
  });
  assert.equal(r.code, 5, r.stdout + r.stderr);
  assert.equal(r.stdout, "refused <b@x.test>: 550 5.1.1 no b\nrefused <c@x.test>: 421 4.3.2 going down\nsent to 0 of 2 recipient(s)\n");
});

/** `smtplib send` with ARGS through a line server that answers each command line with `answer`; the server closed after. */
async function sendThrough(answer: (sock: Socket, line: string) => void): ReturnType<typeof run> {
  const server = await lineServer(answer);
  try {
    return await run(["send", "--server", `127.0.0.1:${server.port}`, ...ARGS]);
  } finally {
    await server.close();
  }
}
