// Unit tests of reading a file named by a CLI flag (--auth-file, --tls-cert, --tls-key, --ca-file).
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { constants, open, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { MAX_FLAG_FILE_BYTES, readFlagFile } from "../../src/cli/flag-file.js";
import { withTempDir } from "../helpers/temp-dir.js";

const withDir = (run: (dir: string) => Promise<void>): Promise<void> => withTempDir("flag-file", run);

test("flag file: read whole up to the limit; one byte more is refused naming the flag and file", () => withDir(async (dir) => {
  const file = join(dir, "ca.pem");
  await writeFile(file, "");
  assert.deepEqual(await readFlagFile("--ca-file", file, TypeError), Buffer.alloc(0));
  await truncate(file, MAX_FLAG_FILE_BYTES);
  assert.equal((await readFlagFile("--ca-file", file, TypeError)).length, MAX_FLAG_FILE_BYTES);
  await truncate(file, MAX_FLAG_FILE_BYTES + 1);
  await assert.rejects(readFlagFile("--ca-file", file, TypeError), { name: "TypeError", message: `--ca-file ${file}: larger than ${MAX_FLAG_FILE_BYTES} bytes` });
  await writeFile(file, "0123456789");
  assert.equal((await readFlagFile("--tls-cert", file, Error, { maxBytes: 10 })).toString(), "0123456789");
  await assert.rejects(readFlagFile("--tls-cert", file, Error, { maxBytes: 9 }), { name: "Error", message: `--tls-cert ${file}: larger than 9 bytes` });
  assert.ok(MAX_FLAG_FILE_BYTES >= 1024 * 1024, "room for a system CA bundle (a few hundred KiB)");
}));

test("flag file: a device or a directory is refused at once, before reading", { skip: process.platform === "win32" }, () => withDir(async (dir) => {
  await assert.rejects(readFlagFile("--auth-file", "/dev/zero", TypeError), { name: "TypeError", message: "--auth-file /dev/zero: not a regular file (a device)" });
  await assert.rejects(readFlagFile("--auth-file", dir, TypeError), { name: "TypeError", message: `--auth-file ${dir}: not a regular file (a directory)` });
  // a missing file keeps its error
  await assert.rejects(readFlagFile("--tls-key", join(dir, "missing")), { name: "Error", message: `--tls-key ${join(dir, "missing")}: cannot read it (ENOENT)` });
}));

/**
 * How long a test waits for what should come (a read's end, a child's exit, a shell and the
 * node it starts) before it gives up: a guard against a hang, not a measure. Long, as a
 * loaded machine (CI's two cores, busy) can take seconds to start a process: 5 s for
 * `bash -c "node ..."` was reached there, failing the test at random.
 */
const GUARD_MS = 30_000;

/** How a read ended: its text, its error, or not within the guard's time. */
type Outcome = { data: string } | { error: unknown } | "still waiting";

/**
 * The outcome of `reading`, or "still waiting" after `ms`; then `unblock` runs (a writer that
 * closes at once, a killed child), so a test that fails does so instead of hanging.
 */
async function within(reading: Promise<Buffer>, unblock: () => Promise<void>, ms = GUARD_MS): Promise<Outcome> {
  const settled = reading.then((data): Outcome => ({ data: data.toString() }), (error: unknown): Outcome => ({ error }));
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([settled, new Promise<Outcome>((resolve) => { timer = setTimeout(resolve, ms, "still waiting"); })]);
  clearTimeout(timer);
  if (outcome === "still waiting") {
    await unblock();
    await Promise.race([settled, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
  }
  return outcome;
}

/** Ends any wait on `fifo`: a writer that opens it and closes at once (none if no reader has it open). */
function endWaitOn(fifo: string, ...children: ChildProcess[]): () => Promise<void> {
  return async () => {
    for (const child of children) child.kill("SIGKILL");
    await open(fifo, constants.O_WRONLY | constants.O_NONBLOCK).then((handle) => handle.close(), () => undefined);
  };
}

/** A process writing `text` to `fifo` (opening it waits for a reader) after `sleep` seconds. */
function writer(fifo: string, text: string, sleep = 0): ChildProcess {
  return spawn("sh", ["-c", `sleep ${sleep}; printf '%s' "$1" > "$0"`, fifo, text], { stdio: "ignore" });
}

/** Whether `child` exits within `ms` (killed otherwise). */
async function exitsWithin(child: ChildProcess, ms = GUARD_MS): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  const timer = setTimeout(() => child.kill("SIGKILL"), ms);
  const [code, signal] = await once(child, "exit") as [number | null, string | null];
  clearTimeout(timer);
  return signal !== "SIGKILL" || code !== null;
}

/** Runs `run` with a new FIFO; the processes it adds to `children` are killed after, should one still wait. */
const withFifo = (run: (fifo: string, children: ChildProcess[]) => Promise<void>): Promise<void> => withDir(async (dir) => {
  const fifo = join(dir, "users");
  execFileSync("mkfifo", [fifo]);
  const children: ChildProcess[] = [];
  try {
    await run(fifo, children);
  } finally {
    for (const child of children) child.kill("SIGKILL");
  }
});

const posixOnly = { skip: process.platform === "win32" };

test("flag file: a named FIFO is read to its end, its writer opening it after we did", posixOnly, () => withFifo(async (fifo, children) => {
  const reading = readFlagFile("--auth-file", fifo, TypeError);
  const child = writer(fifo, "alice:pw\n", 0.1);
  children.push(child);
  assert.deepEqual(await within(reading, endWaitOn(fifo, child)), { data: "alice:pw\n" });
  assert.ok(await exitsWithin(child));
}));

/**
 * Holds libuv's threadpool with blocking opens of the FIFO `gate`, so file calls queued from
 * now on (readFlagFile's fstat after an open queued before) wait until the returned function
 * has a writer open the gate.
 */
function holdThreadpool(gate: string): () => Promise<void> {
  execFileSync("mkfifo", [gate]);
  const held = Array.from({ length: Number(process.env.UV_THREADPOOL_SIZE) || 4 }, () => open(gate, "r"));
  return async () => {
    const opener = spawn("sh", ["-c", 'exec 3> "$0"; exec sleep 5', gate], { stdio: "ignore" });
    await Promise.all(held.map(async (handle) => (await handle).close()));
    opener.kill();
  };
}

test("flag file: a FIFO whose writer wrote and closed before we read keeps what it wrote", posixOnly, () => withFifo(async (fifo, children) => {
  // The writer waits in open() for a reader; our open lets it write and exit before we fstat
  // the FIFO. Reopening it (the reverted attempt) would lose that and wait for a new writer.
  const racer = writer(fifo, "alice:pw\n");
  children.push(racer);
  await once(racer, "spawn");
  const reading = readFlagFile("--auth-file", fifo, TypeError);
  const release = holdThreadpool(`${fifo}.gate`);
  try {
    assert.ok(await exitsWithin(racer), "the writer wrote and exited");
  } finally {
    await release();
  }
  assert.deepEqual(await within(reading, endWaitOn(fifo)), { data: "alice:pw\n" });
}));

/**
 * What bash `command` prints, which runs `"$NODE" --input-type=module -e "$READER" FILE`: FILE
 * and its text, read with readFlagFile (waiting 2 s at most).
 */
async function readInShell(command: string): Promise<{ path: string; data: string }> {
  const reader = "const { readFlagFile } = await import(process.env.FLAG_FILE_JS); const path = process.argv[1];"
    + " process.stdout.write(JSON.stringify({ path, data: (await readFlagFile('--ca-file', path, TypeError, { maxBytes: 1024, waitMs: 2000 })).toString() }));";
  const env = { ...process.env, NODE: process.execPath, READER: reader, FLAG_FILE_JS: new URL("../../src/cli/flag-file.js", import.meta.url).href };
  const { stdout } = await promisify(execFile)("bash", ["-c", command], { env, timeout: GUARD_MS });
  return JSON.parse(stdout) as { path: string; data: string };
}

test("flag file: bash process substitution <(command) is read (a pipe as /dev/fd/N)", posixOnly, async () => {
  const read = await readInShell(`exec "$NODE" --input-type=module -e "$READER" <(printf 'alice:pw\\n')`);
  assert.match(read.path, /^\/dev\/fd\/\d+$/);
  assert.equal(read.data, "alice:pw\n");
});

test("flag file: /dev/stdin is read when stdin is a pipe", posixOnly, async () => {
  const read = await readInShell(`printf 'alice:pw\\n' | "$NODE" --input-type=module -e "$READER" /dev/stdin`);
  assert.deepEqual(read, { path: "/dev/stdin", data: "alice:pw\n" });
});

test("flag file: a pipe that writes past the limit is refused, reading stops there, and its writer ends", posixOnly, () => withFifo(async (fifo, children) => {
  // yes never stops: only a reader that stops at the limit and closes the pipe ends this
  const child = spawn("sh", ["-c", 'exec yes > "$0"', fifo], { stdio: "ignore" });
  children.push(child);
  const outcome = await within(readFlagFile("--auth-file", fifo, TypeError), endWaitOn(fifo, child));
  assert.ok(typeof outcome === "object" && "error" in outcome && outcome.error instanceof TypeError, JSON.stringify(outcome));
  assert.equal(outcome.error.message, `--auth-file ${fifo}: larger than ${MAX_FLAG_FILE_BYTES} bytes`);
  assert.ok(await exitsWithin(child), "the writer (yes) ended, its pipe closed");
}));

test("flag file: a FIFO no one writes is refused after the wait given, not waited on forever", posixOnly, () => withFifo(async (fifo) => {
  const outcome = await within(readFlagFile("--auth-file", fifo, TypeError, { waitMs: 200 }), endWaitOn(fifo));
  assert.ok(typeof outcome === "object" && "error" in outcome && outcome.error instanceof TypeError, JSON.stringify(outcome));
  assert.equal(outcome.error.message, `--auth-file ${fifo}: nothing ended it within 0.2 s (a FIFO no one writes?)`);
}));

/** Runs `paths` (a bash word list) through readFlagFile as --auth-file with one `pipesRead`: what each gave. */
async function readAllInShell(command: string): Promise<string[]> {
  const reader = "const { readFlagFile } = await import(process.env.FLAG_FILE_JS); const pipesRead = new Map(); const out = [];"
    + " for (const path of process.argv.slice(1)) out.push(await readFlagFile('--auth-file', path, Error, { waitMs: 2000, pipesRead }).then((d) => d.toString(), (e) => `${e.name}: ${e.message}`));"
    + " process.stdout.write(JSON.stringify(out));";
  const env = { ...process.env, NODE: process.execPath, READER: reader, FLAG_FILE_JS: new URL("../../src/cli/flag-file.js", import.meta.url).href };
  const { stdout } = await promisify(execFile)("bash", ["-c", command], { env, timeout: GUARD_MS });
  return JSON.parse(stdout) as string[];
}

test("flag file: a pipe named twice (/dev/stdin) is read once; the second flag's usage error names the first", posixOnly, async () => {
  const twice = await readAllInShell(`printf 'alice:pw\\n' | "$NODE" --input-type=module -e "$READER" /dev/stdin /dev/stdin`);
  assert.deepEqual(twice, ["alice:pw\n", "TypeError: --auth-file /dev/stdin: nothing left to read: --auth-file /dev/stdin named the same pipe and read it to its end (a pipe can be read only once)"]);
  // two pipes, two reads; a regular file named twice is read twice
  const file = join(tmpdir(), `smtplib-flag-twice-${process.pid}.txt`);
  await writeFile(file, "carol:pw\n");
  try {
    const distinct = await readAllInShell(`exec "$NODE" --input-type=module -e "$READER" <(printf 'alice:pw\\n') <(printf 'bob:pw\\n') ${file} ${file}`);
    assert.deepEqual(distinct, ["alice:pw\n", "bob:pw\n", "carol:pw\n", "carol:pw\n"]);
  } finally {
    await rm(file, { force: true });
  }
});

test("flag file: a named FIFO named twice whose writer has gone: the second read waits in vain, and its usage error names the first flag", posixOnly, () => withFifo(async (fifo, children) => {
  const pipesRead = new Map<string, string>();
  const child = writer(fifo, "alice:pw\n");
  children.push(child);
  const first = await within(readFlagFile("--auth-file", fifo, TypeError, { waitMs: GUARD_MS, pipesRead }), endWaitOn(fifo, child));
  assert.deepEqual(first, { data: "alice:pw\n" });
  const second = await within(readFlagFile("--tls-cert", fifo, Error, { waitMs: 200, pipesRead }), endWaitOn(fifo));
  assert.ok(typeof second === "object" && "error" in second && second.error instanceof TypeError, JSON.stringify(second));
  assert.equal(second.error.message, `--tls-cert ${fifo}: nothing came within 0.2 s: --auth-file ${fifo} named the same pipe and read it to its end (a pipe can be read only once)`);
}));
