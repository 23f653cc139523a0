// Unit tests of reading a file named by a CLI flag (--auth-file, --tls-cert, --tls-key, --ca-file).
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { constants, mkdtemp, open, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { MAX_FLAG_FILE_BYTES, readFlagFile } from "../../src/cli/flag-file.js";

async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "smtplib-flag-file-"));
  try {
    await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("flag file: read whole up to the limit; one byte more is refused naming the flag and file", () => withDir(async (dir) => {
  const file = join(dir, "ca.pem");
  await writeFile(file, "");
  assert.deepEqual(await readFlagFile("--ca-file", file, TypeError), Buffer.alloc(0));
  await truncate(file, MAX_FLAG_FILE_BYTES);
  assert.equal((await readFlagFile("--ca-file", file, TypeError)).length, MAX_FLAG_FILE_BYTES);
  await truncate(file, MAX_FLAG_FILE_BYTES + 1);
  await assert.rejects(readFlagFile("--ca-file", file, TypeError), { name: "TypeError", message: `--ca-file ${file}: larger than ${MAX_FLAG_FILE_BYTES} bytes` });
  await writeFile(file, "0123456789");
  assert.equal((await readFlagFile("--tls-cert", file, Error, 10)).toString(), "0123456789");
  await assert.rejects(readFlagFile("--tls-cert", file, Error, 9), { name: "Error", message: `--tls-cert ${file}: larger than 9 bytes` });
  assert.ok(MAX_FLAG_FILE_BYTES >= 1024 * 1024, "room for a system CA bundle (a few hundred KiB)");
}));

test("flag file: a device or a directory is refused at once, before reading", { skip: process.platform === "win32" }, () => withDir(async (dir) => {
  await assert.rejects(readFlagFile("--auth-file", "/dev/zero", TypeError), { name: "TypeError", message: "--auth-file /dev/zero: not a regular file (a device)" });
  await assert.rejects(readFlagFile("--auth-file", dir, TypeError), { name: "TypeError", message: `--auth-file ${dir}: not a regular file (a directory)` });
  // a missing file keeps its error
  await assert.rejects(readFlagFile("--tls-key", join(dir, "missing")), { name: "Error", message: `--tls-key ${join(dir, "missing")}: cannot read it (ENOENT)` });
}));

test("flag file: a FIFO no one writes is refused at once, not waited on", { skip: process.platform === "win32" }, () => withDir(async (dir) => {
  const fifo = join(dir, "users");
  execFileSync("mkfifo", [fifo]);
  const reading = readFlagFile("--auth-file", fifo, TypeError);
  const outcome = await Promise.race([reading.then(() => "read", (err: unknown) => err), delay(2000, "still waiting")]);
  if (outcome === "still waiting") {
    // let the blocked open() end (a writer that closes at once), so the test fails instead of hanging
    await (await open(fifo, constants.O_WRONLY | constants.O_NONBLOCK)).close();
    await reading.catch(() => undefined);
  }
  assert.ok(outcome instanceof TypeError, String(outcome));
  assert.equal(outcome.message, `--auth-file ${fifo}: not a regular file (a FIFO)`);
}));
