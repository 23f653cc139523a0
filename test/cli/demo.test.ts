// `npm start`'s program (build/src/demo.js here) as a child process, bounded in time.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";

const DEMO = fileURLToPath(new URL("../../src/demo.js", import.meta.url));

test("the demo sends the sample and prints transcript, wire data and the message as received", async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [DEMO], { timeout: 20_000 });
  assert.match(stdout, /listening on 127\.0\.0\.1:\d+/);
  assert.match(stdout, /^C: MAIL FROM:<alice@example\.org>$/m);
  assert.match(stdout, /^S: 354 /m);
  assert.match(stdout, /^S: 221 /m);
  assert.match(stdout, /<nobody@example\.net>: 550 /);
  const [wire, received] = stdout.split("Message as the server received it");
  assert.match(wire!, /^\.\.and the server takes the extra dot away again\.$/m);
  assert.match(received!, /^\.and the server takes the extra dot away again\.$/m);
  assert.match(received!, /^Message-ID: <[^>]+@example\.org>$/m);
  assert.match(stdout, /RCPT TO: {3}<carol@example\.org>/);
});
