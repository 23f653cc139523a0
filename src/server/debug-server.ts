/**
 * A debugging SMTP/LMTP server built on `smtp-server`: it accepts every message (unless told
 * to refuse some), keeps what it received and a credential-free transcript of each session.
 * Used by `npm start`, `smtplib serve` and the tests. Listens on loopback by default.
 * @module
 */
import { SMTPServer, type SMTPServerAuthentication, type SMTPServerDataStream, type SMTPServerSession } from "smtp-server";
import { DEFAULT_DEBUG_SIZE } from "../constants.js";
import { escapeControl } from "../errors.js";
import { checkChunkingSupport, enableChunking, type DataCallback } from "./bdat.js";
import { trackConnections } from "./close.js";
import { checkCredentials } from "./credentials.js";
import { checkGreetingDelay, greetAfter } from "./greeting-delay.js";
import { Inbox, type MessageInfo, type WaitOptions } from "./inbox.js";
import { listen, peerOf } from "./listen.js";
import { checkedLimits, refusalError, refusalMap, unsupportedParam, withoutNullOptions, type DebugServerOptions, type DebugServerRetention, type Refusal } from "./options.js";
import { fixPipelinedMessages } from "./pipelined-data.js";
import { RcptParamsBudget } from "./rcpt-budget.js";
import { rewriteReplies, type ReplyRewrite } from "./reply-rewrite.js";
import { sendEnhancedStatus, TOO_MANY_RECIPIENTS } from "./reply-status.js";
import { messageInfo, receive } from "./receive.js";
import { toSmtpServerOptions, type SessionCommands } from "./smtp-server-options.js";
import { sendTooBigAs534, tooBigError } from "./too-big.js";
import { noteTooManyClients } from "./too-many-clients.js";
import { needsUtf8, notUtf8 } from "./utf8-address.js";
import { createTranscriptLogger, describeServerError, transcriptRecorder, type TranscriptEntry } from "./transcript.js";

export type { MessageInfo, WaitOptions } from "./inbox.js";
export type { DebugServerOptions, DebugServerRetention, DebugServerAuth, DebugServerExtensions, DebugServerTls, DebugAuthMethod, Refusal } from "./options.js";
export { formatEntry, type TranscriptEntry } from "./transcript.js";

/** A message as the server received it. */
export interface ReceivedMessage {
  readonly envelope: {
    /** MAIL FROM address, `""` for the null sender `<>`. */
    readonly mailFrom: string;
    /** RCPT TO addresses in the order accepted (in LMTP, also those then refused after the data). */
    readonly rcptTo: readonly string[];
    /** MAIL FROM parameters (keys upper-case, `true` for a bare keyword, xtext decoded). */
    readonly mailParams: Readonly<Record<string, string | true>>;
    /** MAIL FROM parameters as the client sent them (xtext not decoded), `""` for none. */
    readonly mailParamsSent: string;
    /** RCPT TO parameters as sent (`NOTIFY=SUCCESS ORCPT=rfc822;a+2Bb@x`), one per `rcptTo` entry. */
    readonly rcptParamsSent: readonly string[];
  };
  /**
   * The message data after the SMTP transparency (dot-stuffing) is undone (DATA: CRLF line
   * ends; BDAT: the octets as sent, BINARYMIME ones included); whole, unless the server keeps
   * only the start of each message (`smtplib serve`'s internal `keepBytes`).
   */
  readonly data: Buffer;
  /** Bytes of message data received: `data.length`, unless only the start was kept (`keepBytes`). */
  readonly size: number;
  /** smtp-server's id of the session that sent it (matches {@link TranscriptEntry.session}). */
  readonly session: string;
  /** Whether the session was encrypted. */
  readonly secure: boolean;
  /** The user name the session logged in as, if any. */
  readonly user?: string;
}

/**
 * Callbacks of {@link startDebugServer} for `smtplib serve`, which shows each message as it
 * arrives without holding it (not part of the public `smtplib/debug-server` entry).
 */
export interface DebugServerHooks {
  /**
   * Called when a message's data begins, with its envelope; then `onMessageData` with each piece
   * of the data as it arrives (DATA unstuffed, BDAT as sent; none past the size limit), so a
   * caller can show a message whole without the server holding it (`keepBytes: 0`); then
   * `onMessageEnd` once it is over: `refused` is the reason it was not kept (after a 4xx/5xx),
   * undefined when it was (after `onMessage`); `received` the bytes of data received, those
   * past the size limit (not handed to `onMessageData`) included.
   */
  readonly onMessageStart?: (session: string, message: MessageInfo) => void;
  /**
   * See {@link DebugServerHooks.onMessageStart}. A promise it returns holds the reading of
   * the rest of the data (and of the client's socket) until it settles: back-pressure for a
   * caller that writes the data somewhere slower than the network. It should not reject: a
   * rejection is taken as a throw from the hook is.
   */
  readonly onMessageData?: (session: string, chunk: Buffer) => void | Promise<void>;
  /** See {@link DebugServerHooks.onMessageStart}. */
  readonly onMessageEnd?: (session: string, refused: string | undefined, received: number) => void;
}

/** A running debugging server. */
export interface DebugServer {
  /** The address it listens on; with `path`, the Unix socket's path. */
  readonly host: string;
  /** The port it listens on (the real one when 0 was asked for); 0 on a Unix socket. */
  readonly port: number;
  /**
   * Messages received so far, oldest first (a live array): each is added before the server's
   * reply to the end of its data, so it is there once the client's call resolves.
   */
  readonly messages: readonly ReceivedMessage[];
  /** Transcript lines so far, all sessions, in order (a live array). */
  readonly transcript: readonly TranscriptEntry[];
  /**
   * Resolves with the first `count` (default 1) of {@link DebugServer.messages} once it holds
   * that many: at once if it does, else as they arrive (mail that the code under test sends in
   * the background). After {@link DebugServer.clear}, counts from the clear.
   * @throws (as a rejection) a `DOMException` named `"TimeoutError"` after `timeout` ms (default
   *   5000), saying how many arrived; the signal's `reason` when `signal` aborts; an Error when
   *   the server closes before they arrive; TypeError for a `count`, options, `timeout` or
   *   `signal` of the wrong type or an unknown option; RangeError for a `count` or `timeout` out of range.
   */
  waitForMessages(count?: number | null, options?: WaitOptions | null): Promise<ReceivedMessage[]>;
  /**
   * Empties {@link DebugServer.messages} and {@link DebugServer.transcript}, for a server shared
   * by several tests (a message still arriving from an earlier test is added after it).
   */
  clear(): void;
  /**
   * Stops listening, ends open sessions (421 after `closeTimeout`) and resolves once their
   * sockets are closed, also those of clients that do not close their side; the messages stay
   * readable. Calling it again returns the same promise.
   */
  close(): Promise<void>;
  /** {@link DebugServer.close}, for `await using server = await startDebugServer()`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts a debugging server and resolves once it listens.
 * @throws Error when listening fails (e.g. `EADDRINUSE`).
 */
export async function startDebugServer(given: DebugServerOptions & DebugServerRetention & DebugServerHooks = {}): Promise<DebugServer> {
  const options = withoutNullOptions(given);
  // where it listens (`127.0.0.1:2525`), for the inbox's errors: set once it does
  let where = "";
  const inbox = new Inbox(() => where);
  const transcript: TranscriptEntry[] = [];
  const record = transcriptRecorder(transcript, options.keepTranscript ?? true, options.onTranscript);
  // Escaped as the C: lines are: an event may quote the client (its user name, as JSON,
  // which leaves U+2028 and U+2029 raw), and the transcript goes to a terminal or a log.
  const event = (session: string, line: string): void => record({ session, direction: "*", line: escapeControl(line), time: new Date() });
  const refuseFrom = refusalMap("refuseSenders", options.refuseSenders);
  const refuseTo = refusalMap("refuseRecipients", options.refuseRecipients);
  const refuseAfter = refusalMap("refuseAfterData", options.refuseAfterData);
  const users = new Map(Object.entries(options.auth?.users ?? {}));
  const { maxRecipients, maxClients, keepBytes } = checkedLimits(options);
  // LMTP (RFC 2033 §4.2) answers the data once for each RCPT accepted, repeats included:
  // smtp-server merges a repeated recipient (case-insensitively) into one envelope entry and
  // would answer once for it, leaving the client waiting for the rest. Kept by envelope:
  // smtp-server makes a new one for each transaction (after the data, RSET, a new MAIL).
  const lmtpRcpts = new WeakMap<object, string[]>();
  const acceptedRcpts = (session: SMTPServerSession): string[] | undefined => {
    if (!options.lmtp) return undefined;
    let list = lmtpRcpts.get(session.envelope);
    if (list === undefined) lmtpRcpts.set(session.envelope, list = []);
    return list;
  };
  // the largest message (0: none); smtp-server does not enforce it with SIZE hidden or `size` not given (see toSmtpServerOptions)
  const limit = options.size === undefined ? DEFAULT_DEBUG_SIZE : options.size === 0 ? Infinity : options.size;
  const hiddenLimit = options.size === undefined || options.extensions?.size === false ? limit : Infinity;

  // smtp-server advertises AUTH before STARTTLS and then answers it 538: a client should not
  // be offered what it may not use. AUTH is turned off for the session until TLS is up
  // (smtp-server's per-session disabledCommands), and MAIL is then refused (530) when AUTH
  // is required, which smtp-server no longer does itself once AUTH is off.
  const authAfterTls = options.tls !== undefined && options.tls.mode !== "implicit" && options.auth !== undefined && !(options.auth.allowInsecure ?? false);
  const smtpOptions = toSmtpServerOptions({ ...options, maxClients });
  if (options.extensions?.chunking === true) checkChunkingSupport();
  const greetingDelay = checkGreetingDelay(options.greetingDelay ?? 0);
  // per session: ends (for the hooks) the message whose data is being read
  const openMessage = new Map<string, (refused: string) => void>();
  const logger = createTranscriptLogger(record);
  // smtp-server xtext-decodes parameter values: the text the client sent, by parsed address
  // (the object smtp-server keeps in the envelope), as the transcript's C: line had it
  const paramsSent = new WeakMap<object, string>();
  const rcptBudget = new RcptParamsBudget();
  const sentParams = (session: string): string => {
    const line = logger.lastCommand(session) ?? "";
    return line.slice(line.indexOf(":") + 1).trim().split(/\s+/).slice(1).join(" ");
  };
  const server = new SMTPServer({
    ...smtpOptions,
    logger,
    onConnect(session, callback) {
      event(session.id, `connection from ${peerOf(session.remoteAddress, session.remotePort)}`);
      if (authAfterTls) (session as SessionCommands).disabledCommands = [...smtpOptions.disabledCommands ?? [], "AUTH"];
      // smtp-server's connection of the session (its id is the session's): kept by
      // trackConnections from the moment smtp-server adds it to `server.connections`
      const connection = connections.get(session.id);
      if (connection === undefined || connection.session !== session) {
        // without it the transcript's C: lines and CHUNKING would be silently wrong for the
        // session (another smtp-server version adding connections otherwise): refused, loudly
        event(session.id, "internal error: smtp-server's connection for this session not found; session refused");
        return callback(Object.assign(new Error("Debugging server internal error: connection not found (smtp-server version?)"), { responseCode: 421 }));
      }
      const onCommand = connection._onCommand;
      connection._onCommand = function (this: typeof connection, command: Buffer, next?: () => void): void {
        logger.commandBytes(session.id, command, Boolean(this._nextHandler));
        onCommand.call(this, command, next);
      };
      fixPipelinedMessages(connection);
      if (options.extensions?.chunking === true) {
        enableChunking(connection, { limit, lmtp: options.lmtp ?? false, onData, replies: (s) => acceptedRcpts(s)?.length ?? 1, note: event });
      }
      callback();
    },
    onSecure(_socket, session, callback) {
      const cipher = session.tlsOptions === false ? "" : ` ${session.tlsOptions.version} ${session.tlsOptions.name}`;
      event(session.id, `TLS established${cipher}`);
      // back to the server's own list: AUTH is offered from now on
      if (authAfterTls) (session as SessionCommands).disabledCommands = undefined;
      callback();
    },
    onAuth(auth: SMTPServerAuthentication, session, callback) {
      const name = auth.username ?? "";
      const expected = users.get(name);
      const ok = expected !== undefined && checkCredentials(auth, expected);
      event(session.id, `AUTH ${auth.method} as ${JSON.stringify(name)}: ${ok ? "accepted" : "refused"}`);
      // XOAUTH2 refuses with its error challenge (RFC 7628 §3.2.2, as Gmail does): a 334
      // holding JSON, and 535 to the client's answer. smtp-server sends any refusal without a
      // user that way, and given a 535 code it would send 535 with that challenge, still
      // waiting for the answer: the client's next command would be taken for it.
      if (!ok && auth.method === "XOAUTH2") return callback(null, { data: { status: "401", schemes: "bearer" } });
      if (!ok) return callback(null, { message: "Authentication credentials invalid", responseCode: 535 });
      callback(null, { user: { username: name } });
    },
    onMailFrom(address, session, callback) {
      if (authAfterTls && options.auth?.required && !session.secure) {
        return callback(Object.assign(new Error("Must issue a STARTTLS command first (authentication is required)"), { responseCode: 530 }));
      }
      const param = unsupportedParam(options, session, false, address.args);
      if (param !== undefined) return callback(unsupported(param, session));
      if (needsUtf8(address.address, address.args)) return callback(notUtf8(address.address));
      const refusal = refuseFrom.get(address.address.toLowerCase());
      if (!refusal) paramsSent.set(address, sentParams(session.id));
      callback(refusal ? refusalError(refusal, `Sender <${address.address}> refused`) : null);
    },
    onRcptTo(address, session, callback) {
      const accepted = acceptedRcpts(session);
      // in LMTP a repeat counts too: each is one more reply to send after the data
      if ((accepted?.length ?? session.envelope.rcptTo.length) >= maxRecipients) {
        return callback(Object.assign(new Error(TOO_MANY_RECIPIENTS), { responseCode: 452 }));
      }
      const param = unsupportedParam(options, session, true, address.args);
      if (param !== undefined) return callback(unsupported(param, session));
      const { mailFrom } = session.envelope;
      if (needsUtf8(address.address, mailFrom === false ? false : mailFrom.args)) return callback(notUtf8(address.address));
      const refusal = refuseTo.get(address.address.toLowerCase());
      if (refusal) return callback(refusalError(refusal, `Recipient <${address.address}> refused`));
      const params = sentParams(session.id);
      if (!rcptBudget.take(session.envelope.rcptTo, params)) return callback(rcptBudget.refusal());
      accepted?.push(address.address);
      paramsSent.set(address, params);
      callback(null);
    },
    onData,
    onClose(session) {
      connections.closed(session.id);
      logger.forget(session.id);
      event(session.id, "connection closed");
    },
  });

  const rewrites: ReplyRewrite[] = []; // every reply goes through these, in order (see rewriteReplies)
  if (hiddenLimit !== Infinity) rewrites.push(sendTooBigAs534);
  rewrites.push(noteTooManyClients(maxClients, event));
  if (options.extensions?.enhancedStatusCodes ?? true) rewrites.push(sendEnhancedStatus(options.lmtp ?? false));
  const connections = trackConnections(server, (connection) => {
    rewriteReplies(connection, rewrites);
    greetAfter(connection, greetingDelay);
  });

  /** smtp-server's onData, also handed the chunks of a BDAT transfer (see enableChunking). */
  function onData(stream: SMTPServerDataStream, session: SMTPServerSession, reply: DataCallback): void {
    const id = session.id;
    // A BDAT transfer ended by RSET learns its end only later, and a pipelined next message
    // may begin first: the hooks are keyed by session, so that one is ended here, before.
    openMessage.get(id)?.("transaction reset before the message's end");
    let open = true;
    // bytes received so far (receive counts them, past the size limit too)
    const counted = { bytes: 0 };
    const end = (refused?: string): void => {
      if (!open) return;
      open = false;
      if (openMessage.get(id) === end) openMessage.delete(id);
      options.onMessageEnd?.(id, refused, counted.bytes);
    };
    openMessage.set(id, end);
    options.onMessageStart?.(id, messageInfo(session, paramsSent));
    const callback: DataCallback = (err, message) => {
      const refusal = err ?? (Array.isArray(message) && message.every((r) => r instanceof Error) ? message[0] : undefined);
      end(refusal?.message);
      reply(err, message);
    };
    const onChunk = options.onMessageData && ((chunk: Buffer) => (open ? options.onMessageData?.(id, chunk) : undefined));
    void receive(stream, session, { keepBytes, limit: hiddenLimit, paramsSent, counted, ...(onChunk ? { onChunk } : {}) }).then(
      (message) => {
        if (message.size <= hiddenLimit && !stream.sizeExceeded) return deliver(message, session, callback);
        const tooBig = tooBigError(limit);
        if (message.size > hiddenLimit) return refuse(session, tooBig, callback);
        // smtp-server refuses it itself (rejectOversized: 552 5.3.4), in LMTP once per envelope entry
        repeatRcpts(session);
        callback(tooBig);
      },
      (err: unknown) => {
        // Typically the client went away before the final ".": say so, or the transcript's
        // "<n bytes of DATA>" reads like a message that arrived.
        if ((err as { noted?: unknown } | undefined)?.noted !== true) event(session.id, `message not received in full, discarded: ${err instanceof Error ? err.message : String(err)}`);
        // a BDAT chunk refused as too big: its octets were read (and dropped), not streamed
        const refusedChunk = (err as { received?: unknown } | undefined)?.received;
        if (typeof refusedChunk === "number") counted.bytes = refusedChunk;
        callback(Object.assign(new Error(`Error reading data: ${String(err)}`), { responseCode: 451 }));
      },
    );
  }

  function unsupported(param: string, session: SMTPServerSession): Error {
    // Python's docs give "8bitmime" as a mail option: the extension's name, not its parameter,
    // named only when this session takes it (not after HELO, nor with the extension hidden;
    // BINARYMIME comes with CHUNKING, without which smtp-server refuses it)
    const named = /^(8BITMIME|BINARYMIME)$/i.test(param) ? param.toUpperCase() : undefined;
    const taken = named !== undefined && unsupportedParam(options, session, false, { BODY: named }) === undefined
      && (named !== "BINARYMIME" || options.extensions?.chunking === true);
    const body = taken ? named : undefined;
    const text = body === undefined ? `Parameter ${param} not supported (extension not advertised)` : `Parameter ${param} unknown: ${body}'s MAIL parameter is BODY=${body}`;
    return Object.assign(new Error(text), { responseCode: 555 });
  }

  /**
   * LMTP: the envelope's recipients once for each RCPT accepted, repeats included, for the
   * replies smtp-server counts itself from the envelope (a message over the limit).
   */
  function repeatRcpts(session: SMTPServerSession): void {
    const accepted = acceptedRcpts(session);
    if (accepted === undefined) return;
    const entries = new Map(session.envelope.rcptTo.map((r) => [r.address.toLowerCase(), r]));
    session.envelope.rcptTo = accepted.flatMap((rcpt) => entries.get(rcpt.toLowerCase()) ?? []);
  }

  /** The message refused with `err`: in LMTP, once for each RCPT accepted (see {@link acceptedRcpts}). */
  function refuse(session: SMTPServerSession, err: Error, callback: DataCallback): void {
    const accepted = acceptedRcpts(session);
    if (accepted) callback(null, accepted.map(() => err));
    else callback(err);
  }
  async function deliver(message: ReceivedMessage, session: SMTPServerSession, callback: DataCallback): Promise<void> {
    const refusalOf = (rcpt: string): Refusal | undefined => refuseAfter.get(rcpt.toLowerCase());
    const refused = message.envelope.rcptTo.map(refusalOf);
    const firstRefusal = refused.find((r) => r !== undefined);
    // LMTP: one reply for each RCPT accepted, in their order, a repeat as the recipient it repeats
    const lmtpReplies = (): (string | Error)[] => (acceptedRcpts(session) ?? []).map((rcpt) => {
      const refusal = refusalOf(rcpt);
      return refusal ? refusalError(refusal, "Message refused for this recipient") : `OK: delivered to <${rcpt}>`;
    });
    if (!options.lmtp && firstRefusal) return callback(refusalError(firstRefusal, "Message refused"));
    if (refused.every((r) => r !== undefined) && firstRefusal) return callback(null, lmtpReplies());
    try {
      await options.onMessage?.(message);
    } catch (err) {
      // refused with 451: not kept either, or `messages` would hold what the client was told failed
      return refuse(session, Object.assign(new Error(`Local error in processing: ${String(err)}`), { responseCode: 451 }), callback);
    }
    // closed meanwhile: its client got 421 (or nothing), so it is not kept
    if (inbox.closed) return refuse(session, Object.assign(new Error("Server shut down before the message was accepted"), { responseCode: 421 }), callback);
    if (options.keepMessages ?? true) inbox.add(message);
    const delivered = refused.filter((r) => r === undefined).length;
    const refusedAfter = refused.length - delivered;
    event(session.id, `message accepted: ${message.size} bytes from <${message.envelope.mailFrom}> to ${delivered} recipient(s)${refusedAfter > 0 ? ` (${refusedAfter} refused after the data)` : ""}`);
    if (!options.lmtp) return callback(null, "OK: message queued");
    callback(null, lmtpReplies());
  }

  // A listen error (EADDRINUSE) rejects startDebugServer(); it is not also a transcript line.
  let listening = false;
  server.on("error", (err) => {
    if (listening) event("server", describeServerError(err));
  });
  const address = await listen(server, options);
  listening = true;
  where = address.where;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => closing ??= connections.close().then(() => inbox.close());
  return {
    host: address.host,
    port: address.port,
    messages: inbox.messages,
    transcript,
    waitForMessages: (count, waitOptions) => inbox.wait(count, waitOptions),
    clear() {
      inbox.clear();
      transcript.length = 0;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
