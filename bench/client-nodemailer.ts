/**
 * Benchmark client: Nodemailer, one job per process.
 *
 * Modes:
 * - `conn`: `SMTPConnection` (nodemailer/lib/smtp-connection), one `send` at a time on each
 *   connection (it takes one message at a time);
 * - `pool`: `createTransport({ pool: true, maxConnections })`, every message handed to
 *   `sendMail` at once (the pool queues them), `maxMessages: Infinity` so that it keeps its
 *   connections instead of reconnecting every 100 messages as it does by default;
 * - `stream`: one `SMTPConnection.send` whose message is a `Readable`.
 * @module
 */
import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import nodemailer from "nodemailer";
import SMTPConnection from "nodemailer/lib/smtp-connection";
import { runJob, type JobSpec, startClock } from "./spec.js";
import { FROM, recipients, streamMessage, streamMessageSize } from "./messages.js";

function connect(spec: JobSpec): Promise<SMTPConnection> {
  const conn = new SMTPConnection({ host: spec.host, port: spec.port, secure: false, ignoreTLS: true, name: "bench.client" });
  return new Promise((resolve, reject) => {
    conn.once("error", reject);
    conn.connect((err) => (err ? reject(err) : resolve(conn)));
  });
}

function send(conn: SMTPConnection, to: string[], msg: Buffer | Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    conn.send({ from: FROM, to }, msg, (err, info) => {
      if (err) reject(err);
      else if (info && info.rejected.length > 0) reject(new Error(`recipients refused: ${info.rejected.join(", ")}`));
      else resolve();
    });
  });
}

function quit(conn: SMTPConnection): Promise<void> {
  return new Promise((resolve) => {
    conn.once("end", () => resolve());
    conn.quit();
  });
}

async function oneConnection(spec: JobSpec, msg: Buffer, to: string[]): Promise<void> {
  const conn = await connect(spec);
  for (let i = 0; i < spec.count; i++) await send(conn, to, msg);
  await quit(conn);
}

await runJob(async (spec) => {
  const to = recipients(spec.rcpts);
  if (spec.mode === "stream") {
    const chunks = spec.streamChunks ?? 0;
    const clock = startClock();
    const conn = await connect(spec);
    await send(conn, to, Readable.from(streamMessage(chunks), { objectMode: false }));
    await quit(conn);
    return { ok: true, ...clock(), messages: 1, bytes: streamMessageSize(chunks) };
  }
  if (!spec.msgFile) throw new Error("msgFile is required");
  const msg = readFileSync(spec.msgFile);
  const total = spec.count * spec.connections;
  if (spec.mode === "pool") {
    const transport = nodemailer.createTransport({
      pool: true,
      maxConnections: spec.connections,
      maxMessages: Infinity,
      host: spec.host,
      port: spec.port,
      secure: false,
      ignoreTLS: true,
      name: "bench.client",
    });
    const clock = startClock();
    await Promise.all(Array.from({ length: total }, () => transport.sendMail({ envelope: { from: FROM, to }, raw: msg })));
    transport.close();
    return { ok: true, ...clock(), messages: total, bytes: total * msg.length };
  }
  const clock = startClock();
  await Promise.all(Array.from({ length: spec.connections }, () => oneConnection(spec, msg, to)));
  return { ok: true, ...clock(), messages: total, bytes: total * msg.length };
});
