/**
 * `smtplib send`: one message from a file or stdin through the library's `sendmail`.
 * Output: the refused recipients on stdout; the transcript (-v) and progress bar on stderr.
 * @module
 */
import diagnostics from "node:diagnostics_channel";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { SMTPRecipientsRefused, SMTPNotSupportedError } from "../index.js";
import type { SendCommand } from "./args.js";
import { ExitCode, type ExitCodeValue } from "./exit-codes.js";
import { connectClient, describeError, exitCodeFor, type Client } from "./connect.js";
import { startProgress, type Progress } from "./progress.js";

/** Messages at least this large get a progress bar (when stderr is a terminal). */
const PROGRESS_THRESHOLD = 512 * 1024;

/** The message body and its size: a file is streamed, stdin is read whole (its size is unknown). */
async function openMessage(file: string | undefined): Promise<{ body: AsyncIterable<Uint8Array> | Buffer; size: number }> {
  if (file !== undefined) {
    const { size } = await stat(file);
    return { body: createReadStream(file, { highWaterMark: 64 * 1024 }), size };
  }
  if (process.stdin.isTTY) throw Object.assign(new Error("no message: give --file or pipe the message on stdin"), { exitCode: ExitCode.NO_INPUT });
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  return { body, size: body.length };
}

/** Counts the bytes this client writes (the library's `smtplib.send` channel) into `progress`. */
function trackWrites(client: Client, progress: Progress): () => void {
  const onSend = (msg: unknown): void => {
    const { client: who, data } = msg as { client?: unknown; data?: Uint8Array };
    if (who === client && data) progress.add(data.length);
  };
  diagnostics.subscribe("smtplib.send", onSend);
  return () => diagnostics.unsubscribe("smtplib.send", onSend);
}

/** Sends and prints; resolves to the exit code. */
export async function runSend(cmd: SendCommand): Promise<ExitCodeValue> {
  const err = (text: string): void => void process.stderr.write(`${text}\n`);
  const out = (text: string): void => void process.stdout.write(`${text}\n`);
  let message: Awaited<ReturnType<typeof openMessage>>;
  try {
    message = await openMessage(cmd.file);
  } catch (e) {
    err(`smtplib: cannot read the message: ${e instanceof Error ? e.message : String(e)}`);
    return ExitCode.NO_INPUT;
  }
  let password: string | undefined;
  if (cmd.passwordEnv !== undefined) {
    password = process.env[cmd.passwordEnv];
    if (password === undefined) {
      err(`smtplib: environment variable ${cmd.passwordEnv} (--password-env) is not set`);
      return ExitCode.USAGE;
    }
  }
  const showBar = cmd.progress && cmd.verbosity === 0 && process.stderr.isTTY === true && message.size >= PROGRESS_THRESHOLD;
  let client: Client | undefined;
  let progress: Progress | undefined;
  let untrack = (): void => undefined;
  let phase: "connect" | "auth" | "send" = "connect";
  try {
    client = await connectClient(cmd, cmd.verbosity, err);
    if (cmd.user !== undefined && password !== undefined) {
      phase = "auth";
      await client.login(cmd.user, password);
    }
    phase = "send";
    if (showBar) {
      progress = startProgress(message.size);
      untrack = trackWrites(client, progress);
    }
    const refused = await client.sendmail(cmd.from, [...cmd.to], message.body);
    progress?.stop();
    progress = undefined;
    const accepted = cmd.to.length - refused.size;
    out(`sent to ${accepted} of ${cmd.to.length} recipient(s) (${message.size} bytes)`);
    for (const [addr, reply] of refused) out(`refused <${addr}>: ${reply.code} ${reply.message}`);
    await client.quit().catch(() => undefined);
    return refused.size > 0 ? ExitCode.PARTIAL : ExitCode.OK;
  } catch (e) {
    progress?.stop();
    if (e instanceof SMTPRecipientsRefused) {
      out(`sent to 0 of ${cmd.to.length} recipient(s)`);
      for (const [addr, reply] of e.recipients) out(`refused <${addr}>: ${reply.code} ${reply.message}`);
    }
    err(`smtplib: ${describeError(e)}`);
    if (phase === "auth" && e instanceof SMTPNotSupportedError) return ExitCode.AUTH;
    return exitCodeFor(e);
  } finally {
    untrack();
    client?.close();
  }
}
