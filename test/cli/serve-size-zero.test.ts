// `smtplib serve --size 0` removes the size limit, as its --help and README say. It left the
// option out, so the debugging server applied its own default (32 MiB) without advertising
// it: a 33 MiB message got "552 ... exceeds fixed maximum message size 33554432" from a server
// whose EHLO named no SIZE and whose banner said nothing of a limit.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { SMTP } from "../../src/index.js";
import { Serve } from "../helpers/cli-process.js";

test("serve --size 0: the banner says there is no limit, and a message over the 32 MiB default is accepted whole", async () => {
  const serve = await Serve.start(["--size", "0", "--quiet", "--print-max", "100"]);
  try {
    assert.match(serve.stdout, /listening on 127\.0\.0\.1:\d+ \(SMTP, no size limit\)/);
    const client = await SMTP.connect("127.0.0.1", serve.port);
    const size = 33 * 1024 * 1024;
    const message = Buffer.from(`Subject: big\r\n\r\n${"x".repeat(1022)}\r\n`.repeat(size / 1024 - 1));
    assert.deepEqual(await client.sendmail("a@x.test", ["b@x.test"], message), new Map());
    await client.quit();
    await serve.waitFor(/end of message 1/);
    assert.match(serve.stdout, new RegExp(`message 1 \\(${message.length} bytes`));
  } finally {
    await serve.stop();
  }
});
