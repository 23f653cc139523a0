// Unit tests of reading a file named by a CLI flag (--auth-file, --tls-cert, --tls-key, --ca-file).
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { execFileSync, spawn } from "node:child_process";
import { mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

test("flag file: a pipe (a FIFO, as process substitution gives) is read to its end, with the same size limit", { skip: process.platform === "win32" }, () => withDir(async (dir) => {
  const fifo = join(dir, "users");
  execFileSync("mkfifo", [fifo]);
  // The writer is another process, as `<(command)` makes; it opens the FIFO once we read it.
  const write = (text: string): Promise<number | null> => new Promise((resolve) => {
    const writer = spawn("sh", ["-c", 'printf "%s" "$1" > "$2"', "sh", text, fifo], { stdio: "ignore" });
    writer.on("exit", (code) => resolve(code));
  });
  const [data] = await Promise.all([readFlagFile("--auth-file", fifo, TypeError), write("alice:pw\nbob:x\n")]);
  assert.equal(data.toString(), "alice:pw\nbob:x\n");
  const [tooBig] = await Promise.all([readFlagFile("--auth-file", fifo, TypeError, 8).catch((err: unknown) => err), write("0123456789")]);
  assert.ok(tooBig instanceof TypeError, String(tooBig));
  assert.equal(tooBig.message, `--auth-file ${fifo}: larger than 8 bytes`);
}));
