/**
 * CHUNKING (RFC 3030) for the debugging server: smtp-server has no BDAT, so each connection
 * gets a BDAT handler that reads exactly the announced octets from smtp-server's command
 * parser (no dot-stuffing), feeds them to the same onData handler as DATA, and answers once
 * per BDAT (in LMTP, once per recipient after BDAT LAST, and not at all after a BDAT LAST
 * with data in a transaction with no recipient accepted: RFC 2033 §4.3). BINARYMIME (RFC 3030 §3) is offered
 * with it: `MAIL BODY=BINARYMIME` is taken, and DATA refused (503) in its transaction.
 * @module
 */
import { PassThrough } from "node:stream";
import type { SMTPServerDataStream, SMTPServerSession } from "smtp-server";
import type { Connection } from "./close.js";
import { missingConnectionMethods } from "./connection-methods.js";

type Parser = Exclude<Connection["_parser"], false>;
/** smtp-server's `onData` callback: an error refuses the message; LMTP may give one result per recipient. */
export type DataCallback = (err?: Error | null, message?: string | (string | Error)[]) => void;

/** What the BDAT handler needs of the server it is added to. */
export interface ChunkingHooks {
  /** Largest message in bytes (Infinity: none); a chunk that goes past it gets 552. */
  readonly limit: number;
  /** LMTP: BDAT LAST answered once per recipient. */
  readonly lmtp: boolean;
  /** The server's onData handler, handed the chunks as one stream. */
  readonly onData: (stream: SMTPServerDataStream, session: SMTPServerSession, callback: DataCallback) => void;
  /** How many replies an LMTP BDAT LAST gets (one per RCPT accepted). */
  readonly replies: (session: SMTPServerSession) => number;
  /** A line for the session's transcript (a BDAT LAST left unanswered, a message abandoned, says so there). */
  readonly note?: (session: string, line: string) => void;
}

/** A message arriving in chunks: the stream onData reads and the reply it will decide. */
interface Transfer {
  readonly stream: PassThrough & SMTPServerDataStream;
  readonly decided: Promise<Parameters<DataCallback>>;
  received: number;
}

/** The methods of smtp-server's connections that {@link enableChunking} wraps or calls. */
const CONNECTION_METHODS = ["handler_EHLO", "handler_DATA", "_resetSession", "_validateMailParams", "_onClose", "send", "close"] as const;

/**
 * Checks, when the server starts, that smtp-server's connections have what
 * {@link enableChunking} wraps: another version without one would break BDAT only later,
 * on a connection (a message left open, a TypeError from a socket's close event).
 * @throws Error naming the methods missing.
 */
export function checkChunkingSupport(): void {
  const missing = missingConnectionMethods(CONNECTION_METHODS);
  if (missing.length > 0) {
    throw new Error(`extensions.chunking: smtp-server's connections have no ${missing.join(", ")}, which the debugging server's BDAT wraps (written for smtp-server 3.21): use that version, or leave CHUNKING off`);
  }
}

/**
 * The 503 to a BDAT that follows a refused chunk of its transaction (pipelined behind it):
 * RFC 3030 §2 has the server read and discard such chunks and the client send RSET; "need
 * MAIL command" would read as if the client had never sent one.
 */
const FAILED_EARLIER = "Error: transaction failed by an earlier refused BDAT chunk; this chunk discarded, send RSET (RFC 3030 section 2)";

/** The 503 to DATA in a transaction that a chunk refused "need RCPT" failed (see `chunkRefused`). */
const FAILED_DATA = "Error: transaction failed by an earlier refused BDAT chunk; send RSET (RFC 3030 section 2)";

/** The 503 to a BDAT in a transaction with no RCPT accepted (in LMTP, not to a BDAT LAST with data: see chunk). */
const NEED_RCPT = "Error: need RCPT command";

/** `BDAT <size> [LAST]` (RFC 3030 §2); a size past 15 digits is not one the server can count. */
const BDAT_SYNTAX = /^BDAT +(\d{1,15})( +LAST)? *$/i;

/** A BDAT line's size when it can be read, whatever follows it: digits set off from what follows. */
const BDAT_SIZE = /^BDAT +(\d{1,15})(?![\d])(?=[\s]|$)/i;

/**
 * Offers CHUNKING and BINARYMIME on `connection`: both in its EHLO/LHLO reply, a BDAT handler,
 * `BODY=BINARYMIME` taken, and DATA refused (503) in a transaction that BDAT started or
 * BINARYMIME announced. A malformed BDAT line is answered 501; when its size cannot be read,
 * the connection is then closed: the octets that follow cannot be told from commands.
 * A message left mid-BDAT when the connection closes is ended then, as smtp-server ends one
 * left mid-DATA: before the session's `onClose`.
 */
export function enableChunking(connection: Connection, hooks: ChunkingHooks): void {
  // Keyed by envelope: smtp-server makes a new one per transaction (RSET, EHLO, a delivered message).
  const transfers = new WeakMap<object, Transfer>();
  // The envelope that a refused chunk left (see fail): BDATs still in the client's pipeline
  // after it are read and dropped (RFC 3030 §2), and their 503 says why, until MAIL or RSET.
  const failedBy = new WeakSet<object>();
  // The envelopes of which a chunk was refused "need RCPT": RFC 3030 §2 has the transaction
  // failed then (the client must send no more chunks, and RSET), as Dovecot's LMTP keeps it
  // until RSET. A later chunk gets 503: "need RCPT" while none is accepted (in LMTP, also a
  // BDAT LAST, not the silence of RFC 2033 §4.3), and once one is (a RCPT after the refusal),
  // that the transaction failed, not a chunk taken into a message whose start was dropped.
  const chunkRefused = new WeakSet<object>();
  const conn = connection as Connection & Record<string, unknown>;
  const ehlo = connection.handler_EHLO;
  conn.handler_EHLO = function (this: Connection, command: Buffer, callback: () => void): void {
    const send = this.send;
    this.send = (code, data, context) => send.call(this, code, code === 250 && Array.isArray(data) ? [...data, "BINARYMIME", "CHUNKING"] : data, context);
    try {
      ehlo.call(this, command, callback);
    } finally {
      this.send = send;
    }
  };
  // RSET, EHLO, STARTTLS...: a new envelope, and the message onData was reading is abandoned
  const reset = connection._resetSession;
  conn._resetSession = function (this: Connection): void {
    abandon(this, this.session.envelope, "transaction reset before BDAT LAST");
    reset.call(this);
  };
  // BODY=BINARYMIME (RFC 3030 §3), which smtp-server refuses (501): checked without it, then
  // kept in the envelope (bodyType "binarymime"); whether it was offered is the caller's check
  const validate = connection._validateMailParams;
  conn._validateMailParams = function (this: Connection, parsed: Parameters<typeof validate>[0]) {
    const { BODY: body, ...rest } = parsed.args === false ? {} : parsed.args;
    if (typeof body !== "string" || body.toUpperCase() !== "BINARYMIME") return validate.call(this, parsed);
    return validate.call(this, { ...parsed, args: rest });
  };
  // A MAIL starts a new transaction (smtp-server keeps the envelope object): refused too,
  // a BDAT after it has no MAIL, not a chunk of the failed one
  const mail = connection.handler_MAIL;
  conn.handler_MAIL = function (this: Connection, command: Buffer, callback: () => void): void {
    failedBy.delete(this.session.envelope);
    mail.call(this, command, callback);
  };
  const data = connection.handler_DATA;
  conn.handler_DATA = function (this: Connection, command: Buffer, callback: () => void): void {
    // the accepted MAIL's (smtp-server sets bodyType before onMailFrom, and keeps it after a refusal)
    const { mailFrom } = this.session.envelope;
    const body = mailFrom === false || mailFrom.args === false ? undefined : mailFrom.args.BODY;
    const binary = typeof body === "string" && body.toUpperCase() === "BINARYMIME";
    // A transaction failed by a chunk refused "need RCPT" takes no message by DATA either, until RSET.
    const failed = chunkRefused.has(this.session.envelope) && mailFrom !== false;
    if (!transfers.has(this.session.envelope) && !binary && !failed) return data.call(this, command, callback);
    this.send(503, failed ? FAILED_DATA : binary ? "Error: DATA after MAIL BODY=BINARYMIME: the message goes with BDAT (RFC 3030 section 3)" : "Error: DATA after BDAT in one transaction (RFC 3030 section 2)");
    callback();
  };
  conn.handler_BDAT = function (this: Connection, command: Buffer, callback: () => void): void {
    const line = command.toString("latin1");
    const match = BDAT_SYNTAX.exec(line);
    if (match) return chunk(this, Number(match[1]), match[2] !== undefined, callback);
    const size = BDAT_SIZE.exec(line);
    if (size) return malformed(this, Number(size[1]), callback);
    this.send(501, "Error: syntax: BDAT <size> [LAST]; closing, as the chunk's end cannot be found");
    this.close();
    return callback();
  };

  /**
   * A BDAT line whose size can be read but is otherwise malformed (`BDAT 5 LAST<CR>`: a bare
   * CR, which RFC 5321 §2.3.8 forbids; `BDAT 5 FIRST`): 501, its `size` octets read and
   * dropped (the chunk's end is known, so the session goes on rather than being closed, and
   * the octets are not taken for commands), and its transaction failed as by any refused
   * chunk (RFC 3030 §2: the client sends no more chunks, and RSET).
   */
  function malformed(conn: Connection, size: number, callback: () => void): void {
    readOctets(conn, size, undefined, callback, (resume) => {
      conn._server.logger.debug({ tnx: "data", cid: conn.id }, "C: <%s bytes of BDAT data>", size);
      const { envelope } = conn.session;
      if (envelope.mailFrom !== false) {
        abandon(conn, envelope, "malformed BDAT line");
        conn._resetSession();
        failedBy.add(conn.session.envelope);
      }
      answer(conn, resume, () => conn.send(501, `Error: syntax: BDAT <size> [LAST]; its ${size} octets read and discarded${envelope.mailFrom === false ? "" : ", transaction failed: send RSET (RFC 3030 section 2)"}`));
    });
  }

  function chunk(conn: Connection, size: number, last: boolean, callback: () => void): void {
    const session = conn.session;
    const { envelope } = session;
    // CHUNKING is offered in the EHLO/LHLO reply only: not after HELO, nor after STARTTLS until the next EHLO
    const offered = ["EHLO", "LHLO"].includes(String(session.openingCommand).toUpperCase());
    const refusal = !offered ? "Error: BDAT without EHLO: CHUNKING was not offered (RFC 3030 section 2)"
      : envelope.mailFrom === false ? (failedBy.has(envelope) ? FAILED_EARLIER : "Error: need MAIL command")
      : envelope.rcptTo.length === 0 ? NEED_RCPT
      : chunkRefused.has(envelope) ? FAILED_EARLIER : undefined;
    // RFC 2033 §4.3: in a transaction with no RCPT accepted, BDAT LAST gets zero replies (as
    // Dovecot's: `BDAT 0 LAST`, which carries no data, gets the 503 of §4.2's DATA)
    const silent = hooks.lmtp && last && size > 0 && refusal === NEED_RCPT && !chunkRefused.has(envelope);
    if (refusal === NEED_RCPT && !silent) chunkRefused.add(envelope);
    let transfer = refusal === undefined ? transfers.get(envelope) : undefined;
    if (refusal === undefined && transfer === undefined) {
      transfers.set(envelope, transfer = start(session));
    }
    const over = transfer !== undefined && transfer.received + size > hooks.limit;
    // Octets of a chunk that is refused are read and dropped.
    const sink = transfer !== undefined && !over ? transfer.stream : undefined;
    readOctets(conn, size, sink, callback, (resume) => {
      conn._server.logger.debug({ tnx: "data", cid: conn.id }, "C: <%s bytes of BDAT data>", size);
      if (silent) {
        hooks.note?.(conn.id, "BDAT LAST with no recipient accepted: no reply (RFC 2033 section 4.3); transaction ended");
        conn._resetSession();
        return resume();
      }
      if (refusal !== undefined) return answer(conn, resume, () => conn.send(503, refusal));
      if (transfer === undefined) return resume();
      if (over) {
        const replies = last && hooks.lmtp ? hooks.replies(session) : 1;
        // RFC 3030 §2: the transaction has failed; what onData got is discarded
        fail(conn, transfer, size);
        return answer(conn, resume, () => {
          for (let i = 0; i < replies; i++) conn.send(552, `Error: message exceeds fixed maximum message size ${hooks.limit}`, "MESSAGE_TOO_BIG");
        });
      }
      transfer.received += size;
      if (!last) return answer(conn, resume, () => conn.send(250, `${size} octets received`));
      transfer.stream.end();
      void transfer.decided.then(([err, message]) => answer(conn, resume, () => {
        reply(conn, err, message, hooks.lmtp ? hooks.replies(session) : 1);
        conn._transactionCounter++;
        conn._unrecognizedCommands = 0;
        conn._resetSession();
      }));
    });
  }

  function start(session: SMTPServerSession): Transfer {
    const stream = Object.assign(new PassThrough(), { byteLength: 0, sizeExceeded: false });
    const decided = new Promise<Parameters<DataCallback>>((resolve) => hooks.onData(stream, session, (...args) => resolve(args)));
    return { stream, decided, received: 0 };
  }

  function fail(conn: Connection, transfer: Transfer, size: number): void {
    // Noted here, before the refusal, as abandon() notes its line (onData's read fails only
    // after the chunks pipelined behind this one have run). `received`: the octets of the
    // message read, the refused chunk's (dropped) included.
    const why = "BDAT chunk refused: message too big";
    hooks.note?.(conn.id, `message not received in full, discarded: ${why}`);
    transfer.stream.destroy(Object.assign(new Error(why), { received: transfer.received + size, noted: hooks.note !== undefined }));
    conn._resetSession();
    failedBy.add(conn.session.envelope);
  }

  /**
   * Ends the stream onData reads of `envelope`'s message unless BDAT LAST ended it. Its
   * transcript line is noted here, in step with the command that ended it: onData learns of
   * it only once its read fails, after the commands pipelined behind that one have run (as
   * many as came in the same read), so the line's place depended on how the bytes were cut.
   * The stream's error says it was noted (`noted: true`).
   */
  function abandon(conn: Connection, envelope: object | undefined, why: string): void {
    const transfer = envelope === undefined ? undefined : transfers.get(envelope);
    if (!transfer || transfer.stream.writableEnded || transfer.stream.destroyed) return;
    hooks.note?.(conn.id, `message not received in full, discarded: ${why}`);
    transfer.stream.destroy(Object.assign(new Error(why), { noted: hooks.note !== undefined }));
  }

  // what onData is reading of a message the client left before BDAT LAST ends there, when
  // smtp-server ends one left mid-DATA: its transcript line and onMessageEnd come before
  // onClose (which close() waits for), not after
  const close = connection._onClose;
  conn._onClose = function (this: Connection): void {
    abandon(this, this.session.envelope, "connection closed before BDAT LAST");
    close.call(this);
  };
}

/** Sends the reply(s) with `send` unless the connection is gone, then resumes the parser. */
function answer(conn: Connection, resume: () => void, send: () => void): void {
  if (conn._parser !== false && !conn._parser.isClosed) send();
  resume();
}

/** The reply(s) to BDAT LAST from onData's decision, as smtp-server answers DATA. */
function reply(conn: Connection, err: Error | null | undefined, message: string | (string | Error)[] | undefined, count: number): void {
  const code = (e: Error): number => (e as Error & { responseCode?: number }).responseCode ?? 450;
  if (err) {
    for (let i = 0; i < count; i++) conn.send(code(err), err.message);
  } else if (Array.isArray(message)) {
    for (const r of message) {
      if (r instanceof Error) conn.send(code(r), r.message);
      else conn.send(250, r, "DATA_OK");
    }
  } else {
    for (let i = 0; i < count; i++) conn.send(250, message ?? "OK: message queued", "DATA_OK");
  }
}

/**
 * How many chunks pipelined in one read are parsed each within the last one's handling
 * before the next waits for the event loop (smtp-server yields after as many commands).
 */
const MAX_NESTED_CHUNKS = 100;

/**
 * Chunks nested now (see {@link MAX_NESTED_CHUNKS}): the reply to a chunk hands what follows
 * it back to the parser from within the chunk's own handling, so each chunk pipelined behind
 * it in the same read went one call deeper, and each added a link to the chain of callbacks
 * that ends the read: some 1,000 of `BDAT 1` (9 KiB) overflowed the stack, a RangeError that
 * ended the process. One count for all connections: they run one at a time.
 */
let nestedChunks = 0;

/**
 * Calls `go` now, or from the event loop when {@link MAX_NESTED_CHUNKS} chunks are nested
 * already, with `deferred` true: the callback `go` hands on then returns through the event
 * loop too, so neither the stack nor that chain grows past the bound.
 */
function resumeParser(go: (deferred: boolean) => void): void {
  if (nestedChunks >= MAX_NESTED_CHUNKS) {
    setImmediate(go, true);
    return;
  }
  nestedChunks++;
  try {
    go(false);
  } finally {
    nestedChunks--;
  }
}

/**
 * Takes the next `size` octets off the connection's parser, as they come, into `sink` (or
 * nowhere), then calls `then` with a function that hands what followed them back to the
 * parser as commands. Each piece is held only until `sink` takes it (its backpressure is kept).
 */
function readOctets(conn: Connection, size: number, sink: PassThrough | undefined, callback: () => void, then: (resume: () => void) => void): void {
  const parser = conn._parser;
  if (parser === false) return callback();
  let left = size;
  const finish = (rest: Buffer, done: (err?: Error | null) => void): void => {
    parser._dataMode = false;
    delete (parser as Partial<Parser>)._feedDataStream;
    then(() => resumeParser((deferred) => parser._write(rest, "buffer", deferred ? (err) => void setImmediate(done, err) : done)));
  };
  if (left === 0) {
    // nothing to read: the parser carries on once the reply is sent
    return then(callback);
  }
  parser._dataMode = true;
  parser._feedDataStream = (piece: Buffer, done: (err?: Error | null) => void): void => {
    const take = piece.subarray(0, left);
    left -= take.length;
    const written = sink === undefined || sink.destroyed || sink.write(take);
    const next = left === 0 ? () => finish(piece.subarray(take.length), done) : () => done();
    if (written) return next();
    const go = (): void => {
      sink?.off("drain", go).off("close", go);
      next();
    };
    sink?.once("drain", go).once("close", go);
  };
  callback();
}
