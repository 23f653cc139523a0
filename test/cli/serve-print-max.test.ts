// `smtplib serve --print-max`: a large message is shown cut, with its full size, and the
// server keeps only what it shows (DebugServerOptions.keepBytes; tested in debug-server.test.ts).
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { SMTP } from "../../src/index.js";
import { rawSession, Serve } from "../helpers/cli-process.js";

test("serve --print-max 20: a 2 MB message is shown as its first line, its size and the bytes not shown", async () => {
  const serve = await Serve.start(["--quiet", "--print-max", "20"]);
  try {
    const body = `Subject: big\r\n\r\n${`${"x".repeat(998)}\r\n`.repeat(2_000)}`;
    const client = await SMTP.connect("127.0.0.1", serve.port);
    try {
      await client.sendmail("a@example.org", ["b@example.org"], body);
    } finally {
      await client.quit();
    }
    await serve.waitFor(/end of message 1/);
    assert.match(serve.stdout, new RegExp(`message 1 \\(${body.length} bytes, session `));
    assert.match(serve.stdout, new RegExp(`\\nSubject: big\\r\\n\\r\\nxxxx\\n\\[\\.\\.\\. ${body.length - 20} more bytes not shown \\(--print-max\\)\\]\\n`));
  } finally {
    await serve.stop();
  }
});

test("serve --print-max at the largest whole number the flag takes starts and prints messages whole", async () => {
  // the server holds a few bytes past --print-max (not to split a UTF-8 character): that sum
  // must not make the largest value a start-up failure naming an internal option
  const serve = await Serve.start(["--quiet", "--print-max", String(Number.MAX_SAFE_INTEGER)]);
  try {
    await rawSession(serve.port, ["EHLO client.example", "MAIL FROM:<a@example.org>", "RCPT TO:<b@example.org>", "DATA", "Subject: whole\r\n\r\nall of it\r\n."]);
    await serve.waitFor(/end of message 1/);
    assert.match(serve.stdout, /\nSubject: whole\r\n\r\nall of it\r\n-{10} end of message 1/);
  } finally {
    assert.equal(await serve.stop(), 0);
  }
});
