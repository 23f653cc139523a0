// Running the \`smtplib\` command as a child process in tests: each bounded in time, every
// child killed and every temporary directory removed when the test file ends. Also what the
// CLI test files share: temporary files, a raw SMTP session, a hostile server, a message.
import { after } from "node:test";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import type { Readable, Writable } from "node:stream";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { onLines } from "./lines.js";

/** The built CLI entry point. */
export const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
/** How long a child may run before it is killed (a test then fails instead of hanging). */
export const LIMIT_MS = 15_000;
/** Children still running: killed when the file's tests end. */
export const children = new Set<ChildProcess>();
/** Temporary directories to remove when the file's tests end. */
export const tempDirs: string[] = [];
after(async () => {
  for (const child of children) child.kill("SIGKILL");
  await Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** How a finished child ended, and what it printed. */
export interface Done { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** A child running `smtplib`: what it has printed so far, and how it ends. */
export interface Started {
  readonly child: ChildProcess;
  /** Everything printed so far (grows as the child prints). */
  readonly output: { stdout: string; stderr: string };
  /** Once it has ended (killed after LIMIT_MS) and its pipes are read. */
  readonly done: Promise<Done>;
}

/**
 * Writes `input` to a child's stdin and ends it. A child may stop reading and exit before
 * the end (send refusing a message from what it read ahead, as `head` does): the rest then
 * fails with EPIPE, which is the child's choice, told by its exit code, not an error here.
 */
function writeInput(stdin: Writable, input: string): void {
  stdin.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
  });
  stdin.end(input);
}

/** How a child ended: its exit code and signal. */
export type Ending = [code: number | null, signal: NodeJS.Signals | null];

/**
 * Resolves to how `child` ended once it has exited and its stdio pipes have closed: node's
 * "close" event, not "exit", at which what the child printed last may still be in the pipes
 * (output read then is short at random, on a loaded machine). Call it before the child can
 * have ended (at once after spawning it, or before signalling it).
 */
export function ended(child: ChildProcess): Promise<Ending> {
  return once(child, "close") as Promise<Ending>;
}

/** Starts `node ...nodeArgs smtplib ...args`, its stdin ignored or `input` (killed after LIMIT_MS). */
export function start(args: string[], options: { input?: string; env?: Record<string, string>; nodeArgs?: string[] } = {}): Started {
  const child = spawn(process.execPath, [...options.nodeArgs ?? [], MAIN, ...args], { env: { ...process.env, ...options.env }, stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
  children.add(child);
  const output = { stdout: "", stderr: "" };
  child.stdout!.on("data", (d: Buffer) => { output.stdout += d.toString(); });
  child.stderr!.on("data", (d: Buffer) => { output.stderr += d.toString(); });
  if (options.input !== undefined) writeInput(child.stdin!, options.input);
  const timer = setTimeout(() => child.kill("SIGKILL"), LIMIT_MS);
  // "close", not "exit": the child's output may still be in the pipes when it exits.
  const done = ended(child).then(([code, signal]) => {
    clearTimeout(timer);
    children.delete(child);
    return { code, signal, ...output };
  });
  return { child, output, done };
}

/** Runs `smtplib ...args` to completion (killed after LIMIT_MS). */
export function run(args: string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<Done> {
  return start(args, { ...options, input: options.input ?? "" }).done;
}

/**
 * Resolves once `ready()` holds, checked now and after each chunk `stream` emits (no
 * polling); rejects with `explain()` when the stream closes first or after `ms`.
 */
export function whenOutput(stream: Readable, ready: () => boolean, ms: number, explain: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      stream.off("data", check).off("close", closed);
      if (err) reject(err);
      else resolve();
    };
    const check = (): void => { if (ready()) finish(); };
    const closed = (): void => finish(ready() ? undefined : new Error(explain()));
    const timer = setTimeout(closed, ms);
    stream.on("data", check).on("close", closed);
    if (stream.closed) closed();
    else check();
  });
}

/** How {@link Serve} starts its child: `nodeArgs` go to node before the script (`--import` of a test's preload); `env` is added to this process's. */
export interface ServeOptions {
  nodeArgs?: string[];
  env?: Record<string, string>;
  /** Leave out `--port 0` (for `--socket`, which takes no port). */
  noPort?: boolean;
}

/** A running `smtplib serve --port 0 ...`, with its port and live stdout. */
export class Serve {
  stdout = "";
  stderr = "";
  port = 0;
  readonly child: ChildProcess;
  /** How the server ended, once it has and its output is read whole ({@link ended}). */
  readonly closed: Promise<Ending>;
  constructor(args: string[], options: ServeOptions = {}) {
    this.child = spawn(process.execPath, [...options.nodeArgs ?? [], MAIN, "serve", ...options.noPort === true ? [] : ["--port", "0"], ...args], { env: { ...process.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
    this.closed = ended(this.child);
    children.add(this.child);
    this.child.stdout!.on("data", (d: Buffer) => { this.stdout += d.toString(); });
    this.child.stderr!.on("data", (d: Buffer) => { this.stderr += d.toString(); });
  }
  static async start(args: string[] = [], options: ServeOptions = {}): Promise<Serve> {
    const s = new Serve(args, options);
    const m = await s.waitFor(/listening on 127\.0\.0\.1:(\d+)/);
    s.port = Number(m[1]);
    return s;
  }
  async waitFor(pattern: RegExp, ms = LIMIT_MS): Promise<RegExpMatchArray> {
    await whenOutput(this.child.stdout!, () => pattern.test(this.stdout), ms, () => `no ${pattern} in serve output:\n${this.stdout}\n${this.stderr}`);
    return pattern.exec(this.stdout)!;
  }
  /** Stops the server with `signal` (SIGKILL after 5 s) unless it has ended; resolves to its exit code once its output is read whole. */
  async stop(signal: NodeJS.Signals = "SIGINT"): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill(signal);
      timer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
    }
    const [code] = await this.closed;
    clearTimeout(timer);
    children.delete(this.child);
    return code;
  }
}

/** Writes `content` to a new file `name` in a temporary directory removed when the file's tests end. */
export async function tempFile(name: string, content: string | Buffer): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "smtplib-cli-"));
  tempDirs.push(dir);
  const file = join(dir, name);
  await writeFile(file, content);
  return file;
}

/** Talks SMTP to `port` with a raw socket: each command waits for its reply. */
export async function rawSession(port: number, commands: string[]): Promise<string> {
  const socket = connect(port, "127.0.0.1");
  let received = "";
  socket.on("data", (d: Buffer) => { received += d.toString(); });
  // A reset is not an uncaught error: the close that follows fails the wait, saying what came.
  socket.on("error", () => undefined);
  const replies = (n: number): Promise<void> =>
    whenOutput(socket, () => (received.match(/^\d{3} .*\r\n/gm) ?? []).length >= n, LIMIT_MS, () => `fewer than ${n} replies:\n${received}`);
  await replies(1);
  for (const [i, cmd] of commands.entries()) {
    socket.write(`${cmd}\r\n`);
    await replies(i + 2);
  }
  socket.destroy();
  return received;
}

/** A server whose every text carries terminal escape sequences: title, clear screen, colour. */
export async function hostileServer(): Promise<{ server: Server; port: number }> {
  const evil = "\x1b]0;owned\x07\x1b[2J\x1b[31m";
  const server = createServer((sock) => {
    sock.on("error", () => undefined);
    sock.write(`220 mx.test ${evil}greeting\r\n`);
    onLines(sock, (line) => {
      const verb = line.split(" ")[0]!.toUpperCase();
      if (verb === "EHLO") sock.write(`250-mx.test\r\n250-X-EVIL ${evil}param\r\n250 SIZE 1000000\r\n`);
      else if (verb === "MAIL") sock.write(`550 5.7.1 refused ${evil}text\r\n`);
      else if (verb === "QUIT") sock.end(`221 ${evil}bye\r\n`);
      else sock.write("250 ok\r\n");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as { port: number }).port };
}

/** Runs `smtplib ...args` with stdout and stderr read by nobody (`smtplib ... 2>&1 | head -0`). */
export async function runWithClosedOutput(args: string[], input = ""): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: "pipe" });
  children.add(child);
  child.stdout.destroy(); // the reading ends go away: every write fails with EPIPE
  child.stderr.destroy();
  writeInput(child.stdin, input);
  const timer = setTimeout(() => child.kill("SIGKILL"), LIMIT_MS);
  const [code, signal] = (await once(child, "exit")) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  children.delete(child);
  return { code, signal };
}

/** The message the CLI tests send: a leading-dot line included. */
export const MESSAGE = "From: a@example.org\r\nTo: b@example.org\r\nSubject: cli test\r\n\r\nhello\r\n.dotted line\r\n";
