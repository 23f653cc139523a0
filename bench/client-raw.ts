/**
 * Benchmark reference (not a peer): a minimal hand-written pipelined client on `node:net`,
 * about 100 lines, to show what Node.js itself reaches on this machine. One connection;
 * MAIL, every RCPT and DATA go as one write; after the 354 the dot-stuffed content (stuffed
 * afresh for every message), the final "." and the next transaction's MAIL/RCPT/DATA go as
 * the next (corked into one writev) (one round trip per
 * message, RFC 2920). It expects CRLF input (no line-ending repair) and checks every reply
 * code, but has none of a library's checks, options, timeouts or error handling.
 *
 * Mode `lockstep` (for a server without PIPELINING): MAIL, each RCPT, DATA and the message
 * each wait for their reply, one `await` per reply, as RFC 5321 requires there; it shows
 * what a minimal Node.js client reaches against Python's blocking loop on this machine.
 * @module
 */
import net from "node:net";
import { readFileSync } from "node:fs";
import { runJob, startClock } from "./spec.js";
import { FROM, recipients } from "./messages.js";

const END = Buffer.from(".\r\n", "latin1");

/**
 * Dot-stuffs a CRLF message into one new buffer: finds the line starts with "." (indexOf),
 * then copies the runs between them with `Buffer.copy` (no intermediate slices).
 */
function stuff(msg: Buffer): Buffer {
  const dots: number[] = msg[0] === 0x2e ? [0] : [];
  for (let i = msg.indexOf("\n.", 0, "latin1"); i !== -1; i = msg.indexOf("\n.", i + 2, "latin1")) dots.push(i + 1);
  const crlfEnd = msg.length >= 2 && msg[msg.length - 2] === 0x0d && msg[msg.length - 1] === 0x0a;
  const out = Buffer.allocUnsafe(msg.length + dots.length + (crlfEnd ? 0 : 2));
  let from = 0;
  let to = 0;
  for (const d of dots) {
    to += msg.copy(out, to, from, d);
    out[to++] = 0x2e;
    from = d;
  }
  to += msg.copy(out, to, from);
  if (!crlfEnd) out.write("\r\n", to, "latin1");
  return out;
}

class Replies {
  #buf = "";
  #codes: number[] = [];
  #want = 0;
  #wake: (() => void) | null = null;
  #error: Error | null = null;

  feed(chunk: Buffer): void {
    this.#buf += chunk.toString("latin1");
    let nl: number;
    while ((nl = this.#buf.indexOf("\n")) !== -1) {
      const line = this.#buf.slice(0, nl);
      this.#buf = this.#buf.slice(nl + 1);
      if (line[3] !== "-") this.#codes.push(Number(line.slice(0, 3)));
    }
    if (this.#wake && this.#codes.length >= this.#want) this.#wake();
  }

  fail(err: Error): void {
    this.#error = err;
    this.#wake?.();
  }

  /** Waits for `n` replies and checks their codes against `expected`. */
  async take(expected: number[]): Promise<void> {
    while (this.#codes.length < expected.length) {
      if (this.#error) throw this.#error;
      this.#want = expected.length;
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = null;
    }
    const got = this.#codes.splice(0, expected.length);
    got.forEach((c, i) => {
      if (c !== expected[i]) throw new Error(`expected ${expected[i]}, got ${c}`);
    });
  }
}

/** Sends `count` messages one command at a time, each after the previous reply, then QUIT. */
async function lockStep(sock: net.Socket, replies: Replies, msg: Buffer, to: readonly string[], count: number): Promise<void> {
  const mail = `MAIL FROM:<${FROM}>\r\n`;
  const rcpts = to.map((r) => `RCPT TO:<${r}>\r\n`);
  for (let i = 0; i < count; i++) {
    sock.write(mail);
    await replies.take([250]);
    for (const rcpt of rcpts) {
      sock.write(rcpt);
      await replies.take([250]);
    }
    sock.write("DATA\r\n");
    await replies.take([354]);
    sock.cork();
    sock.write(stuff(msg));
    sock.write(END);
    sock.uncork();
    await replies.take([250]);
  }
  sock.write("QUIT\r\n");
  await replies.take([221]);
}

await runJob(async (spec) => {
  if (!spec.msgFile) throw new Error("msgFile is required");
  const msg = readFileSync(spec.msgFile);
  const to = recipients(spec.rcpts);
  const group = Buffer.from(`MAIL FROM:<${FROM}>\r\n${to.map((r) => `RCPT TO:<${r}>\r\n`).join("")}DATA\r\n`, "latin1");
  const groupReplies = [250, ...to.map(() => 250), 354];
  const clock = startClock();
  const sock = net.connect({ host: spec.host, port: spec.port, noDelay: true });
  const replies = new Replies();
  sock.on("data", (d: Buffer) => replies.feed(d));
  sock.on("error", (e) => replies.fail(e));
  sock.on("close", () => replies.fail(new Error("connection closed")));
  await replies.take([220]);
  sock.write("EHLO bench.client\r\n");
  await replies.take([250]);
  if (spec.mode === "lockstep") {
    await lockStep(sock, replies, msg, to, spec.count);
    sock.destroy();
    return { ok: true, ...clock(), messages: spec.count, bytes: spec.count * msg.length };
  }
  sock.write(group);
  for (let i = 0; i < spec.count; i++) {
    await replies.take(groupReplies);
    sock.cork();
    sock.write(stuff(msg));
    sock.write(END);
    sock.write(i + 1 < spec.count ? group : "QUIT\r\n");
    sock.uncork();
    await replies.take([250]);
  }
  await replies.take([221]);
  sock.destroy();
  return { ok: true, ...clock(), messages: spec.count, bytes: spec.count * msg.length };
});
