// `smtplib send` with nothing on stdin (`< /dev/null`, or a script whose stdin ended) or an
// empty --file: the empty message is sent, as asked, but a warning on stderr says it was empty.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { run, Serve, tempDirs } from "../helpers/cli-process.js";

const WARNING = (from: string): string => `smtplib: warning: the message was empty (nothing came from ${from}): give it with --file or on stdin, or use --subject/--body\n`;

test("send: an empty stdin or --file is sent with exit 0 and a warning that the message was empty; a message that is not empty gets none", async () => {
  const serve = await Serve.start(["--quiet"]);
  const dir = await mkdtemp(join(tmpdir(), "smtplib-empty-"));
  tempDirs.push(dir);
  try {
    const base = ["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "b@x.test"];
    const stdin = await run(base, { input: "" });
    assert.equal(stdin.code, 0, stdin.stderr);
    assert.match(stdin.stdout, /^sent to 1 of 1 recipient\(s\)$/m);
    assert.equal(stdin.stderr, WARNING("stdin"));
    const file = join(dir, "empty.eml");
    await writeFile(file, "");
    const named = await run([...base, "--file", file]);
    assert.equal(named.code, 0, named.stderr);
    assert.equal(named.stderr, WARNING(file));
    const some = await run(base, { input: "Subject: s\r\n\r\nhello\r\n" });
    assert.equal(some.code, 0, some.stderr);
    assert.equal(some.stderr, "");
  } finally {
    await serve.stop();
  }
});
