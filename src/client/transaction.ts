/**
 * The send flow of `sendmail`: MAIL, RCPT, then DATA or BDAT, lock-step or pipelined
 * (RFC 2920), with one error policy everywhere: a refusal is followed by RSET, a 421 closes
 * the connection (RFC 5321 §3.8), and every reply reaches the command it answers.
 * @module
 */

import { SMTPDataError, SMTPRecipientsRefused, SMTPSenderRefused, SMTPServerDisconnected } from "../errors.js";
import { encodeBdat, encodeCommand, encodeMail, encodeRcpt } from "../protocol/commands.js";
import { DotStuffer, stuffMessage } from "../protocol/dot-stuff.js";
import type { SMTPReply } from "../protocol/reply.js";
import type { Slot } from "../transport/command-queue.js";
import { streamChunks } from "./body.js";
import type { Command, Conversation } from "./conversation.js";

/** A checked envelope: addresses already quoted, options already normalised. */
export interface Envelope {
  /** The sender as the caller gave it (for `SMTPSenderRefused.sender`). */
  from: string;
  /** `<path>` for MAIL FROM. */
  fromPath: string;
  /** MAIL parameters to send. */
  mailOptions: string[];
  /** Recipients as the caller gave them, with their `<path>`. */
  to: { addr: string; path: string }[];
  /** RCPT parameters to send with each recipient. */
  rcptOptions: string[];
}

/** A body ready to send: bytes in memory, or a stream. */
export type Body = { kind: "bytes"; bytes: Buffer } | { kind: "stream"; chunks: AsyncIterable<Uint8Array | string> };

/** How to send. */
export interface FlowOptions {
  /** Group commands (PIPELINING advertised and not disabled). */
  pipelining: boolean;
  /** Use BDAT (CHUNKING advertised and not disabled). */
  chunking: boolean;
  /** Aborts stream writes. */
  signal?: AbortSignal;
}

/** What remains after the data was written: the final reply (or LMTP's replies). */
export interface Pending {
  /** Recipients refused at RCPT. */
  refused: Map<string, SMTPReply>;
  /** Recipients accepted at RCPT, in order. */
  accepted: string[];
  /** Slots of the final reply: one, or one per accepted recipient for LMTP. */
  final: Slot[];
}

const BDAT_CHUNK = 256 * 1024;

function mailCommand(conv: Conversation, env: Envelope): Command {
  return { bytes: encodeMail(env.fromPath, env.mailOptions, conv.encoding), log: withOpts(`MAIL FROM:${env.fromPath}`, env.mailOptions) };
}

function rcptCommand(conv: Conversation, env: Envelope, path: string): Command {
  return { bytes: encodeRcpt(path, env.rcptOptions, conv.encoding), log: withOpts(`RCPT TO:${path}`, env.rcptOptions) };
}

function withOpts(head: string, opts: string[]): string {
  return opts.length ? `${head} ${opts.join(" ")}` : head;
}

/** RSET that tolerates a server that has gone (Python's `_rset`). */
export async function quietRset(conv: Conversation): Promise<void> {
  conv.utf8 = false;
  if (conv.channel.closed) return;
  try {
    await conv.command({ bytes: encodeCommand("RSET"), log: "RSET" });
  } catch (err) {
    if (!(err instanceof SMTPServerDisconnected)) throw err;
  }
}

/** Reads replies nobody needs any more (after a refusal), ignoring a closed connection. */
async function drain(conv: Conversation, slots: Slot[]): Promise<SMTPReply | undefined> {
  let last: SMTPReply | undefined;
  for (const slot of slots) {
    try {
      last = await conv.read(slot);
    } catch (err) {
      if (err instanceof SMTPServerDisconnected) return last;
      throw err;
    }
  }
  return last;
}

/** Refuses or closes after a failure: RSET unless the server said 421 (already closed). */
export async function abandon(conv: Conversation, code: number): Promise<void> {
  if (code !== 421) await quietRset(conv);
  conv.utf8 = false;
}

/**
 * Runs MAIL and RCPT (and DATA's 354 or every BDAT chunk but the last reply), and writes
 * the data. Resolves once the data is written; the final reply is read by {@link finish}.
 * @throws SMTPSenderRefused, SMTPRecipientsRefused, SMTPDataError, SMTPServerDisconnected.
 */
export async function send(conv: Conversation, env: Envelope, body: Body, opts: FlowOptions): Promise<Pending> {
  return opts.chunking ? sendBdat(conv, env, body, opts) : sendData(conv, env, body, opts);
}

/** MAIL and RCPT replies: throws on a refused sender or a 421, collects refused recipients. */
async function readEnvelope(conv: Conversation, env: Envelope, slots: Slot[], rest: Slot[]): Promise<Pick<Pending, "refused" | "accepted">> {
  const mail = await conv.read(slots[0]!);
  if (mail.code !== 250) {
    if (mail.code !== 421) {
      const last = await drain(conv, [...slots.slice(1), ...rest]);
      if (last?.code === 354) await drain(conv, conv.pipeline([{ bytes: Buffer.from(".\r\n"), log: ".", phase: "dataTermination" }]));
      await abandon(conv, mail.code);
    }
    conv.utf8 = false;
    throw new SMTPSenderRefused(mail.code, mail.message, env.from, { command: "MAIL" });
  }
  const refused = new Map<string, SMTPReply>();
  const accepted: string[] = [];
  for (let i = 0; i < env.to.length; i++) {
    const reply = await conv.read(slots[i + 1]!);
    const addr = env.to[i]!.addr;
    if (reply.code === 250 || reply.code === 251) accepted.push(addr);
    else refused.set(addr, reply);
    if (reply.code === 421) {
      conv.utf8 = false;
      throw new SMTPRecipientsRefused(refused, { command: "RCPT" });
    }
  }
  return { refused, accepted };
}

async function sendData(conv: Conversation, env: Envelope, body: Body, opts: FlowOptions): Promise<Pending> {
  const dataCmd: Command = { bytes: encodeCommand("DATA"), log: "DATA", phase: "dataInitiation" };
  let envelope: Pick<Pending, "refused" | "accepted">;
  let dataReply: SMTPReply;
  if (opts.pipelining) {
    const slots = conv.pipeline([mailCommand(conv, env), ...env.to.map((r) => rcptCommand(conv, env, r.path)), dataCmd]);
    const dataSlot = slots.pop()!;
    envelope = await readEnvelope(conv, env, slots, [dataSlot]);
    dataReply = await conv.read(dataSlot);
    if (envelope.accepted.length === 0) {
      if (dataReply.code === 354) await drain(conv, conv.pipeline([{ bytes: Buffer.from(".\r\n"), log: ".", phase: "dataTermination" }]));
      await abandon(conv, dataReply.code);
      throw new SMTPRecipientsRefused(envelope.refused, { command: "RCPT" });
    }
  } else {
    envelope = await readEnvelope(conv, env, [await lockStep(conv, env)].flat(), []);
    if (envelope.accepted.length === 0) {
      await quietRset(conv);
      throw new SMTPRecipientsRefused(envelope.refused, { command: "RCPT" });
    }
    dataReply = await conv.command(dataCmd);
  }
  if (dataReply.code !== 354) {
    await abandon(conv, dataReply.code);
    throw new SMTPDataError(dataReply.code, dataReply.message, { command: "DATA" });
  }
  const final = await writeBody(conv, body, envelope.accepted.length, opts.signal);
  return { ...envelope, final };
}

/** Sends MAIL and each RCPT one at a time, as Python does, returning already-read slots. */
async function lockStep(conv: Conversation, env: Envelope): Promise<Slot[]> {
  const slots: Slot[] = [];
  const [mail] = conv.pipeline([mailCommand(conv, env)]);
  slots.push(mail!);
  const mailReply = await conv.read(mail!);
  if (mailReply.code !== 250) return slots;
  for (const r of env.to) {
    const [slot] = conv.pipeline([rcptCommand(conv, env, r.path)]);
    slots.push(slot!);
    if ((await conv.read(slot!)).code === 421) break;
  }
  return slots;
}

/** Writes the body with dot-stuffing and the end marker; opens the final reply slots. */
export async function writeBody(conv: Conversation, body: Body, accepted: number, signal?: AbortSignal): Promise<Slot[]> {
  let tail: Buffer;
  let size: number;
  if (body.kind === "bytes") {
    tail = stuffMessage(body.bytes);
    size = tail.length;
  } else {
    const stuffer = new DotStuffer();
    const stall = conv.timeout("dataBlock");
    try {
      for await (const chunk of streamChunks(body.chunks)) {
        signal?.throwIfAborted();
        const out = stuffer.push(chunk);
        if (out.length) await conv.channel.writeData(out, stall, signal);
      }
    } catch (err) {
      // The server is reading message data and only "." ends it, which would deliver a
      // truncated message; nothing else can be said in DATA mode, so the connection goes.
      conv.channel.destroy(new SMTPServerDisconnected("Connection closed: the message body failed while it was being sent", { cause: err }));
      throw err;
    }
    tail = stuffer.end();
    size = stuffer.outputBytes;
  }
  return finalSlots(conv, { bytes: tail, log: `<message data, ${size} bytes> .`, phase: "dataTermination" }, accepted);
}

/** Writes the last bytes and opens the final reply slot(s): LMTP gets one per recipient. */
function finalSlots(conv: Conversation, last: Command, accepted: number): Slot[] {
  const slots = conv.pipeline([last]);
  if (conv.dialect === "lmtp") {
    for (let i = 1; i < accepted; i++) slots.push(conv.expect("dataTermination", `end of data (recipient ${i + 1})`));
  }
  return slots;
}

async function sendBdat(conv: Conversation, env: Envelope, body: Body, opts: FlowOptions): Promise<Pending> {
  let envelope: Pick<Pending, "refused" | "accepted"> | undefined;
  let envelopeSlots: Slot[] = [];
  if (opts.pipelining) {
    envelopeSlots = conv.pipeline([mailCommand(conv, env), ...env.to.map((r) => rcptCommand(conv, env, r.path))]);
    // LMTP answers BDAT LAST once per accepted recipient: learn how many before sending it.
    if (conv.dialect === "lmtp") envelope = await readEnvelope(conv, env, envelopeSlots, []);
  } else {
    envelope = await readEnvelope(conv, env, await lockStep(conv, env), []);
  }
  if (envelope?.accepted.length === 0) {
    await quietRset(conv);
    throw new SMTPRecipientsRefused(envelope.refused, { command: "RCPT" });
  }
  const chunkSlots: Slot[] = [];
  const sendChunk = async (bytes: Buffer): Promise<void> => {
    const [slot] = conv.pipeline([bdatCommand(bytes, false)]);
    if (opts.pipelining) {
      chunkSlots.push(slot!);
      await conv.channel.waitDrain(conv.timeout("dataBlock"), opts.signal);
      return;
    }
    const reply = await conv.read(slot!);
    if (reply.code !== 250) {
      await abandon(conv, reply.code);
      throw new SMTPDataError(reply.code, reply.message, { command: "BDAT" });
    }
  };
  let last: Buffer;
  if (body.kind === "bytes") last = body.bytes;
  else {
    try {
      last = await streamBdat(body.chunks, sendChunk, () => refusedEarly(envelopeSlots), opts.signal);
    } catch (err) {
      if (!(err instanceof SourceFailure)) throw err;
      await cancelChunks(conv, [...envelopeSlots, ...chunkSlots]);
      throw err.error;
    }
  }
  const final = finalSlots(conv, bdatCommand(last, true), envelope?.accepted.length ?? 1);
  if (envelope === undefined) {
    envelope = await readEnvelope(conv, env, envelopeSlots, [...chunkSlots, ...final]);
    if (envelope.accepted.length === 0) {
      const lastReply = await drain(conv, [...chunkSlots, ...final]);
      await abandon(conv, lastReply?.code ?? 0);
      throw new SMTPRecipientsRefused(envelope.refused, { command: "RCPT" });
    }
  }
  for (const slot of chunkSlots) {
    const reply = await conv.read(slot);
    if (reply.code !== 250) {
      await drain(conv, final);
      await abandon(conv, reply.code);
      throw new SMTPDataError(reply.code, reply.message, { command: "BDAT" });
    }
  }
  return { ...envelope, final };
}

/**
 * Sends a stream as BDAT chunks of about 256 KiB, holding the last one back (it goes with
 * LAST). Stops early, without sending the rest, once the envelope is known to be refused.
 */
async function streamBdat(
  chunks: AsyncIterable<Uint8Array | string>, sendChunk: (bytes: Buffer) => Promise<void>,
  refused: () => boolean, signal?: AbortSignal,
): Promise<Buffer> {
  let held: Buffer | null = null;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of sourceChunks(chunks)) {
    signal?.throwIfAborted();
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (pendingBytes < BDAT_CHUNK) continue;
    if (held) await sendChunk(held);
    held = Buffer.concat(pending);
    pending = [];
    pendingBytes = 0;
    if (refused()) return Buffer.alloc(0);
  }
  if (pendingBytes === 0) return held ?? Buffer.alloc(0);
  if (held) await sendChunk(held);
  return Buffer.concat(pending);
}

/** An error thrown by the caller's body stream itself, not by the SMTP exchange. */
class SourceFailure {
  constructor(readonly error: unknown) {}
}

/** The body's chunks; an error of the stream comes out wrapped in {@link SourceFailure}. */
async function* sourceChunks(chunks: AsyncIterable<Uint8Array | string>): AsyncGenerator<Buffer> {
  try {
    yield* streamChunks(chunks);
  } catch (err) {
    throw new SourceFailure(err);
  }
}

/**
 * After the body stream failed between BDAT chunks: every chunk sent was whole, so the
 * transaction can be cancelled with RSET (RFC 3030 §2) once the replies still due are
 * read, and the connection stays usable. Anything going wrong here closes it instead.
 */
async function cancelChunks(conv: Conversation, outstanding: Slot[]): Promise<void> {
  if (conv.channel.closed) return;
  try {
    await drain(conv, outstanding);
    await quietRset(conv);
  } catch {
    conv.channel.destroy();
  }
}

function bdatCommand(bytes: Buffer, last: boolean): Command {
  const header = encodeBdat(bytes.length, last);
  return { bytes: Buffer.concat([header, bytes]), log: `BDAT ${bytes.length}${last ? " LAST" : ""}`, phase: last ? "dataTermination" : "dataBlock" };
}

/** True once the replies that have arrived show a refused sender or every recipient refused. */
function refusedEarly(slots: Slot[]): boolean {
  const mail = slots[0]?.reply;
  if (mail && mail.code !== 250) return true;
  const rcpts = slots.slice(1);
  return rcpts.length > 0 && rcpts.every((s) => s.reply !== undefined && s.reply.code !== 250 && s.reply.code !== 251);
}

/** The outcome of a whole transaction. */
export interface Delivery {
  /** Recipients refused, at RCPT or (LMTP) after the data, with the refusing reply. */
  refused: Map<string, SMTPReply>;
  /** Recipients that got the message, each with the reply that accepted the data. */
  delivered: Map<string, SMTPReply>;
  /** The final reply (for LMTP: the first refusal after the data, else the last reply). */
  reply: SMTPReply;
}

/**
 * Reads the reply to the end of data (for LMTP one per accepted recipient, RFC 2033 §4.2).
 * A refusal is followed by RSET when `rsetOnFailure` (lock-step only: once other
 * transactions are pipelined behind this one, RSET would cancel them, and the end of data
 * has finished this transaction anyway, RFC 5321 §4.1.1.4).
 * @throws SMTPDataError (SMTP), SMTPRecipientsRefused (LMTP, when nobody got the message),
 * SMTPServerDisconnected.
 */
export async function finish(conv: Conversation, pending: Pending, rsetOnFailure: boolean): Promise<Delivery> {
  const delivered = new Map<string, SMTPReply>();
  const refused = new Map(pending.refused);
  try {
    if (conv.dialect === "smtp") {
      const reply = await conv.read(pending.final[0]!);
      if (reply.code !== 250) {
        if (rsetOnFailure) await abandon(conv, reply.code);
        throw new SMTPDataError(reply.code, reply.message, { command: "end of data" });
      }
      for (const addr of pending.accepted) delivered.set(addr, reply);
      return { refused, delivered, reply };
    }
    if (pending.accepted.length === 0) {
      // Only the low-level data() gets here (sendmail stops before DATA): a server that
      // took DATA with no recipient gives the end of data one reply, which is the answer.
      return { refused, delivered, reply: await conv.read(pending.final[0]!) };
    }
    let first: SMTPReply | undefined;
    let last: SMTPReply | undefined;
    for (let i = 0; i < pending.accepted.length; i++) {
      const reply = await conv.read(pending.final[i]!);
      last = reply;
      if (reply.code === 250) delivered.set(pending.accepted[i]!, reply);
      else {
        refused.set(pending.accepted[i]!, reply);
        first ??= reply;
      }
      if (reply.code === 421) {
        // The server is closing (RFC 5321 §3.8; the connection is closed already): the
        // replies still due will never come. Report those recipients refused with the
        // 421, a transient failure, rather than failing the whole call and losing which
        // recipients did get the message.
        for (const addr of pending.accepted.slice(i + 1)) refused.set(addr, reply);
        break;
      }
    }
    if (delivered.size === 0) throw new SMTPRecipientsRefused(refused, { command: "end of data" });
    return { refused, delivered, reply: first ?? last! };
  } finally {
    conv.utf8 = false;
  }
}
