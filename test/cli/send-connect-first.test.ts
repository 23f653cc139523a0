// `smtplib send --file BIG` with the server down: the connection error comes at once, not
// after the pass that counts the file's size as sent (seconds a gigabyte). The pass runs
// while connecting and is stopped when the connection fails. Here the file is a sparse
// terabyte: a pass over it would outlast the child's time limit (run() kills it), so only a
// send that reports the connection failure without finishing the pass exits on its own.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { truncate } from "node:fs/promises";
import { closedPort } from "../helpers/closed-port.js";
import { run, tempFile } from "../helpers/cli-process.js";

test("send --file (a sparse 1 TiB file) to a port where nothing listens: exit 5 with the connection error, the size pass stopped", async () => {
  const file = await tempFile("huge.eml", "Subject: huge\n\n");
  await truncate(file, 1024 ** 4);
  const port = await closedPort();
  const r = await run(["send", "--server", `127.0.0.1:${port}`, "--from", "a@example.org", "--to", "b@example.org", "--file", file]);
  assert.deepEqual([r.code, r.signal], [5, null], r.stderr);
  assert.match(r.stderr, /ECONNREFUSED|refused/i);
  assert.doesNotMatch(r.stderr, /cannot read the message/);
  assert.equal(r.stdout, "");
});
