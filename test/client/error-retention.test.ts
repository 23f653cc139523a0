/**
 * A failed call's error, kept by its caller (a retry queue's last error per job, a log
 * buffer), keeps nothing of the call: V8 keeps each stack frame's function until the stack
 * is formatted, and with it the closures of the send path that made the error, the message's
 * bytes among them. Counted with a WeakRef to the message after a forced garbage collection.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { SMTP, SMTPPool, SMTPServerDisconnected, SMTPTimeoutError } from "../../src/index.js";
import { CallTurns } from "../../src/client/call-turns.js";
import { lineServer, type LineServer } from "../helpers/line-server.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Accepts one envelope, answers DATA with 354, then stops reading: a large message's writes stall. */
function stopsReadingAtData(): Promise<LineServer> {
  return lineServer((sock, line) => {
    const verb = line.slice(0, 4).toUpperCase();
    if (verb === "EHLO") sock.write("250-mx.test\r\n250 PIPELINING\r\n");
    else if (verb === "DATA") {
      sock.write("354 go ahead\r\n");
      sock.pause();
    } else sock.write("250 ok\r\n");
  });
}

/** Large enough that its writes stall once the server stops reading (socket buffers hold a few MiB at most). */
const bigMessage = (): Buffer => Buffer.alloc(16 * 1024 * 1024, "Subject: big\r\n\r\nyyyyyyyyyyyyyyyyyyyyyyyy\r\n");

/** Offers 8BITMIME (and PIPELINING), and accepts every command. */
function eightBitServer(): Promise<LineServer> {
  return lineServer((sock, line) => {
    if (line.slice(0, 4).toUpperCase() === "EHLO") sock.write("250-mx.test\r\n250-8BITMIME\r\n250 PIPELINING\r\n");
    else sock.write("250 ok\r\n");
  });
}

/** A large message whose header holds 8-bit data: given `BODY=7BIT`, refused at its turn with a TypeError. */
const bigEightBitMessage = (): Buffer => Buffer.alloc(16 * 1024 * 1024, "Subject: caf\xe9\r\n\r\nyyyyyyyyyyyyyyyyyyyyyyyy\r\n", "latin1");

/** Sends a large message with `send` and forgets it: what is left is a WeakRef to it and the call's error. */
async function sendAndForget(send: (msg: Buffer) => Promise<unknown>, make = bigMessage): Promise<{ ref: WeakRef<Buffer>; error: unknown }> {
  const msg = make();
  const ref = new WeakRef(msg);
  const error = await send(msg).then(() => undefined, (err: unknown) => err);
  return { ref, error };
}

/** Whether `ref`'s target is still alive once everything unreachable has been collected. */
async function stillAlive(ref: WeakRef<object>): Promise<boolean> {
  // A WeakRef's target is kept until the end of the job that made or read it.
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  return ref.deref() !== undefined;
}

test("a client's error kept after a timed-out write holds no reference to the message", { timeout: 20_000 }, async () => {
  const server = await stopsReadingAtData();
  const client = await SMTP.connect("127.0.0.1", server.port, { timeouts: { dataBlock: 100 } });
  const { ref, error } = await sendAndForget((msg) => client.sendmail("a@example.org", ["b@example.org"], msg));
  client.close();
  await server.close();
  assert.ok(error instanceof SMTPTimeoutError, String(error));
  assert.equal(await stillAlive(ref), false, "the error kept the message alive");
  assert.match(error.message, /the message was not sent/); // the error itself is still held here
});

test("a pool's error kept after a timed-out write holds no reference to the message", { timeout: 20_000 }, async () => {
  const server = await stopsReadingAtData();
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, timeouts: { dataBlock: 100 } });
  const { ref, error } = await sendAndForget((msg) => pool.sendmail("a@example.org", ["b@example.org"], msg));
  await pool.close();
  await server.close();
  assert.ok(error instanceof SMTPTimeoutError, String(error));
  assert.equal(await stillAlive(ref), false, "the error kept the message alive");
  assert.match(error.message, /the message was not sent/); // the error itself is still held here
});

// A TypeError is no SMTPException: made at the call's turn (the server's extensions decide),
// inside the closure that runs the call, which holds the request and its message. Before,
// its stack was left unformatted, and the error kept the 16 MiB message alive.
test("a client's TypeError made at the call's turn (BODY=7BIT, 8-bit data), kept, holds no reference to the message", { timeout: 20_000 }, async () => {
  const server = await eightBitServer();
  const client = await SMTP.connect("127.0.0.1", server.port);
  await client.ehlo();
  const { ref, error } = await sendAndForget((msg) => client.sendMessage(msg, "a@example.org", ["b@example.org"], ["BODY=7BIT"]), bigEightBitMessage);
  client.close();
  await server.close();
  assert.ok(error instanceof TypeError, String(error));
  assert.equal(await stillAlive(ref), false, "the error kept the message alive");
  assert.match(error.message, /BODY=7BIT was given, but the message holds 8-bit data/);
});

test("a pool's TypeError made at the call's turn, kept, holds no reference to the message", { timeout: 20_000 }, async () => {
  const server = await eightBitServer();
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port });
  const { ref, error } = await sendAndForget((msg) => pool.sendMessage(msg, "a@example.org", ["b@example.org"], ["BODY=7BIT"]), bigEightBitMessage);
  await pool.close();
  await server.close();
  assert.ok(error instanceof TypeError, String(error));
  assert.equal(await stillAlive(ref), false, "the error kept the message alive");
});

test("a call's rejection that is not an Error, or whose stack hook throws, passes through the call queue as it is", async () => {
  const turns = new CallTurns();
  await assert.rejects(turns.run(() => Promise.reject("a string"), undefined), (err: unknown) => err === "a string");
  const before = Error.prepareStackTrace;
  Error.prepareStackTrace = () => {
    throw new Error("a broken stack hook");
  };
  try {
    const made = new TypeError("bad input");
    await assert.rejects(turns.run(() => Promise.reject(made), undefined), (err: unknown) => err === made);
  } finally {
    Error.prepareStackTrace = before;
  }
  // The queue is free again: the next call runs.
  assert.equal(await turns.run(() => Promise.resolve(1), undefined), 1);
});

test("an Error.prepareStackTrace that throws does not make the library's errors throw when made", () => {
  const before = Error.prepareStackTrace;
  Error.prepareStackTrace = () => {
    throw new Error("a broken stack hook");
  };
  try {
    const err = new SMTPServerDisconnected("Connection closed");
    assert.equal(err.name, "SMTPServerDisconnected");
    assert.equal(err.message, "Connection closed");
  } finally {
    Error.prepareStackTrace = before;
  }
});
