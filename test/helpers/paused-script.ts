/**
 * A scripted server that stops reading (`-- pause`) before a large message, so that the
 * client is still writing it when the server's next reply comes, and the assertions on
 * what the client reports then: shared by the tests of a reply that closes the connection,
 * or that comes just before the server closes it.
 */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { SMTP, SMTPDataError, SMTPRecipientsRefused } from "../../src/index.js";
import { LOCAL } from "./client.js";
import { lostWhileWriting, notSent } from "./closed-on.js";
import { expectedClientBytes, startScriptServer } from "./script-server.js";

/**
 * The most a TCP socket's buffer may grow to in one direction (Linux: the third figure of
 * `/proc/sys/net/ipv4/tcp_rmem` or `tcp_wmem`), or `fallback` where that cannot be read.
 */
function tcpBufferMax(direction: "rmem" | "wmem", fallback: number): number {
  try {
    const max = Number(readFileSync(`/proc/sys/net/ipv4/tcp_${direction}`, "utf8").trim().split(/\s+/)[2]);
    return Number.isSafeInteger(max) && max > 0 ? max : fallback;
  } catch {
    return fallback;
  }
}

/**
 * Larger than what the sockets' buffers can hold once the server stops reading: the
 * server's receive buffer and the client's send buffer at their largest, plus 4 MiB (at
 * least 24 MiB). Loopback rarely grows a buffer whose reader has stopped, but a message
 * that could fit would let these tests pass without testing anything.
 */
export const SIZE = Math.max(24 * 1024 * 1024, tcpBufferMax("rmem", 8 * 1024 * 1024) + tcpBufferMax("wmem", 8 * 1024 * 1024) + 4 * 1024 * 1024);
/** A message of {@link SIZE} bytes: one line of "x", nothing for DATA to stuff. */
export const MESSAGE = Buffer.alloc(SIZE, "x");

/** {@link MESSAGE} as a stream, in pieces of `piece` bytes (views, no copies). */
export async function* messageStream(piece: number): AsyncGenerator<Buffer> {
  for (let off = 0; off < SIZE; off += piece) yield MESSAGE.subarray(off, off + piece);
}

/** Early replies to the message: a permanent refusal (over the size limit), and a server closing (RFC 5321 §3.8). */
export const EARLY: readonly [number, string][] = [[552, "5.3.4 Message too big"], [421, "4.3.2 Shutting down"]];

/**
 * The end of a script whose server has stopped reading: it lets the client write for a
 * while, replies `code text`, and hangs up with the client's bytes unread.
 */
export function refusedWhileWriting(code: number, text: string): string {
  return `-- wait 100\nS: ${code} ${text}\n-- destroy\n`;
}

/**
 * Runs `fn` against `script`, whose server stops reading partway through the message, then
 * checks that the client sent the script's C: bytes and after them only part of the
 * message: nothing else (no RSET, no "."), and not the whole of it.
 */
export async function withPausedScript(script: string, fn: (client: SMTP) => Promise<void>, cls: typeof SMTP = SMTP): Promise<void> {
  const server = await startScriptServer(script);
  let client: SMTP | undefined;
  try {
    client = await cls.connect("127.0.0.1", server.port, { localHostname: LOCAL, timeout: 5000 });
    await fn(client);
    await server.done;
    const expected = expectedClientBytes(script);
    const received = server.received();
    assert.equal(received.slice(0, expected.length), expected);
    const rest = received.slice(expected.length);
    assert.ok(/^x*$/.test(rest) && rest.length < SIZE, `after the script: ${rest.length} bytes, not only part of the message`);
  } finally {
    client?.close();
    await server.close();
  }
}

/**
 * `err` is the SMTPDataError made from the server's `code` and `text` in reply to
 * `command` ("end of data" or "BDAT"), with the failed write as its cause. Returns true.
 */
export function dataRefused(err: unknown, code: number, text: string, command: string, label: string): true {
  assert.ok(err instanceof SMTPDataError, `${label}: expected SMTPDataError, got ${String(err)}`);
  assert.deepEqual([err.smtpCode, err.smtpError, err.command], [code, text, command], label);
  return lostWhileWriting(err.cause);
}

/**
 * `err` is what an LMTP call reports when the first reply after the data refused the
 * message and the connection closed: SMTPRecipientsRefused for the end of data with r1's
 * reply (`code`, `text`) and for r2, who got no reply, no outcome (code -1: unknown, or with `unsent` not delivered); the
 * failed write as its cause. Returns true.
 */
export function recipientsRefusedAtEnd(err: unknown, code: number, text: string, label: string, unsent = false): true {
  assert.ok(err instanceof SMTPRecipientsRefused, `${label}: expected SMTPRecipientsRefused, got ${String(err)}`);
  assert.equal(err.command, "end of data", label);
  // both were accepted at RCPT: the refusals are of the message, not of the envelope
  assert.doesNotMatch(err.message, /before any recipient was accepted/, label);
  const r1 = err.recipients.get("r1@y.test");
  const r2 = err.recipients.get("r2@y.test");
  assert.deepEqual([r1?.code, r1?.message], [code, text], label);
  // the second recipient got no reply (the first one's was a 552, or a 421 that closed)
  assert.ok(r2?.code === -1 && /No reply for this recipient/.test(r2.message), `${label}: ${JSON.stringify(r2)}`);
  // `unsent`: the reply came while DATA's message (or BDAT LAST's bytes) was written, so its end never went
  const outcome = unsent ? /the message was not all sent, so it was not delivered$/ : /whether it got the message is unknown$/;
  assert.match(r2.message, outcome, label);
  return lostWhileWriting(err.cause);
}

/**
 * Starts `call`, with a NOOP queued behind it, and checks that `call` fails as `check`
 * says, that the NOOP sends nothing, and that the connection is closed.
 */
export async function refusedAndClosed(client: SMTP, call: () => Promise<unknown>, check: (err: unknown) => true): Promise<void> {
  const sent = call();
  const queued = client.noop();
  await assert.rejects(sent, check);
  await assert.rejects(queued, notSent);
  assert.equal(client.connected, false);
}
