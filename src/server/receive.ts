/**
 * Reading a message's data for the debugging server: what is kept of it, what is counted, and
 * the envelope it came with.
 * @module
 */
import type { SMTPServerDataStream, SMTPServerSession } from "smtp-server";
import type { ReceivedMessage } from "./debug-server.js";
import type { MessageInfo } from "./inbox.js";

/** How {@link receive} reads a message. */
export interface ReceiveOptions {
  /** Bytes of data to keep (the rest is counted). */
  readonly keepBytes: number;
  /** Past this many bytes the message is refused: nothing more is kept or handed on. */
  readonly limit: number;
  /** MAIL/RCPT parameters as sent, by smtp-server's parsed address. */
  readonly paramsSent: WeakMap<object, string>;
  /**
   * Called with each piece of data within `limit`, as it arrives; a promise it returns holds
   * the reading of the next piece until it settles (back-pressure: smtp-server stops reading
   * the socket meanwhile), and its rejection fails the reading as a throw does.
   */
  readonly onChunk?: (chunk: Buffer) => void | Promise<void>;
  /** Kept up to date with the bytes read so far, those past `limit` included (also when the stream then fails). */
  readonly counted?: { bytes: number };
}

/** The envelope of the session's transaction, as {@link ReceivedMessage} holds it. */
function envelopeOf(session: SMTPServerSession, paramsSent: WeakMap<object, string>): ReceivedMessage["envelope"] {
  const { mailFrom, rcptTo } = session.envelope;
  return {
    mailFrom: mailFrom === false ? "" : mailFrom.address,
    rcptTo: rcptTo.map((r) => r.address),
    mailParams: mailFrom === false || mailFrom.args === false ? {} : { ...mailFrom.args },
    mailParamsSent: mailFrom === false ? "" : paramsSent.get(mailFrom) ?? "",
    rcptParamsSent: rcptTo.map((r) => paramsSent.get(r) ?? ""),
  };
}

/**
 * Reads a message's data, keeping its first `keepBytes` bytes (none once past `limit`: it is refused).
 * @throws what the stream fails with (the client left mid-message).
 */
export async function receive(stream: SMTPServerDataStream, session: SMTPServerSession, options: ReceiveOptions): Promise<ReceivedMessage> {
  const { keepBytes, limit } = options;
  const chunks: Buffer[] = [];
  let size = 0;
  let kept = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (options.counted) options.counted.bytes = size;
    // Past the size limit the message is refused (552): its bytes are read but not kept.
    if (stream.sizeExceeded || size > limit) continue;
    const held = options.onChunk?.(chunk);
    if (held !== undefined) await held;
    if (kept >= keepBytes) continue;
    const part = kept + chunk.length <= keepBytes ? chunk : chunk.subarray(0, keepBytes - kept);
    chunks.push(part);
    kept += part.length;
  }
  return { ...messageInfo(session, options.paramsSent), data: Buffer.concat(chunks, kept), size };
}

/** What is known of a message before its data: {@link ReceivedMessage} but `data` and `size`. */
export function messageInfo(session: SMTPServerSession, paramsSent: WeakMap<object, string>): MessageInfo {
  const user = userName(session.user);
  return {
    envelope: envelopeOf(session, paramsSent),
    session: session.id,
    secure: session.secure,
    ...(user === undefined ? {} : { user }),
  };
}

function userName(user: unknown): string | undefined {
  if (typeof user !== "object" || user === null || !("username" in user)) return undefined;
  return typeof user.username === "string" ? user.username : undefined;
}
