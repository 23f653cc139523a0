// A --file that cannot be opened (missing) is named with its flag and the reason, as
// --ca-file's is ("--ca-file x: cannot read it (ENOENT)"), not by Node's text alone
// ("ENOENT: no such file or directory, stat 'x'"), which names no flag.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { run } from "../helpers/cli-process.js";

test("send --file MISSING: exit 7, one line naming --file, the path and the reason with its code (before connecting: not the refused connection's exit 5)", async () => {
  const missing = join(tmpdir(), "smtplib-no-such-dir", "msg.eml");
  const r = await run(["send", "--server", "127.0.0.1:1", "--from", "a@x.test", "--to", "b@x.test", "--file", missing]);
  assert.equal(r.code, 7, r.stderr);
  assert.equal(r.stderr, `smtplib: cannot read the message: --file ${missing}: no such file or directory (ENOENT)\n`);
});
