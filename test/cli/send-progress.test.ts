// `smtplib send`'s progress display, end to end: the command runs on a pseudo-terminal
// (util-linux `script`), so that its stderr is a terminal as a user's is, and sends up to
// 12 MiB through a slowed link to the debugging server; what the terminal received is read
// back, escape sequences and all.
//
// Why a real terminal rather than a wrapper that sets process.stderr.isTTY on a pipe: the
// condition under test is Node's own (stderr is a tty.WriteStream only on a terminal), and
// cli-progress asks the stream again for each escape sequence; a wrapper would fake the very
// thing tested. `script` is in bsdutils, which every Debian system has (.ci/run checks).
import { after, describe, test } from "node:test";
import { strict as assert } from "node:assert";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { connect, createServer, type Socket } from "node:net";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { formatBytes } from "../../src/cli/progress.js";
import { startDebugServer, type DebugServer, type DebugServerHooks, type DebugServerOptions } from "../../src/server/debug-server.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const LIMIT_MS = 30_000;
/** send.ts's PROGRESS_THRESHOLD: smaller messages get no bar. */
const THRESHOLD = 512 * 1024;
const SEND = ["send", "--from", "a@x.test", "--to", "b@x.test", "--helo", "progress.test"];

const HIDE_CURSOR = "\x1b[?25l";
const SHOW_CURSOR = "\x1b[?25h";
const NO_WRAP = "\x1b[?7l";
const WRAP = "\x1b[?7h";
const ERASE_LINE = "\x1b[2K";

const hasScript = spawnSync("script", ["--version"], { encoding: "utf8" }).stdout?.includes("util-linux") === true;
// Skipped where util-linux's `script` is missing (macOS has another); never in CI.
const skip = hasScript || process.env["CI"] ? false : "needs util-linux's script(1) for a pseudo-terminal";

const children = new Set<ChildProcess>();
const cleanups: (() => Promise<unknown>)[] = [];
let dir: Promise<string> | undefined;
after(async () => {
  for (const child of children) child.kill("SIGKILL");
  await Promise.allSettled(cleanups.map((c) => c()));
  if (dir) await rm(await dir, { recursive: true, force: true });
});

let files = 0;
/** A new file in this test file's temporary folder. */
async function tempFile(content: string | Buffer): Promise<string> {
  dir ??= mkdtemp(join(tmpdir(), "smtplib-progress-"));
  const file = join(await dir, `f${++files}`);
  await writeFile(file, content);
  return file;
}

/** `s` as one word for /bin/sh. */
function quote(s: string): string {
  return `'${s.replaceAll("'", "'\\''")}'`;
}

interface Run { code: number | null; terminal: string; stdout: string }

/** Waits for `child` to exit (killed after LIMIT_MS). */
async function exited(child: ChildProcess): Promise<number | null> {
  children.add(child);
  const timer = setTimeout(() => child.kill("SIGKILL"), LIMIT_MS);
  // "close", not "exit": what it printed last may still be in the pipes at its exit
  const [code] = (await once(child, "close")) as [number | null];
  clearTimeout(timer);
  children.delete(child);
  return code;
}

/**
 * Runs `smtplib send ...args` on a pseudo-terminal: stdin, stdout and stderr are the
 * terminal, except that stdout goes to a file (so the terminal shows stderr alone) and,
 * with `pipeFrom`, stdin is a pipe from `cat`: a message of unknown size. With `ctrlCOn`,
 * Ctrl-C is typed on the terminal once its output matches (the terminal sends SIGINT).
 */
async function sendOnTerminal(args: string[], { pipeFrom, ctrlCOn }: { pipeFrom?: string; ctrlCOn?: RegExp } = {}): Promise<Run> {
  const out = await tempFile("");
  const smtplib = [process.execPath, MAIN, ...SEND, ...args].map(quote).join(" ");
  const command = `${pipeFrom === undefined ? "" : `cat ${quote(pipeFrom)} | `}${smtplib} >${quote(out)}`;
  const child = spawn("script", ["-qfec", command, "/dev/null"], { stdio: [ctrlCOn ? "pipe" : "ignore", "pipe", "pipe"], env: { ...process.env, SHELL: "/bin/sh" } });
  const chunks: Buffer[] = [];
  const onData = (d: Buffer): void => {
    chunks.push(d);
    if (ctrlCOn?.test(Buffer.concat(chunks).toString("utf8"))) {
      child.stdin!.end("\x03");
      ctrlCOn = undefined;
    }
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const code = await exited(child);
  return { code, terminal: Buffer.concat(chunks).toString("utf8"), stdout: await readFile(out, "utf8") };
}

/** Runs `smtplib send ...args` with stderr a pipe (not a terminal); `terminal` is stderr. */
async function sendOffTerminal(args: string[]): Promise<Run> {
  const child = spawn(process.execPath, [MAIN, ...SEND, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => { stdout += d.toString(); });
  child.stderr!.on("data", (d: Buffer) => { stderr += d.toString(); });
  const code = await exited(child);
  return { code, terminal: stderr, stdout };
}

/** The debugging server, closed after the tests. */
async function debugServer(options: DebugServerOptions & DebugServerHooks = {}): Promise<DebugServer> {
  const server = await startDebugServer({ closeTimeout: 100, ...options });
  cleanups.push(() => server.close());
  return server;
}

/**
 * A TCP relay to `port`: with `rate`, it passes the client's bytes on at about that many a
 * second (a slow link: the bar has time to move); with `cutAfter`, it hangs up on both sides
 * once that many have passed (the connection lost in the middle of the message).
 */
async function relay(port: number, { rate = Infinity, cutAfter = Infinity }: { rate?: number; cutAfter?: number }): Promise<number> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(port, "127.0.0.1");
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => undefined).on("close", () => sockets.delete(s));
    }
    upstream.pipe(client);
    client.on("end", () => upstream.end());
    let passed = 0;
    client.on("data", (chunk: Buffer) => {
      const part = chunk.subarray(0, cutAfter - passed);
      upstream.write(part);
      passed += part.length;
      if (passed >= cutAfter) {
        client.destroy();
        upstream.destroy();
      } else if (rate !== Infinity) {
        client.pause();
        setTimeout(() => client.resume(), (chunk.length / rate) * 1000);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return (server.address() as { port: number }).port;
}

/**
 * A message of at least `size` bytes with bare LF line ends, every other line starting with
 * a dot: on the wire each LF becomes CRLF and each leading dot is doubled. Lines of about
 * 100 bytes: 1.5% more on the wire, which the byte counts tell apart, and not so many lines
 * that the debugging server (in this process) is slow to take them.
 */
function makeMessage(size: number): string {
  const lines = ["From: a@x.test", "To: b@x.test", "Subject: progress", ""];
  let length = lines.join("\n").length;
  for (let i = 0; length < size; i++) {
    const line = `${i % 2 === 0 ? "." : ""}line ${i} ${"of about a hundred characters ".repeat(3)}`;
    lines.push(line);
    length += line.length + 1;
  }
  return `${lines.join("\n")}\n`;
}

/** A message of exactly `n` bytes (LF line ends, as a file on disk; the client sends CRLF). */
function messageOfSize(n: number): string {
  const head = "Subject: exact\n\n";
  const message = `${head}${"x".repeat(n - head.length - 1)}\n`;
  assert.equal(Buffer.byteLength(message), n);
  return message;
}

/** What the bar drew, in order: each time from column 1 (ESC[1G) with the rest of the line erased (ESC[0K). */
function drawn(terminal: string): string[] {
  // eslint-disable-next-line no-control-regex
  return [...terminal.matchAll(/\x1b\[1G([^\x1b]*)\x1b\[0K/g)].map((m) => m[1]!);
}

/**
 * Asserts the bar was drawn and then put away: after the last drawing the cursor is shown
 * again, line wrapping is back on and the bar's line is erased, so the shell's prompt (or
 * the error message) starts on a clean line. Returns where that tidying ends.
 */
function assertPutAway(terminal: string): number {
  const last = terminal.lastIndexOf("\x1b[0K");
  assert.ok(last > 0, `nothing drawn: ${JSON.stringify(terminal)}`);
  const rest = terminal.slice(last);
  assert.ok(terminal.includes(HIDE_CURSOR) && rest.includes(SHOW_CURSOR), `the cursor is hidden while drawing and shown again after: ${JSON.stringify(rest)}`);
  assert.ok(!terminal.includes(NO_WRAP) || rest.includes(WRAP), `line wrapping is turned back on: ${JSON.stringify(rest)}`);
  assert.ok(rest.includes(ERASE_LINE), `the bar's line is erased: ${JSON.stringify(rest)}`);
  assert.equal(terminal.split(HIDE_CURSOR).length, terminal.split(SHOW_CURSOR).length, "the cursor is shown as often as it was hidden");
  return last + rest.lastIndexOf(ERASE_LINE) + ERASE_LINE.length;
}

/** The percentages the bar drew, in order. */
function percentages(lines: string[]): number[] {
  return lines.map((line) => {
    const m = /^sending \[[^\]]*\] (\d+)% \| /.exec(line);
    assert.ok(m, `not a progress bar: ${JSON.stringify(line)}`);
    return Number(m[1]);
  });
}

/**
 * The byte counts the counter (size unknown) drew, in order, as shown. Its rate field may
 * say, once all was sent and the server takes over 3 s to answer (a loaded machine), that
 * the reply is awaited.
 */
function counts(lines: string[]): string[] {
  return lines.map((line) => {
    const m = /^sending (\d+(?:\.\d)? (?:B|KiB|MiB|GiB)) \| (?:\?|\d+(?:\.\d)? (?:B|KiB|MiB|GiB)\/s|all sent, waiting for the reply: \d+s) \(size unknown\)$/.exec(line);
    assert.ok(m, `not a byte counter: ${JSON.stringify(line)}`);
    return m[1]!;
  });
}

/** Asserts `values` never go down and take at least `distinct` different values. */
function assertRising<T>(values: T[], order: (v: T) => number, distinct: number): void {
  for (let i = 1; i < values.length; i++) assert.ok(order(values[i]!) >= order(values[i - 1]!), `went down: ${JSON.stringify(values)}`);
  assert.ok(new Set(values).size >= distinct, `fewer than ${distinct} different values drawn: ${JSON.stringify(values)}`);
}

/** "1.5 MiB" -> bytes (approximately: for ordering). */
function shownBytes(shown: string): number {
  const [value, unit] = shown.split(" ");
  return Number(value) * 1024 ** ["B", "KiB", "MiB", "GiB"].indexOf(unit!);
}

// Loopback takes about 4 MiB into kernel buffers at once (the client's send buffer grows to
// net.ipv4.tcp_wmem's 4 MiB), so the bar would jump there whatever the link: the message is
// three times that, and the rest goes at 8 MiB/s, about a second: ten or so drawings.
const RATE = 8 * 1024 * 1024;
let big: Promise<{ message: string; file: string }> | undefined;
/** A 12 MiB message in a file, made once. */
function bigMessage(): Promise<{ message: string; file: string }> {
  big ??= (async () => {
    const message = makeMessage(12 * 1024 * 1024);
    return { message, file: await tempFile(message) };
  })();
  return big;
}

describe("smtplib send on a terminal: the progress display", { skip, concurrency: availableParallelism() }, () => {
  test("a message from a file: a bar on stderr that rises, in place, to 100%, then is put away", async () => {
    const server = await debugServer();
    const { message, file } = await bigMessage();
    // its size as sent (declared as SIZE=): CRLF line ends
    const size = Buffer.byteLength(message.replace(/\n/g, "\r\n"));
    const run = await sendOnTerminal(["--server", `127.0.0.1:${await relay(server.port, { rate: RATE })}`, "--file", file]);
    assert.equal(run.code, 0, run.terminal);
    assert.equal(run.stdout, `delivered <b@x.test>: 250 2.6.0 OK: message queued\nsent to 1 of 1 recipient(s) (${size} bytes)\n`);
    const lines = drawn(run.terminal);
    const percents = percentages(lines);
    assertRising(percents, (p) => p, 4);
    assert.equal(percents[0], 0);
    assert.equal(percents.at(-1), 100);
    // The bytes of the message as declared are counted (CRLF for LF, not doubled dots): the bar ends at its total.
    // Its time field says 0s left, or, when the server takes over 3 s to answer (a loaded
    // machine), that all was sent and the reply is awaited.
    assert.match(lines.at(-1)!, new RegExp(`\\| ${formatBytes(size)}/${formatBytes(size)} \\| (0s left|all sent, waiting for the reply: \\d+s)$`));
    const end = assertPutAway(run.terminal);
    assert.equal(run.terminal.slice(end), "", "nothing after the bar is put away");
    assert.ok(server.messages[0]?.data.equals(Buffer.from(message.replace(/\n/g, "\r\n"))), "the message arrived whole");
  });

  test("a message from a pipe (size unknown): the bytes of it sent so far, rising to its size", async () => {
    const server = await debugServer();
    const { message, file } = await bigMessage();
    const run = await sendOnTerminal(["--server", `127.0.0.1:${await relay(server.port, { rate: RATE })}`], { pipeFrom: file });
    assert.equal(run.code, 0, run.terminal);
    assert.equal(run.stdout, "delivered <b@x.test>: 250 2.6.0 OK: message queued\nsent to 1 of 1 recipient(s)\n");
    const shown = counts(drawn(run.terminal));
    assertRising(shown, shownBytes, 4);
    // The message's own bytes, as read: not the commands, CRLF for LF or doubled dots.
    assert.equal(shown.at(-1), formatBytes(Buffer.byteLength(message)));
    const end = assertPutAway(run.terminal);
    assert.equal(run.terminal.slice(end), "");
  });

  test("from a pipe, the count appears at exactly 512 KiB of the message sent: every byte of it is counted, once", async () => {
    // One byte fewer and nothing is shown: so the count is exact, no byte missed nor
    // counted twice.
    const server = await debugServer();
    const args = ["--server", `127.0.0.1:${server.port}`];
    const [below, at] = await Promise.all([
      sendOnTerminal(args, { pipeFrom: await tempFile(messageOfSize(THRESHOLD - 1)) }),
      sendOnTerminal(args, { pipeFrom: await tempFile(messageOfSize(THRESHOLD)) }),
    ]);
    assert.equal(below.code, 0, below.terminal);
    assert.equal(below.terminal, "");
    assert.equal(at.code, 0, at.terminal);
    const shown = counts(drawn(at.terminal));
    assert.ok(shown.length > 0 && shown.every((s) => s === "512.0 KiB"), JSON.stringify(shown));
    assertPutAway(at.terminal);
  });

  test("no bar: stderr not a terminal, --no-progress, -v (the transcript instead), or a file under 512 KiB as sent", async () => {
    const server = await debugServer();
    const large = await tempFile(makeMessage(1024 * 1024));
    const args = ["--server", `127.0.0.1:${server.port}`];
    const [offTerminal, noProgress, verbose, small, threshold] = await Promise.all([
      sendOffTerminal([...args, "--file", large]),
      sendOnTerminal([...args, "--file", large, "--no-progress"]),
      sendOnTerminal([...args, "--file", large, "-v"]),
      // its three LFs made CRLF: one byte short of 512 KiB as sent, and 512 KiB
      sendOnTerminal([...args, "--file", await tempFile(messageOfSize(THRESHOLD - 4))]),
      sendOnTerminal([...args, "--file", await tempFile(messageOfSize(THRESHOLD - 3))]),
    ]);
    for (const run of [offTerminal, noProgress, verbose, small, threshold]) assert.equal(run.code, 0, run.terminal);
    assert.equal(offTerminal.terminal, "");
    assert.equal(noProgress.terminal, "");
    assert.match(verbose.terminal, /C: <message data, \d+ bytes> \./);
    assert.ok(!verbose.terminal.includes("\x1b"), JSON.stringify(verbose.terminal.slice(0, 500)));
    assert.equal(small.terminal, "");
    assert.equal(percentages(drawn(threshold.terminal)).at(-1), 100, "a file of exactly 512 KiB has a bar");
  });

  test("a small message the server is slow to accept (4.5 s): from 3 s on, a line says the reply is awaited, and it is erased before the outcome", async () => {
    const server = await debugServer({ onMessage: () => new Promise((resolve) => setTimeout(resolve, 4_500)) });
    const run = await sendOnTerminal(["--server", `127.0.0.1:${server.port}`, "--subject", "slow"]);
    assert.equal(run.code, 0, run.terminal);
    assert.match(run.terminal, /waiting for the server's reply to the message: \d+s/);
    assert.ok(run.terminal.trimEnd().endsWith("\x1b[K"), `the line erased at the end: ${JSON.stringify(run.terminal.slice(-80))}`);
    assert.match(run.stdout, /^delivered <b@x\.test>: 250 /m);
  });

  test("refused after the data: the count is put away before the error message, and nothing is drawn after it", async () => {
    const server = await debugServer({ refuseAfterData: [{ address: "b@x.test", code: 554, message: "no thanks" }] });
    const message = makeMessage(1024 * 1024);
    const run = await sendOnTerminal(["--server", `127.0.0.1:${server.port}`], { pipeFrom: await tempFile(message) });
    assert.equal(run.code, 4, run.terminal);
    assert.equal(counts(drawn(run.terminal)).at(-1), formatBytes(Buffer.byteLength(message)));
    const end = assertPutAway(run.terminal);
    assert.match(run.terminal.slice(end), /^smtplib: SMTPDataError: 554 [^\r\n]*no thanks\r\n$/);
  });

  test("the connection lost mid-message: the bar stops below 100% and is put away before the error message", async () => {
    // Cut after 1 MiB: with what the kernel buffers, the client has written less than half.
    const server = await debugServer();
    const { file } = await bigMessage();
    const run = await sendOnTerminal(["--server", `127.0.0.1:${await relay(server.port, { cutAfter: 1024 * 1024 })}`, "--file", file]);
    assert.equal(run.code, 5, run.terminal);
    assert.equal(run.stdout, "");
    const percents = percentages(drawn(run.terminal));
    assert.equal(percents[0], 0);
    // Drawn once more as it stops: where it got to, past the 1 MiB that went through.
    assert.ok(percents.at(-1)! > 0 && percents.at(-1)! < 100, `stopped at ${percents.at(-1)}%`);
    const end = assertPutAway(run.terminal);
    assert.match(run.terminal.slice(end), /^smtplib: SMTPServerDisconnected: [^\r\n]*\r\n$/);
    assert.equal(server.messages.length, 0);
  });

  test("Ctrl-C mid-message: the bar is put away before the interruption is reported (exit 130)", async () => {
    const server = await debugServer();
    const { file } = await bigMessage();
    const link = await relay(server.port, { rate: RATE / 2 });
    const run = await sendOnTerminal(["--server", `127.0.0.1:${link}`, "--file", file], { ctrlCOn: / [1-9]\d?% \| / });
    assert.equal(run.code, 130, run.terminal);
    assert.ok(percentages(drawn(run.terminal)).at(-1)! < 100);
    const end = assertPutAway(run.terminal);
    assert.equal(run.terminal.slice(end), "smtplib: interrupted by SIGINT: the server did not confirm the message\r\n");
    assert.equal(server.messages.length, 0);
  });
});
