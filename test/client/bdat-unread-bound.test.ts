/**
 * Pipelined BDAT writes a small in-memory message whole (MAIL, RCPT, BDAT LAST and the
 * bytes in one group) and lets the next call in without waiting for its replies. Past 128
 * such transactions with replies unread, each further one waits for the socket to drain
 * before the next call may write: however many calls a caller starts at once against a
 * server that has stopped reading, what the client holds for the socket stays bounded.
 * A Unix socket keeps the kernel's share small (loopback TCP can absorb megabytes), so the
 * socket needs draining long before the 128th message.
 */
import assert from "node:assert/strict";
import diagnostics from "node:diagnostics_channel";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { SMTP } from "../../src/index.js";
import { LOCAL } from "../helpers/client.js";
import { messageSink } from "../helpers/message-sink.js";

const CALLS = 200;
/** Under the size past which a message is written in pieces and waits for the drain itself. */
const BODY = Buffer.alloc(60 * 1024, "x");
const LAST = Buffer.from(" LAST\r\n", "latin1");

/** How many times `needle` occurs in `data`. */
function count(data: Uint8Array, needle: Buffer): number {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let n = 0;
  for (let at = buf.indexOf(needle); at !== -1; at = buf.indexOf(needle, at + needle.length)) n++;
  return n;
}

/** What a test gets from {@link withHeldSink}. */
interface HeldSink {
  sink: Awaited<ReturnType<typeof messageSink>>;
  client: SMTP;
  /** Lets the sink read again. */
  release(): void;
  /** How many BDAT LAST the client has written so far. */
  lasts(): number;
  /** The client's `sendmail` calls, all started at once. */
  calls: Promise<Map<string, unknown>>[];
}

/**
 * Runs `fn` with a client greeted by a sink (over a Unix socket) that reads nothing until
 * released, and CALLS `sendmail` calls started at once; cleans up whatever `fn` did.
 */
async function withHeldSink(fn: (held: HeldSink) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "smtplib-bdat-bound-"));
  let release!: () => void;
  const hold = new Promise<void>((resolve) => (release = resolve));
  const sink = await messageSink(["PIPELINING", "CHUNKING"], { hold, path: join(dir, "sink.sock") });
  const client = new SMTP({ localHostname: LOCAL, timeout: 20_000, socketFactory: () => net.connect(join(dir, "sink.sock")) });
  let lasts = 0;
  const onSend = (message: unknown): void => {
    const { client: from, data } = message as { client: unknown; data: Uint8Array };
    if (from === client) lasts += count(data, LAST);
  };
  diagnostics.subscribe("smtplib.send", onSend);
  try {
    await client.connect("sink.test", 25);
    await client.ehlo();
    const calls = Array.from({ length: CALLS }, () => client.sendmail("a@x.test", "b@y.test", BODY));
    // The first 129 go out at once; without the bound, all 200 would.
    for (let spins = 0; lasts < 129 && spins < 100_000; spins++) await new Promise((resolve) => setImmediate(resolve));
    await fn({ sink, client, release, lasts: () => lasts, calls });
  } finally {
    diagnostics.unsubscribe("smtplib.send", onSend);
    release();
    client.close();
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test("pipelined BDAT: against a server that stops reading, 129 transactions are written whole (128 unread, then one that waits for the drain), and the rest follow once it reads", async () => {
  await withHeldSink(async ({ sink, release, lasts, calls }) => {
    assert.equal(lasts(), 129);
    await sleep(200);
    assert.equal(lasts(), 129, "a call was let in past the bound while the socket still needed draining");
    release();
    const results = await Promise.all(calls);
    assert.equal(results.length, CALLS);
    assert.equal(lasts(), CALLS);
    assert.equal(sink.messages.length, CALLS);
    for (const m of sink.messages) assert.ok(m.raw.equals(BODY));
  });
});

test("pipelined BDAT: the connection lost while the 129th transaction, written whole, waits for the drain -> it may have been delivered (delivery unknown), as the 128 before it; the calls not yet written were not sent", async () => {
  await withHeldSink(async ({ sink, lasts, calls }) => {
    assert.equal(lasts(), 129);
    // The server goes with the 129th message's bytes unread: its wait for the drain fails.
    await sink.close();
    const outcomes = await Promise.allSettled(calls);
    const said = outcomes.map((o) => (o.status === "rejected" ? (o.reason as { delivery?: string }).delivery : "resolved"));
    assert.deepEqual(said.slice(0, 129), Array.from({ length: 129 }, () => "unknown"), "every transaction written whole may have been delivered");
    assert.deepEqual(new Set(said.slice(129)), new Set(["not-delivered"]), "the calls behind were not sent");
  });
});
