/**
 * The servers the benchmarks send to, each in its own process on 127.0.0.1:
 * Postfix's `smtp-sink` (with PIPELINING, or with `-p` to not announce it) and our
 * CHUNKING sink (chunk-sink.ts). Every process started here is stopped by its PID.
 * @module
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";
import { fileURLToPath } from "node:url";

export const SMTP_SINK = "/usr/sbin/smtp-sink";
export const SMTP_SOURCE = "/usr/sbin/smtp-source";

export interface Server {
  readonly name: string;
  readonly port: number;
  readonly pid: number;
  /** Stops the process (SIGTERM, then SIGKILL after 2 s) and returns what it printed. */
  stop(): Promise<string>;
}

/** A port that was free a moment ago (bound to 0 and released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once a connection to `port` receives a 220 greeting. */
async function waitForGreeting(port: number, child: ChildProcess, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const sock = net.connect(port, "127.0.0.1");
      sock.setTimeout(500, () => {
        sock.destroy();
        resolve(false);
      });
      sock.once("data", (d: Buffer) => {
        sock.end("QUIT\r\n");
        resolve(d.toString("latin1").startsWith("220"));
      });
      sock.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`no greeting on port ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function track(name: string, child: ChildProcess, port: number): Server {
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    name,
    port,
    pid: child.pid ?? -1,
    async stop() {
      if (child.exitCode === null && child.signalCode === null && child.pid) {
        process.kill(child.pid, "SIGTERM");
        const timer = setTimeout(() => child.pid && child.exitCode === null && process.kill(child.pid, "SIGKILL"), 2000);
        await exited;
        clearTimeout(timer);
      }
      return out;
    },
  };
}

/** Starts Postfix's smtp-sink; `pipelining: false` adds `-p` (PIPELINING not announced). */
export async function startSmtpSink(pipelining: boolean): Promise<Server> {
  if (!existsSync(SMTP_SINK)) throw new Error(`${SMTP_SINK} not found: apt-get install postfix`);
  const port = await freePort();
  const args: string[] = [];
  // smtp-sink refuses to run as root without -u (it drops privileges after binding).
  if (process.getuid?.() === 0) args.push("-u", "nobody");
  if (!pipelining) args.push("-p");
  args.push(`127.0.0.1:${port}`, "256");
  const child = spawn(SMTP_SINK, args, { stdio: ["ignore", "pipe", "pipe"] });
  const server = track(pipelining ? "smtp-sink" : "smtp-sink -p", child, port);
  try {
    await waitForGreeting(port, child);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

/** Starts our PIPELINING + CHUNKING discard sink (build/bench/chunk-sink.js) as a child process. */
export async function startChunkSink(): Promise<Server> {
  const port = await freePort();
  const script = fileURLToPath(new URL("./chunk-sink.js", import.meta.url));
  const child = spawn(process.execPath, [script, String(port)], { stdio: ["ignore", "pipe", "pipe"] });
  const server = track("bench chunk-sink", child, port);
  try {
    await waitForGreeting(port, child);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}
