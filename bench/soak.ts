/**
 * Soak: one `SMTPPool` and one `SMTP` client driven for many cycles through every kind of
 * event a long-running service meets (refused recipients, 421s, server restarts, timeouts,
 * aborted calls, STARTTLS reconnects, a rate limit, idle periods), against servers in this
 * process, printing every `--every` cycles what should stay flat: heap used, external
 * memory, active handles and timers (`process.getActiveResourcesInfo()`), the listeners on
 * the caller's long-lived AbortSignals, open sockets. Anything that grows per cycle is a leak.
 * Then it closes everything and checks that nothing is left to keep the process alive.
 *
 * Run by hand (not part of `npm test` or `npm run bench`; see bench/README.md, "Soak"):
 * `npx tsc -p tsconfig.json && node --expose-gc build/bench/soak.js [--cycles 600] [--every 50]`
 * @module
 */
import { getEventListeners } from "node:events";
import { getHeapSnapshot } from "node:v8";
import { parseArgs } from "node:util";
import { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { LMTP, SMTP, SMTPPool } from "../src/index.js";
import { startDebugServer } from "../src/server/debug-server.js";
import { getTestCerts } from "../test/helpers/certs.js";
import { startSoakServer, SLOW_MS } from "./soak-server.js";

const { values } = parseArgs({ options: { cycles: { type: "string", default: "600" }, every: { type: "string", default: "50" }, "no-restarts": { type: "boolean", default: false }, "heap-diff": { type: "boolean", default: false } } });
const CYCLES = Number(values.cycles);
const EVERY = Number(values.every);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");

const IDLE_MS = 100;
const timeouts = { dataTermination: 150, command: 500, dataBlock: 150 };
const MSG = `From: a@soak.test\r\nTo: ok@soak.test\r\nSubject: soak\r\n\r\n${"x".repeat(900)}\r\n`;
const FROM = "a@soak.test";
/** Large enough (4 MiB) that its writes stall once the server stops reading. */
const BIG = `Subject: big\r\n\r\n${`${"y".repeat(1022)}\r\n`.repeat(4096)}`;

/** The caller's long-lived signals: a service's shutdown signal, given to every call and to the pool and client. */
const life = new AbortController();
const poolLife = new AbortController();

const server = await startSoakServer();
const silentServer = await startSoakServer(true);
const certs = await getTestCerts();
const tlsServer = await startDebugServer({
  tls: { key: certs.key, cert: certs.cert }, keepMessages: false, keepTranscript: false,
  extensions: { chunking: true }, auth: { users: { soak: "secret-pass" } }, refuseRecipients: ["refuse@soak.test"],
});
const lmtpServer = await startDebugServer({ lmtp: true, keepMessages: false, keepTranscript: false, refuseAfterData: ["late@soak.test"] });
const HOST = "127.0.0.1";

const pool = new SMTPPool({
  host: HOST, port: server.port, maxConnections: 3, maxInFlight: 4, maxMessagesPerConnection: 20,
  idleTimeout: IDLE_MS, rateLimit: { messages: 20, interval: 50 }, timeouts, signal: poolLife.signal, localHostname: "soak.test",
});

/** A pool over STARTTLS with a login and CHUNKING (BDAT), retiring connections often: TLS reconnects. */
const tlsPool = new SMTPPool({
  host: HOST, port: tlsServer.port, requireTLS: true, tls: { ca: certs.ca }, auth: { user: "soak", password: "secret-pass" },
  maxConnections: 2, maxMessagesPerConnection: 5, idleTimeout: IDLE_MS, timeouts: { dataBlock: 100 }, signal: poolLife.signal, localHostname: "soak.test",
});

/** A pool whose server never greets: every connection fails to open (greeting timeout), failing the calls waiting for it. */
const silentPool = new SMTPPool({ host: HOST, port: silentServer.port, maxConnections: 2, timeouts: { greeting: 40 }, signal: poolLife.signal, localHostname: "soak.test" });

/** One client instance reconnected with `connect()` every cycle (closed, or QUIT, in between). */
const reused = new SMTP({ signal: life.signal, timeouts: { ...timeouts, greeting: 40 }, localHostname: "soak.test" });

const counts = new Map<string, number>();
const firstOf = new Map<string, string>();
/** The last errors, as a service keeps them (a status page, a retry queue's last error per job): they must hold no message. */
const KEPT = 64;
const keptErrors: unknown[] = [];
function tally(outcome: PromiseSettledResult<unknown>, what = ""): void {
  const key = outcome.status === "fulfilled" ? "ok" : (outcome.reason as Error)?.name ?? "?";
  if (outcome.status === "rejected") keptErrors[(counts.get("kept") ?? 0) % KEPT] = outcome.reason;
  if (outcome.status === "rejected") counts.set("kept", (counts.get("kept") ?? 0) + 1);
  if (process.env.SOAK_WHY && key === process.env.SOAK_WHY) console.log(what, outcome.status === "rejected" ? outcome.reason : "");
  if (outcome.status === "rejected" && !firstOf.has(key)) firstOf.set(key, String((outcome.reason as Error)?.message).slice(0, 160));
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** A call aborted by its own (short-lived) signal while its end of data waits for the reply. */
function abortedSoon<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ctl = new AbortController();
  setTimeout(() => ctl.abort(new Error("caller gave up")), SLOW_MS / 3);
  return run(ctl.signal);
}

async function poolCycle(i: number): Promise<void> {
  const signal = life.signal;
  const calls: Promise<unknown>[] = [];
  for (let k = 0; k < 12; k++) calls.push(pool.sendmail(FROM, [`ok${k}@soak.test`], MSG, [], [], { signal }));
  calls.push(pool.sendmail(FROM, ["ok@soak.test", "refuse@soak.test"], MSG, [], [], { signal }));
  calls.push(pool.sendmail(FROM, ["refuse@soak.test"], MSG, [], [], { signal }));
  calls.push(pool.sendMessage(MSG, undefined, undefined, [], [], { signal }));
  calls.push(abortedSoon((s) => pool.sendmail(FROM, ["slow@soak.test"], MSG, [], [], { signal: s })));
  calls.push(pool.sendmail(FROM, ["ok@soak.test"], MSG, [], [], { signal: AbortSignal.abort(new Error("already")) }));
  if (i % 3 === 0) calls.push(pool.sendmail(FROM, ["busy@soak.test"], MSG, [], [], { signal }));
  if (i % 4 === 0) calls.push(pool.sendmail(FROM, ["stall@soak.test"], MSG, [], [], { signal }));
  if (i % 5 === 0) calls.push(pool.sendmail(FROM, ["hang@soak.test"], MSG, [], [], { signal }));
  if (i % 6 === 0) calls.push(pool.sendmail(FROM, ["pause@soak.test"], BIG, [], [], { signal }));
  if (i % 6 === 3) calls.push(pool.sendmail(FROM, ["ok@soak.test"], BIG, [], [], { signal }));
  for (const [n, r] of (await Promise.allSettled(calls)).entries()) tally(r, `pool#${n} cycle ${i}`);
}

let client: SMTP | undefined;

async function clientCycle(i: number): Promise<void> {
  const signal = life.signal;
  if (!client?.connected) {
    // Every other time, dropped without close() once its connection has gone (Python needs none).
    if (i % 2 === 0) client?.close();
    client = await SMTP.connect(HOST, server.port, { signal, timeouts, localHostname: "soak.test" });
  }
  const c = client;
  const calls: Promise<unknown>[] = [];
  for (let k = 0; k < 5; k++) calls.push(c.sendmail(FROM, [`ok${k}@soak.test`], MSG, [], [], { signal }));
  calls.push(c.sendmail(FROM, ["ok@soak.test", "refuse@soak.test"], MSG, [], [], { signal }));
  if (i % 2 === 0) calls.push(abortedSoon((s) => c.sendmail(FROM, ["slow@soak.test"], MSG, [], [], { signal: s })));
  if (i % 3 === 1) calls.push(c.sendmail(FROM, ["busy@soak.test"], MSG, [], [], { signal }));
  if (i % 4 === 1) calls.push(c.sendmail(FROM, ["stall@soak.test"], MSG, [], [], { signal }));
  if (i % 5 === 1) calls.push(c.sendmail(FROM, ["hang@soak.test"], MSG, [], [], { signal }));
  if (i % 6 === 2) calls.push(c.sendmail(FROM, ["pause@soak.test"], BIG, [], [], { signal }));
  if (i % 6 === 5) calls.push(abortedSoon((s) => c.sendmail(FROM, ["pause@soak.test"], Readable.from([Buffer.from(BIG)]), [], [], { signal: s })));
  for (const [n, r] of (await Promise.allSettled(calls)).entries()) tally(r, `client#${n} cycle ${i}`);
  if (i % 6 === 0 && c.connected) await c.quit().catch(() => c.close());
}

/** A body stream that gives one chunk, then nothing (the call's `dataBlock` times out, or its signal aborts it). */
async function* stalled(): AsyncGenerator<Uint8Array> {
  yield Buffer.from(MSG.slice(0, 200));
  await new Promise<void>(() => undefined);
}

/** A Web stream that gives one chunk and then nothing. */
function stalledWeb(): ReadableStream<Uint8Array> {
  let sent = false;
  return new ReadableStream<Uint8Array>({ pull: (c) => { if (!sent) { sent = true; c.enqueue(Buffer.from(MSG.slice(0, 200))); } return new Promise(() => undefined); } });
}

/** Streamed bodies over BDAT on the TLS pool: whole, stalled (timed out) and aborted, with progress reports. */
async function streamCycle(i: number): Promise<void> {
  const signal = life.signal;
  let told = 0;
  const onProgress = (n: number): void => { told = n; };
  const calls: Promise<unknown>[] = [
    tlsPool.sendmail(FROM, ["ok@soak.test"], Readable.from([Buffer.from(MSG)]), [], [], { signal, onProgress }),
    tlsPool.deliver(FROM, ["ok@soak.test", "refuse@soak.test"], MSG, [], [], { signal }),
    tlsPool.sendmail(FROM, ["ok@soak.test"], i % 2 ? stalled() : stalledWeb(), [], [], { signal }),
    abortedSoon((s) => tlsPool.sendmail(FROM, ["ok@soak.test"], Readable.from(stalled()), [], [], { signal: s, onProgress })),
  ];
  for (const [n, r] of (await Promise.allSettled(calls)).entries()) tally(r, `stream#${n} cycle ${i}`);
  if (told < 0) throw new Error("unreachable");
}

/** LMTP: one recipient refused after the data, one connection per cycle. */
async function lmtpCycle(i: number): Promise<void> {
  const c = await LMTP.connect(HOST, lmtpServer.port, { signal: life.signal, localHostname: "soak.test" });
  const calls = [c.sendmail(FROM, ["ok@soak.test", "late@soak.test"], MSG, [], [], { signal: life.signal }), c.sendmail(FROM, ["late@soak.test"], MSG)];
  for (const [n, r] of (await Promise.allSettled(calls)).entries()) tally(r, `lmtp#${n} cycle ${i}`);
  await c.quit();
}

/** Connections that fail to open (a greeting that never comes), and one client instance reconnected each cycle. */
async function failCycle(i: number): Promise<void> {
  const signal = life.signal;
  const calls: Promise<unknown>[] = [];
  for (let k = 0; k < 4; k++) calls.push(silentPool.sendmail(FROM, ["ok@soak.test"], MSG, [], [], { signal }));
  calls.push(abortedSoon((s) => silentPool.sendmail(FROM, ["ok@soak.test"], MSG, [], [], { signal: s })));
  calls.push((async () => {
    await reused.connect(HOST, i % 4 === 0 ? silentServer.port : server.port);
    await reused.sendmail(FROM, ["ok@soak.test", "refuse@soak.test"], MSG, [], [], { signal });
    if (i % 2 === 0) await reused.quit();
  })().finally(() => reused.close()));
  for (const [n, r] of (await Promise.allSettled(calls)).entries()) tally(r, `fail#${n} cycle ${i}`);
}

/** A STARTTLS reconnect: connect, upgrade, send, QUIT (or, every other cycle, close without it). */
async function tlsCycle(i: number): Promise<void> {
  const c = await SMTP.connect(HOST, tlsServer.port, { signal: life.signal, requireTLS: true, tls: { ca: certs.ca }, localHostname: "soak.test" });
  tally(await Promise.allSettled([c.sendmail(FROM, ["ok@soak.test"], MSG, [], [], { signal: life.signal })]).then((r) => r[0]!));
  if (i % 2 === 0) await c.quit();
  else c.close();
  tlsServer.clear();
}

function resources(): Record<string, number> {
  const r: Record<string, number> = {};
  for (const name of process.getActiveResourcesInfo()) r[name] = (r[name] ?? 0) + 1;
  return r;
}

/** How many objects and closures of each constructor the heap holds (a heap snapshot, counted). */
async function heapCounts(): Promise<Map<string, number>> {
  const chunks: Buffer[] = [];
  for await (const chunk of getHeapSnapshot()) chunks.push(chunk as Buffer);
  const snap = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }; nodes: number[]; strings: string[] };
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt, width] = [fields.indexOf("type"), fields.indexOf("name"), fields.indexOf("self_size"), fields.length];
  const counts = new Map<string, number>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]!]!;
    counts.set(`bytes of ${type}`, (counts.get(`bytes of ${type}`) ?? 0) + snap.nodes[i + sizeAt]!);
    if (type !== "object" && type !== "closure") continue;
    const key = `${type} ${snap.strings[snap.nodes[i + nameAt]!]}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

let lastCounts: Map<string, number> | undefined;
/** With --heap-diff: the constructors whose count grew since the last sample (the top 15). */
async function heapDiff(): Promise<void> {
  const now = await heapCounts();
  if (lastCounts) {
    const grown = [...now].map(([k, v]): [string, number] => [k, v - (lastCounts!.get(k) ?? 0)]).filter(([k, d]) => d > 0 && !k.startsWith("bytes of")).sort((a, b) => b[1] - a[1]).slice(0, 15);
    const ours = [...now].filter(([k]) => /^object (SMTP|LMTP|Slot|Channel|Connection|Conversation|AbortController|AbortSignal|Promise|Timeout|TLSSocket|Socket)/.test(k)).map(([k, v]) => `${k.replace(/^object /, "")}=${v}`).join(" ");
    console.log("  held:", ours);
    console.log("  bytes:", [...now].filter(([k]) => k.startsWith("bytes of")).map(([k, v]) => `${k.slice(9)}=${v - (lastCounts!.get(k) ?? 0) >= 0 ? "+" : ""}${v - (lastCounts!.get(k) ?? 0)}`).join(" "));
    console.log("  grown:", grown.map(([k, d]) => `${k} +${d}`).join(", ") || "nothing");
  }
  lastCounts = now;
}

const MB = (n: number): string => (n / 1048576).toFixed(2);

function sample(cycle: number): void {
  gc!();
  gc!();
  const m = process.memoryUsage();
  const res = resources();
  const handles = Object.entries(res).map(([k, v]) => `${k}=${v}`).join(" ");
  console.log(
    `cycle ${String(cycle).padStart(5)}  heap ${MB(m.heapUsed)} MB  external ${MB(m.external)} MB  arrayBuffers ${MB(m.arrayBuffers)} MB` +
    `  abort listeners: life ${getEventListeners(life.signal, "abort").length} pool ${getEventListeners(poolLife.signal, "abort").length}` +
    `  kept errors ${keptErrors.length}  pool.size ${pool.size}/${tlsPool.size}  server sockets ${server.open()}  [${handles}]`,
  );
}

sample(0);
for (let i = 1; i <= CYCLES; i++) {
  await Promise.all([poolCycle(i), clientCycle(i), tlsCycle(i), streamCycle(i), lmtpCycle(i), failCycle(i)]);
  if (i % EVERY === 0) {
    sample(i);
    if (values["heap-diff"]) await heapDiff();
  }
  if (i % 7 === 0 && !values["no-restarts"]) await server.restart();
  if (i % 13 === 0 && !values["no-restarts"]) { // the server is down for a cycle: connections are refused
    await server.down();
    for (const [n, r] of (await Promise.allSettled([poolCycle(i), clientCycle(i)])).entries()) tally(r, `down#${n} cycle ${i}`);
    await server.up();
  }
  if (i % 10 === 0) await sleep(IDLE_MS * 2); // idle: the pool's connections time out
}
counts.delete("kept");
console.log("outcomes:", Object.fromEntries([...counts].sort()));
for (const [name, message] of firstOf) console.log(`  first ${name}: ${message}`);

// Shut down as a service does: nothing may be left to keep the process alive.
await pool.close();
await silentPool.close();
await silentServer.close();
await tlsPool.close();
await lmtpServer.close();
if (client?.connected) await client.quit().catch(() => client?.close());
client?.close();
await server.close();
await tlsServer.close();
await sleep(50);
gc();
console.log("after close:", JSON.stringify(resources()), `arrayBuffers ${MB(process.memoryUsage().arrayBuffers)} MB with ${keptErrors.length} errors kept,`, `abort listeners: life ${getEventListeners(life.signal, "abort").length} pool ${getEventListeners(poolLife.signal, "abort").length}`);

// An idle pool (never closed) must not keep the process alive past its idle timeout (and its QUIT).
const idleServer = await startSoakServer();
const idle = new SMTPPool({ host: HOST, port: idleServer.port, idleTimeout: IDLE_MS, localHostname: "soak.test" });
await idle.sendmail(FROM, ["ok@soak.test"], MSG);
await sleep(IDLE_MS * 3);
console.log(`idle pool after ${IDLE_MS * 3} ms: size ${idle.size}, server sockets ${idleServer.open()}, resources ${JSON.stringify(resources())}`);
await idleServer.close();
const watchdog = setTimeout(() => {
  console.log("STILL ALIVE 2 s after everything closed:", JSON.stringify(resources()));
  process.exit(1);
}, 2000);
watchdog.unref();
