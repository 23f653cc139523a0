// `smtplib send` on a terminal with the message from a pipe (size unknown), to a server slow
// to answer once the message is all sent: the wait for its reply is said, as for a file.
// It was not: a message under the counter's 512 KiB showed nothing at all while the server
// took its time (a file that small shows "waiting for the server's reply to the message"),
// and a larger one's count said "nothing sent for 3s", as if the server had stopped taking
// data, while all had gone and only the reply was awaited.
// On a pseudo-terminal (util-linux `script`), as send-progress.test.ts runs it.
import { after, describe, test } from "node:test";
import { strict as assert } from "node:assert";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startDebugServer, type DebugServer } from "../../src/server/debug-server.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const LIMIT_MS = 30_000;
/** How long the server takes to accept each message: past the waiting line's 3 s. */
const SLOW_MS = 4_500;

const hasScript = spawnSync("script", ["--version"], { encoding: "utf8" }).stdout?.includes("util-linux") === true;
// Skipped where util-linux's `script` is missing (macOS has another); never in CI.
const skip = hasScript || process.env["CI"] ? false : "needs util-linux's script(1) for a pseudo-terminal";

const children = new Set<ChildProcess>();
// promises, made once: the two tests run at once
let server: Promise<DebugServer> | undefined;
let dir: Promise<string> | undefined;
after(async () => {
  for (const child of children) child.kill("SIGKILL");
  await (await server)?.close();
  if (dir !== undefined) await rm(await dir, { recursive: true, force: true });
});

/** `s` as one word for /bin/sh. */
function quote(s: string): string {
  return `'${s.replaceAll("'", "'\\''")}'`;
}

/**
 * Runs `cat FILE | smtplib send` to a server that takes {@link SLOW_MS} to accept the message,
 * on a pseudo-terminal (stdout to a file): resolves to the exit code, what the terminal got
 * (stderr) and stdout.
 */
async function pipeOnTerminal(message: string, name: string): Promise<{ code: number | null; terminal: string; stdout: string }> {
  server ??= startDebugServer({ closeTimeout: 100, onMessage: () => new Promise((resolve) => setTimeout(resolve, SLOW_MS)) });
  dir ??= mkdtemp(join(tmpdir(), "smtplib-progress-pipe-"));
  const { port } = await server;
  const file = join(await dir, `${name}.eml`);
  const out = join(await dir, `${name}.out`);
  await writeFile(file, message);
  const smtplib = [process.execPath, MAIN, "send", "--server", `127.0.0.1:${port}`, "--from", "a@x.test", "--to", "b@x.test"].map(quote).join(" ");
  const child = spawn("script", ["-qfec", `cat ${quote(file)} | ${smtplib} >${quote(out)}`, "/dev/null"], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, SHELL: "/bin/sh" } });
  children.add(child);
  const chunks: Buffer[] = [];
  child.stdout.on("data", (d: Buffer) => chunks.push(d));
  child.stderr.on("data", (d: Buffer) => chunks.push(d));
  const timer = setTimeout(() => child.kill("SIGKILL"), LIMIT_MS);
  // "close", not "exit": what it printed last may still be in the pipes at its exit
  const [code] = (await once(child, "close")) as [number | null];
  clearTimeout(timer);
  children.delete(child);
  return { code, terminal: Buffer.concat(chunks).toString("utf8"), stdout: await readFile(out, "utf8") };
}

describe("smtplib send on a terminal, the message from a pipe, the server slow to accept it", { skip, concurrency: 2 }, () => {
  test("a small message: from 3 s on, a line says the reply is awaited, and it is erased before the outcome", async () => {
    const run = await pipeOnTerminal("Subject: small\n\nhello\n", "small");
    assert.equal(run.code, 0, run.terminal);
    // The count of seconds depends on the machine's load: only that the line is drawn is checked.
    // eslint-disable-next-line no-control-regex
    assert.match(run.terminal, /\r\x1b\[Kwaiting for the server's reply to the message: \d+s/, JSON.stringify(run.terminal));
    assert.ok(run.terminal.endsWith("\r\x1b[K"), `the line is erased: ${JSON.stringify(run.terminal)}`);
    assert.equal(run.stdout, "delivered <b@x.test>: 250 2.6.0 OK: message queued\nsent to 1 of 1 recipient(s)\n");
  });

  test("a message large enough for the count: once all is sent, it says so and counts the wait for the reply, never 'nothing sent'", async () => {
    const line = `${"x".repeat(99)}\n`;
    const run = await pipeOnTerminal(`Subject: large\n\n${line.repeat(8_000)}`, "large");
    assert.equal(run.code, 0, run.terminal);
    assert.match(run.terminal, /sending 781\.3 KiB \| all sent, waiting for the reply: \d+s \(size unknown\)/);
    assert.doesNotMatch(run.terminal, /nothing sent/);
    assert.equal(run.stdout, "delivered <b@x.test>: 250 2.6.0 OK: message queued\nsent to 1 of 1 recipient(s)\n");
  });
});
