// `smtplib serve --socket PATH`: the debugging server on a Unix socket, as LMTP servers such
// as Dovecot's listen, and `smtplib send --lmtp --server PATH` delivering through it.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { run, Serve } from "../helpers/cli-process.js";
import { withTempDir } from "../helpers/temp-dir.js";

test("serve --lmtp --socket: listens on the path, send --lmtp --server PATH delivers to each recipient, and the socket goes when serve stops", async () => {
  await withTempDir("serve-socket", async (dir) => {
    const path = join(dir, "lmtp.sock");
    const serve = new Serve(["--lmtp", "--socket", path], { noPort: true });
    try {
      await serve.waitFor(new RegExp(`listening on ${path.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} \\(LMTP, SIZE \\d+\\)`));
      const sent = await run(["send", "--lmtp", "--server", path, "--from", "a@example.org", "--to", "b@example.test", "--to", "c@example.test", "--subject", "over a socket"]);
      assert.equal(sent.code, 0, sent.stderr);
      assert.match(sent.stdout, /delivered <b@example\.test>: 250 /);
      assert.match(sent.stdout, /delivered <c@example\.test>: 250 /);
      await serve.waitFor(/Subject: over a socket/);
      assert.match(serve.stdout, /\* connection from a local process \(Unix socket\)/);
    } finally {
      assert.equal(await serve.stop(), 0, serve.stderr);
      assert.ok(!existsSync(path), "the socket file is gone");
    }
  });
});

test("serve --socket PATH where a file already is: exit 5, the file kept, and advice to remove a stale socket", async () => {
  await withTempDir("serve-socket", async (dir) => {
    const path = join(dir, "taken");
    await writeFile(path, "kept");
    const r = await run(["serve", "--socket", path]);
    assert.equal(r.code, 5);
    assert.match(r.stderr, /^smtplib serve: cannot start: listen EADDRINUSE: .* \(a file is already at --socket's path: remove it, if it is a stale socket of an earlier server\)\n$/);
    assert.equal(await readFile(path, "utf8"), "kept");
  });
});
