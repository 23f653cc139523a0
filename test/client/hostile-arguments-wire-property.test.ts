/**
 * Property: any value a JavaScript caller passes to a call that writes a command (VRFY,
 * EXPN, HELP, a raw `docmd`/`putcmd`, HELO/EHLO, MAIL, RCPT, a raw `send`, a whole
 * `sendmail`) either is refused with a TypeError or RangeError (or smtplib's own
 * SMTPNotSupportedError for a non-ASCII address) before a single byte is written, or is
 * taken and puts on the wire exactly the bytes an independent model of the contract says
 * (Python's line for the command; for `sendmail`, lone CR and LF made CRLF, a leading '.'
 * doubled, a last CRLF added). Values: wrong primitives (number, boolean, bigint, symbol,
 * null, undefined), objects whose getters or traps throw, arrays with holes, strings with
 * lone surrogates, NUL, CR, LF, U+2028, a 10 MB string, and arbitrary Unicode strings.
 * Never another error, a hang, or a rejection nobody handles. Each run has a connection
 * of its own, to a server on 127.0.0.1 that takes everything and records every byte.
 */

import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import fc from "fast-check";
import { quoteaddr, SMTP, SMTPNotSupportedError } from "../../src/index.js";

/** A server that answers every command (DATA with 354, its end with 250) and keeps what each connection sent. */
async function recordingServer(): Promise<{ port: number; received: Map<net.Socket, Buffer[]>; close(): Promise<void> }> {
  const received = new Map<net.Socket, Buffer[]>();
  const server = net.createServer((sock) => {
    const chunks: Buffer[] = [];
    received.set(sock, chunks);
    sock.on("error", () => undefined);
    sock.on("close", () => received.delete(sock));
    sock.write("220 mx.test ESMTP\r\n");
    // A long line (the 10 MB one) is kept in pieces until a chunk with an LF comes: joined
    // and searched at each chunk, it cost time quadratic in its length (15 s for 10 MB in
    // 64 KiB chunks on a loaded machine), past the client's timeout, failing the property.
    let pieces: Buffer[] = [];
    let inData = false;
    sock.on("data", (d: Buffer) => {
      chunks.push(d);
      pieces.push(d);
      if (!d.includes(0x0a)) return; // no line ends in this chunk
      let pending = Buffer.concat(pieces).toString("latin1");
      for (let i = pending.indexOf("\r\n"); i !== -1; i = pending.indexOf("\r\n")) {
        const line = pending.slice(0, i);
        pending = pending.slice(i + 2);
        if (inData) {
          if (line === ".") { inData = false; sock.write("250 queued\r\n"); }
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === "EHLO") sock.write("250-mx.test\r\n250 PIPELINING\r\n");
        else if (verb === "DATA") { inData = true; sock.write("354 go\r\n"); } else sock.write("250 ok\r\n");
      }
      pieces = pending === "" ? [] : [Buffer.from(pending, "latin1")];
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    received,
    close: () => new Promise<void>((resolve) => {
      for (const s of received.keys()) s.destroy();
      server.close(() => resolve());
    }),
  };
}

const HUGE = "a".repeat(10 * 1024 * 1024);
const throwingProxy = new Proxy({}, { get() { throw new Error("trap"); }, ownKeys() { throw new Error("trap"); }, getPrototypeOf() { throw new Error("trap"); } });
const throwingGetters = { get length(): number { throw new Error("getter"); }, toString(): string { throw new Error("toString"); } };
/** What {@link throwingProxy} and {@link throwingGetters} throw. */
const CALLERS_OWN = new Set(["trap", "getter", "toString"]);
// eslint-disable-next-line no-sparse-arrays
const holes = ["b@y.test", , "c@y.test"];

/** Values no call takes as they are (or takes as "not given"), and strings with every character a command may not hold. */
const HOSTILE: readonly unknown[] = [
  undefined, null, 0, -1, NaN, Infinity, 2.5, true, false, 5n, Symbol("s"), {}, [], holes, throwingProxy, throwingGetters,
  new Uint16Array([0x6968]), new ArrayBuffer(2), Buffer.from("hi\r\n.x"), () => "x",
  "", " ", "a\uD800b", "\uDC00", "a\0b", "a\rb", "a\nb", "a\r\nRSET", "a\u2028b", "\u2029", "a\tb", ".\r\n.", "\r\n.\r\n", HUGE,
  "a@x.test", "Name <a@x.test>", "<>", "b@y.test", "é@x.test", "mx.test",
];

const hostile = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom("a", "@", ".", " ", "\r", "\n", "\0", "<", ">", "\u2028", "\uD800", "é"), maxLength: 12 }) },
);

/** Message text with the shapes DATA changes: lone CR and LF, lines starting with '.', a lone '.'. */
const lines = fc.string({ unit: fc.constantFrom(".", ".", "\r", "\n", "\r\n", "a", "\u2028"), maxLength: 16 });

/** Mostly a good value (so that the calls that succeed are many and varied), else a hostile one. */
const mostly = (good: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> => fc.oneof({ weight: 3, arbitrary: good }, { weight: 2, arbitrary: hostile }, { weight: 1, arbitrary: fc.array(hostile, { maxLength: 3 }) });

/** Python's quotedata(), written here apart from smtplib's: lone CR/LF made CRLF, a '.' starting a line doubled (after LF only: not after U+2028). */
function stuffed(text: string): string {
  return text.replace(/\r\n|\n|\r(?!\n)/g, "\r\n").replace(/(^|\n)\./g, "$1..");
}

/** The bytes of a string as UTF-8, or of bytes as they are. */
function wire(value: string | Uint8Array): Buffer {
  return typeof value === "string" ? Buffer.from(value, "utf8") : Buffer.from(value);
}

/** `cmd` and, when not empty, its argument, as Python's putcmd writes them. */
const line = (cmd: string, args: unknown): Buffer => wire(`${cmd}${args === undefined || args === null || args === "" ? "" : ` ${String(args)}`}\r\n`);

/**
 * VRFY's or EXPN's line: Python's `_addr_only` (`email.utils.parseaddr`) gives the address of
 * a display-name form, or the text as given (trimmed when it is one word): each is taken.
 */
const addrOnlyLines = (cmd: string, address: unknown): Buffer[] => {
  if (typeof address !== "string") return [line(cmd, address)];
  const inner = /<([^<>]+)>\s*$/.exec(address)?.[1];
  return [address, address.trim(), ...(inner === undefined ? [] : [inner])].map((a) => line(cmd, a));
};

/** A call, and the bytes it must have written when it succeeded. */
interface Call {
  readonly name: string;
  run(c: SMTP): Promise<unknown>;
  /** The bytes it must have written when it succeeded (any one of them). */
  expected(): Buffer | Buffer[];
}

/** `sendmail`'s bytes in lock-step order, PIPELINING only offered: MAIL, each RCPT, DATA, the message, '.'. */
function sendmailBytes(from: unknown, to: unknown, msg: unknown): Buffer {
  const recipients = typeof to === "string" ? [to] : to as string[];
  const text = typeof msg === "string" ? msg : Buffer.from(msg as Uint8Array).toString("latin1");
  let data = stuffed(text);
  if (!data.endsWith("\r\n")) data += "\r\n";
  const head = `MAIL FROM:${quoteaddr(from as string)}\r\n${recipients.map((r) => `RCPT TO:${quoteaddr(r)}\r\n`).join("")}DATA\r\n`;
  return Buffer.concat([wire(head), typeof msg === "string" ? wire(data) : Buffer.from(data, "latin1"), wire(".\r\n")]);
}

const call: fc.Arbitrary<Call> = fc.oneof(
  hostile.map((a): Call => ({ name: `verify(${describe(a)})`, run: (c) => c.verify(a as string), expected: () => addrOnlyLines("VRFY", a) })),
  hostile.map((a): Call => ({ name: `expn(${describe(a)})`, run: (c) => c.expn(a as string), expected: () => addrOnlyLines("EXPN", a) })),
  hostile.map((a): Call => ({ name: `help(${describe(a)})`, run: (c) => c.help(a as string), expected: () => line("HELP", a) })),
  fc.tuple(hostile, hostile).map(([v, a]): Call => ({ name: `docmd(${describe(v)}, ${describe(a)})`, run: (c) => c.docmd(v as string, a as string), expected: () => line(v as string, a) })),
  fc.tuple(hostile, hostile).map(([v, a]): Call => ({
    name: `putcmd(${describe(v)}, ${describe(a)}) + getreply()`,
    run: async (c) => { await c.putcmd(v as string, a as string); return c.getreply(); },
    expected: () => line(v as string, a),
  })),
  hostile.map((n): Call => ({ name: `helo(${describe(n)})`, run: (c) => c.helo(n as string), expected: () => line("HELO", n === undefined || n === null || n === "" ? "client.test" : n) })),
  hostile.map((n): Call => ({ name: `ehlo(${describe(n)})`, run: (c) => c.ehlo(n as string), expected: () => line("EHLO", n === undefined || n === null || n === "" ? "client.test" : n) })),
  hostile.map((a): Call => ({ name: `mail(${describe(a)})`, run: (c) => c.mail(a as string), expected: () => wire(`MAIL FROM:${quoteaddr(a as string)}\r\n`) })),
  hostile.map((o): Call => ({ name: `mail(a@x.test, ${describe(o)})`, run: (c) => c.mail("a@x.test", o as string[]), expected: () => wire(`MAIL FROM:<a@x.test>${((o ?? []) as string[]).map((p) => ` ${p}`).join("")}\r\n`) })),
  hostile.map((a): Call => ({ name: `rcpt(${describe(a)})`, run: (c) => c.rcpt(a as string), expected: () => wire(`RCPT TO:${quoteaddr(a as string)}\r\n`) })),
  hostile.map((d): Call => ({ name: `send(${describe(d)})`, run: (c) => c.send(d as string), expected: () => wire(d as string) })),
  // weighted: the calls whose bytes the model computes most, and the likeliest to be wrong
  { weight: 4, arbitrary: fc.tuple(mostly(fc.constantFrom("a@x.test", "", "Name <a@x.test>")), mostly(fc.constantFrom("b@y.test", ["b@y.test", "c@y.test"])), mostly(lines)).map(([f, t, m]): Call => ({
    name: `sendmail(${describe(f)}, ${describe(t)}, ${describe(m)})`,
    run: (c) => c.sendmail(f as string, t as string[], m as string),
    expected: () => sendmailBytes(f, t, m),
  })) },
);

/** A value as a test name shows it (never by calling its getters). */
function describe(value: unknown): string {
  if (value === HUGE) return "<10 MB string>";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "symbol" || typeof value === "bigint") return `${typeof value} ${String(value)}`;
  if (value === throwingProxy) return "<proxy whose traps throw>";
  if (value === throwingGetters) return "<object whose getters throw>";
  if (Array.isArray(value)) return `[${Array.from({ length: value.length }, (_, i) => (i in value ? describe(value[i]) : "<hole>")).join(", ")}]`;
  if (typeof value === "object" && value !== null) return Object.prototype.toString.call(value);
  return String(value);
}

/**
 * Resolves once `chunks` hold `n` bytes (a raw send() gets no reply to wait for), or after
 * 30 s: a guard for a client that wrote too little, long enough for 10 MB on a loaded machine.
 */
async function bytesArrived(chunks: readonly Buffer[], n: number): Promise<void> {
  const until = Date.now() + 30_000;
  while (chunks.reduce((sum, c) => sum + c.length, 0) < n && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 5));
}

test("property: a call given any argument writes nothing and throws TypeError/RangeError, or writes exactly the contract's bytes", { timeout: 300_000 }, async () => {
  const server = await recordingServer();
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => { unhandled.push(reason); };
  process.on("unhandledRejection", onUnhandled);
  try {
    await fc.assert(fc.asyncProperty(call, async (c) => {
      const client = await SMTP.connect("127.0.0.1", server.port, { localHostname: "client.test", timeout: 10_000 });
      try {
        await client.ehloOrHeloIfNeeded();
        const [sock, chunks] = [...server.received].at(-1)!;
        void sock;
        chunks.length = 0;
        let failure: unknown = null;
        try {
          await c.run(client);
        } catch (err) {
          failure = err;
        }
        if (failure !== null) {
          // the caller's own object throwing from a trap or getter: its error, as it is
          const own = failure instanceof Error && CALLERS_OWN.has(failure.message);
          const refused = own || failure instanceof TypeError || failure instanceof RangeError || failure instanceof SMTPNotSupportedError;
          assert.ok(refused, `${c.name}: not a TypeError/RangeError/SMTPNotSupportedError: ${String(failure)}`);
          assert.equal((await client.noop()).code, 250, `${c.name}: the connection is usable after the refusal`);
          assert.equal(Buffer.concat(chunks).toString("latin1"), "NOOP\r\n", `${c.name}: ${String(failure)} after bytes were written`);
          return;
        }
        const expected = [c.expected()].flat();
        await bytesArrived(chunks, Math.min(...expected.map((e) => e.length)));
        const got = Buffer.concat(chunks);
        assert.ok(expected.some((e) => got.equals(e)), `${c.name}: wrote ${JSON.stringify(got.toString("latin1").slice(0, 300))}, expected ${JSON.stringify(expected[0]!.toString("latin1").slice(0, 300))}`);
      } finally {
        client.close();
      }
    }), { numRuns: 400 });
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(unhandled, []);
  } finally {
    process.off("unhandledRejection", onUnhandled);
    await server.close();
  }
});
