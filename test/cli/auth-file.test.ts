// Unit tests of `serve --auth-file` parsing and reading (no child processes).
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServeCommand } from "../../src/cli/args.js";
import { parseAuthFile, readAuthFile } from "../../src/cli/auth-file.js";
import { serveOptions } from "../../src/cli/serve.js";

test("auth file: one user:password a line; blank lines and # comments skipped; colons kept in the password", () => {
  const text = "\uFEFF# users of the test server\r\nalice:pw-1\r\n\r\n   \n  # indented comment\nbob:a:b:#c\ncarol:\nalice:pw-2\n";
  assert.deepEqual(parseAuthFile(text, "users.txt"), new Map([["alice", "pw-2"], ["bob", "a:b:#c"], ["carol", ""]]));
});

test("auth file: whitespace around the user name is dropped; the password is kept as written, spaces included", () => {
  const text = "  alice:pw\n\tbob \t: one space before, two after  \r\ncarol:\t\n";
  assert.deepEqual(parseAuthFile(text, "users.txt"), new Map([["alice", "pw"], ["bob", " one space before, two after  "], ["carol", "\t"]]));
});

test("auth file: a line that is not user:password is refused naming the file and line, never the line", () => {
  for (const [text, line] of [["alice:pw\nsecret-no-colon\n", 2], ["# c\n\n:secret-no-user\n", 3], ["alice:pw\n \t :secret-blank-user\n", 2]] as const) {
    assert.throws(() => parseAuthFile(text, "/etc/users.txt"), (err: unknown) => {
      assert.ok(err instanceof TypeError);
      assert.match(err.message, new RegExp(`^--auth-file /etc/users\\.txt line ${line}: not user:password`));
      assert.doesNotMatch(err.message, /secret/);
      return true;
    });
  }
  assert.throws(() => parseAuthFile("# nobody yet\n\n", "empty.txt"), { name: "TypeError", message: "--auth-file empty.txt: no user:password line in it" });
});

test("auth file: read from disk; a missing file is a usage error (TypeError) naming the flag and file", async () => {
  const dir = await mkdtemp(join(tmpdir(), "smtplib-auth-file-"));
  try {
    const file = join(dir, "users");
    await writeFile(file, "alice:pw\n", { mode: 0o600 });
    assert.deepEqual(await readAuthFile(file), new Map([["alice", "pw"]]));
    await assert.rejects(readAuthFile(join(dir, "missing")), { name: "TypeError", message: `--auth-file ${join(dir, "missing")}: cannot read it (ENOENT)` });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("auth file: each --auth-file is read, in order; a later file wins for a user named twice, --auth over any file", async () => {
  const dir = await mkdtemp(join(tmpdir(), "smtplib-auth-file-"));
  try {
    const [first, second] = [join(dir, "first"), join(dir, "second")];
    await writeFile(first, "alice:pw-1\nbob:pw-1\ncarol:pw-1\n", { mode: 0o600 });
    await writeFile(second, "bob:pw-2\ncarol:pw-2\n", { mode: 0o600 });
    const cmd: ServeCommand = {
      kind: "serve", host: "127.0.0.1", port: 0, lmtp: false, users: new Map([["carol", "pw-cli"]]), authFiles: [first, second],
      authRequired: true, refuseSenders: [], refuseRecipients: [], quiet: true, printMax: 0, extensions: {}, maxClients: 100, maxRecipients: 1000, greetingDelay: 0,
    };
    const options = await serveOptions(cmd);
    assert.deepEqual(options.auth, { users: { alice: "pw-1", bob: "pw-2", carol: "pw-cli" }, required: true });
    assert.deepEqual([options.maxClients, options.maxRecipients], [100, 1000], "--max-clients, --max-recipients passed on");
    const missing = join(dir, "missing");
    await assert.rejects(serveOptions({ ...cmd, authFiles: [first, missing, second] }), { name: "TypeError", message: `--auth-file ${missing}: cannot read it (ENOENT)` });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
