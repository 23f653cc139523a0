/**
 * A scripted SMTP peer on 127.0.0.1 port 0 for byte-exact transcript tests.
 *
 * With `{ path }` it listens on a Unix socket instead (for LMTP).
 *
 * A script is a template of lines: `S: text` is sent by the server (CRLF appended),
 * `C: text` is what the client must send (CRLF appended). Consecutive S lines go out in
 * one write; consecutive C lines are awaited as one group (so pipelined groups are
 * checked as groups). `S! text` sends text without CRLF, `C! text` expects it without.
 * `\r`, `\n`, `\x00` and `\\` escapes are decoded in the text. `-- close` closes the
 * connection; `-- wait N` pauses N ms; `-- pause` stops reading (for good: what the
 * client writes next backs up in its socket, and is neither checked nor recorded);
 * `-- destroy` closes the connection at once, as a server that hangs up does (after a
 * pause, with the client's bytes unread: the client's writes then fail); `-- resume`
 * reads again after a pause, for good: what the client sends from then on is recorded
 * (in `received`) but never checked, so no C: line may follow it. Anything the client
 * sends that differs from the script fails `done` with both texts.
 */

import net from "node:net";

type Step = { kind: "send"; bytes: Buffer } | { kind: "expect"; bytes: Buffer } | { kind: "close" } | { kind: "destroy" } | { kind: "pause" } | { kind: "resume" } | { kind: "wait"; ms: number };

/** A running scripted server. */
export interface ScriptServer {
  readonly port: number;
  /** Every byte the client sent, in order. */
  readonly received: () => string;
  /** Resolves when the script has run to its end; rejects on a mismatch. */
  readonly done: Promise<void>;
  /** Closes the server and any connection. */
  close(): Promise<void>;
}

function decode(text: string): string {
  return text.replace(/\\(r|n|t|x([0-9a-fA-F]{2})|\\)/g, (_m, c: string, hex?: string) =>
    hex ? String.fromCharCode(parseInt(hex, 16)) : c === "r" ? "\r" : c === "n" ? "\n" : c === "t" ? "\t" : "\\");
}

/** Parses a script into steps. */
export function parseScript(script: string): Step[] {
  const steps: Step[] = [];
  for (const raw of script.split("\n")) {
    const line = raw.replace(/^\s+/, "");
    if (line === "") continue;
    const m = /^(S:|S!|C:|C!|--) ?(.*)$/.exec(line);
    if (!m) throw new Error(`bad script line: ${line}`);
    const [, tag, rest] = m as unknown as [string, string, string];
    if (tag === "--") {
      if (rest === "close") steps.push({ kind: "close" });
      else if (rest === "destroy") steps.push({ kind: "destroy" });
      else if (rest === "pause") steps.push({ kind: "pause" });
      else if (rest === "resume") steps.push({ kind: "resume" });
      else if (rest.startsWith("wait ")) steps.push({ kind: "wait", ms: Number(rest.slice(5)) });
      else throw new Error(`bad directive: ${line}`);
      continue;
    }
    const text = decode(rest) + (tag.endsWith(":") ? "\r\n" : "");
    const kind = tag.startsWith("S") ? "send" : "expect";
    const last = steps[steps.length - 1];
    if (last && last.kind === kind) last.bytes = Buffer.concat([last.bytes, Buffer.from(text, "utf8")]);
    else steps.push({ kind, bytes: Buffer.from(text, "utf8") });
  }
  return steps;
}

/** The bytes the client is expected to send, all of them, in order. */
export function expectedClientBytes(script: string): string {
  return parseScript(script).filter((s) => s.kind === "expect").map((s) => (s as { bytes: Buffer }).bytes.toString("utf8")).join("");
}

/** Where a script server listens: 127.0.0.1 port 0 (the default), or a Unix socket path. */
export interface ScriptServerOptions {
  /** Listen on this Unix socket path instead of TCP (`port` is then 0). */
  path?: string;
}

/** Starts a server that plays `script` to the first client that connects. */
export async function startScriptServer(script: string, options: ScriptServerOptions = {}): Promise<ScriptServer> {
  const steps = parseScript(script);
  const chunks: Buffer[] = [];
  let socket: net.Socket | undefined;
  let settle!: (err?: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    settle = (err) => (err ? reject(err) : resolve());
  });
  done.catch(() => undefined);
  const server = net.createServer((sock) => {
    if (socket) {
      sock.destroy();
      return;
    }
    socket = sock;
    void play(sock, steps, chunks).then(() => settle(), (err: Error) => {
      settle(err);
      sock.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    if (options.path !== undefined) server.listen(options.path, resolve);
    else server.listen(0, "127.0.0.1", resolve);
  });
  const port = options.path !== undefined ? 0 : (server.address() as net.AddressInfo).port;
  return {
    port,
    received: () => Buffer.concat(chunks).toString("utf8"),
    done,
    close: () => new Promise<void>((resolve) => {
      socket?.destroy();
      server.close(() => resolve());
    }),
  };
}

async function play(sock: net.Socket, steps: Step[], chunks: Buffer[]): Promise<void> {
  let buffered = Buffer.alloc(0);
  let wake: (() => void) | null = null;
  let ended = false;
  /** After `-- resume`: bytes are only recorded (no copy into `buffered` per chunk of a large message). */
  let discarding = false;
  sock.on("data", (d: Buffer) => {
    chunks.push(d);
    if (discarding) return;
    buffered = Buffer.concat([buffered, d]);
    wake?.();
  });
  sock.on("close", () => {
    ended = true;
    wake?.();
  });
  sock.on("error", () => undefined);
  for (const step of steps) {
    if (step.kind === "send") sock.write(step.bytes);
    else if (step.kind === "wait") await new Promise((r) => setTimeout(r, step.ms));
    else if (step.kind === "pause") sock.pause();
    else if (step.kind === "resume") {
      discarding = true;
      sock.resume();
    }
    else if (step.kind === "close") {
      sock.end();
      return;
    } else if (step.kind === "destroy") {
      sock.destroy();
      return;
    } else {
      // Compared as bytes, each byte once: decoding and comparing the whole prefix at each
      // chunk cost time quadratic in the step's length (5.7 s for 2.7 MB in 64 KiB chunks on
      // a loaded machine, past the client's 5 s timeout), and a UTF-8 character split
      // between chunks decoded as U+FFFD, a mismatch that was not one.
      let matched = 0;
      while (buffered.length < step.bytes.length && !ended) {
        if (!buffered.subarray(matched).equals(step.bytes.subarray(matched, buffered.length))) break;
        matched = buffered.length;
        await new Promise<void>((r) => { wake = r; });
        wake = null;
      }
      const got = buffered.subarray(0, step.bytes.length);
      if (!got.equals(step.bytes)) {
        throw new Error(`client sent ${JSON.stringify(buffered.toString("utf8"))}, script expected ${JSON.stringify(step.bytes.toString("utf8"))}`);
      }
      buffered = buffered.subarray(step.bytes.length);
    }
  }
  // Script finished: anything more the client sends is recorded in `received`.
}
