// `smtplib send` when the server answers the whole message with a 2yz other than 250
// ("251 ok"): the library fails the call as Python does (only 250 completes the end of
// data), but the server took the message, so it is not exit 4 "refused by the server"
// (which invites a resend that delivers it twice): exit 5 and "may have been delivered".
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../helpers/cli-process.js";
import { acceptingServer } from "../helpers/line-server.js";

test("send: a 251 to the end of data -> exit 5 and 'the message may have been delivered', not exit 4 'refused'", async () => {
  const server = await acceptingServer(undefined, "251 2.0.0 queued, oddly");
  const dir = await mkdtemp(join(tmpdir(), "smtplib-2yz-"));
  try {
    const file = join(dir, "m.eml");
    await writeFile(file, "Subject: hi\r\n\r\nhello\r\n");
    const r = await run(["send", "--server", `127.0.0.1:${server.port}`, "--from", "a@x.test", "--to", "b@y.test", "--file", file]);
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /SMTPDataError: 251 2\.0\.0 queued, oddly: the message may have been delivered \(a 2yz to the end of data/);
    assert.doesNotMatch(r.stderr, /refused|connection was closed/);
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});
