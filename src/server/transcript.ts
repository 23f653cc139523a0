/**
 * The debugging server's session transcript: smtp-server's bunyan-style logger is hooked and
 * its command/reply lines become {@link TranscriptEntry} values, credentials masked.
 * @module
 */
import { format } from "node:util";
import { escapeControl } from "../errors.js";

/** One line of a session as the server saw it. */
export interface TranscriptEntry {
  /** smtp-server's id of the connection (one per client session). */
  readonly session: string;
  /** `C` a line the client sent, `S` a line the server sent, `*` an event (connect, TLS, close). */
  readonly direction: "C" | "S" | "*";
  /** The line without its CRLF; AUTH arguments and SASL answers are replaced by `***`. */
  readonly line: string;
  /** When the line was recorded. */
  readonly time: Date;
}

/** The mask that replaces credentials. */
export const REDACTED = "***";

/** Fields smtp-server puts on a log entry that matter here. */
interface LogFields {
  readonly tnx?: unknown;
  readonly cid?: unknown;
  readonly command?: unknown;
}

/**
 * An AUTH command line: `AUTH` (or IMAP's `AUTHENTICATE`, a client's slip) at its start,
 * whatever separates it from what follows (`AUTH\0PLAIN\0<base64>`, `AUTH=PLAIN`), so its
 * credentials are masked; but not when a base64 character follows (`=` is one only at the
 * end of a group), as a SASL answer may begin (`AUTHzZXI=`): that is masked whole.
 */
const AUTH_VERB = /^\s*(AUTH(?:ENTICATE)?)(?![A-Za-z0-9+/])/i;

/** White space, then a SASL mechanism name (RFC 4422 §3.1: 1 to 20 of A-Z, 0-9, `-`, `_`) ending in white space or the line's end. */
const MECHANISM = /^\s+([A-Z0-9_-]{1,20})(?=\s|$)/i;

/**
 * Masks anything after the mechanism of an AUTH command (`AUTH PLAIN <base64>`) and the whole
 * of a SASL continuation line. smtp-server already redacts both (`/* secured *\/`); this is
 * a second fence so a change there can never leak a password into a transcript. The line is
 * looked at, not only smtp-server's command name: that name is what comes before the first
 * space, so `AUTH<TAB>PLAIN<TAB><base64>` (refused as an unknown command) would be logged
 * in full, credentials and all. Only a mechanism name set off by white space is shown: what
 * is glued to it (`AUTH PLAIN=<base64>`, `AUTH PLAIN\0<base64>`, which smtp-server answers 504
 * and logs as sent) is masked with the rest.
 */
export function redactCommand(command: string | undefined, line: string): string {
  const verb = AUTH_VERB.exec(line);
  if (verb !== null) {
    const rest = line.slice(verb[0].length);
    const mechanism = MECHANISM.exec(rest);
    const after = mechanism === null ? rest : rest.slice(mechanism[0].length);
    if (after.trim() === "") return line;
    return mechanism === null ? `${verb[1]} ${REDACTED}` : `${verb[1]} ${mechanism[1]} ${REDACTED}`;
  }
  return command === "AUTH" ? REDACTED : line;
}

// Command verbs a client line may start with; after an AUTH, any other line is taken as a SASL answer.
const VERBS = new Set(["HELO", "EHLO", "LHLO", "MAIL", "RCPT", "DATA", "BDAT", "RSET", "NOOP", "QUIT", "VRFY", "EXPN", "HELP", "STARTTLS", "AUTH", "ETRN", "XCLIENT", "XFORWARD"]);

/**
 * The function that records a transcript entry: kept in `transcript` unless `keep` is false,
 * and handed to `onEntry`. What `onEntry` throws is thrown again on its own (next tick, an
 * uncaught exception that a test runner reports), not into smtp-server's handling of the
 * session, which it would leave without its reply.
 */
export function transcriptRecorder(transcript: TranscriptEntry[], keep: boolean, onEntry?: (entry: TranscriptEntry) => void): (entry: TranscriptEntry) => void {
  return (entry) => {
    if (keep) transcript.push(entry);
    try {
      onEntry?.(entry);
    } catch (err) {
      process.nextTick(() => {
        throw err;
      });
    }
  };
}

/** A minimal bunyan-compatible logger, as smtp-server's `logger` option takes it. */
export interface TranscriptLogger {
  /** Drops what the logger keeps about `session` (call when it closes). */
  forget(session: string): void;
  /** The last command line `session` sent, as logged (credentials masked), without its CRLF. */
  lastCommand(session: string): string | undefined;
  /**
   * The bytes of the command line `session` sent that smtp-server is about to log;
   * `inExchange`: smtp-server reads it as an answer of an AUTH exchange it runs (masked
   * whole, whatever it looks like: `AUTH` is a base64 answer too).
   */
  commandBytes(session: string, line: Buffer, inExchange?: boolean): void;
  trace(): void;
  debug(fields: LogFields, message?: string, ...args: unknown[]): void;
  info(): void;
  warn(): void;
  error(): void;
  fatal(): void;
}

/**
 * Makes the logger that turns smtp-server's `debug` lines (`C:` commands, `S:` replies,
 * `C: <n bytes of DATA>`) into transcript entries handed to `record`. Other levels are
 * dropped: they repeat the same facts and some carry user names.
 */
export function createTranscriptLogger(record: (entry: TranscriptEntry) => void): TranscriptLogger {
  const ignore = (): void => undefined;
  // Sessions whose last command was AUTH: smtp-server masks the SASL answers of an exchange
  // it runs, but one sent without waiting for the 334 after an AUTH it refused (AUTH in clear
  // text with STARTTLS on offer, a second AUTH) is read as an unknown command and logged as
  // is. Until the next known command, such lines are masked here.
  const afterAuth = new Set<string>();
  // one line per open session, for the MAIL/RCPT parameters as sent (see ReceivedMessage)
  const last = new Map<string, string>();
  // smtp-server logs a command decoded as UTF-8: a byte that is not UTF-8 would show as U+FFFD
  const bytes = new Map<string, Buffer>();
  // sessions whose line about to be logged is an answer in an AUTH exchange (see commandBytes)
  const inExchange = new Set<string>();
  const redactAnswer = (session: string, line: string): string => {
    const verb = line.trim().split(/\s+/)[0]?.toUpperCase() ?? "";
    const auth = AUTH_VERB.exec(line);
    // after an AUTH, one that names no mechanism (`AUTH`, `AUTH=`) may be an answer sent unasked
    if (auth !== null && afterAuth.has(session) && !MECHANISM.test(line.slice(auth[0].length))) return REDACTED;
    // any AUTH line (see redactCommand), `AUTH\0PLAIN` too: its answers may follow unasked
    if (auth !== null) afterAuth.add(session);
    else if (VERBS.has(verb)) afterAuth.delete(session);
    else if (afterAuth.has(session)) return REDACTED;
    return line;
  };
  return {
    forget: (session) => {
      afterAuth.delete(session);
      inExchange.delete(session);
      bytes.delete(session);
      last.delete(session);
    },
    lastCommand: (session) => last.get(session),
    commandBytes: (session, line, exchange = false) => {
      bytes.set(session, line);
      if (exchange) inExchange.add(session);
      else inExchange.delete(session);
    },
    trace: ignore, info: ignore, warn: ignore, error: ignore, fatal: ignore,
    debug(fields, message, ...args) {
      const session = typeof fields?.cid === "string" ? fields.cid : String(fields?.cid ?? "");
      const time = new Date();
      if (fields?.tnx === "send" && message === "S:") {
        for (const line of String(args[0] ?? "").split("\r\n")) {
          record({ session, direction: "S", line: escapeControl(line), time });
        }
      } else if (fields?.tnx === "command" && message === "C:") {
        const command = typeof fields.command === "string" ? fields.command : undefined;
        const raw = bytes.get(session);
        bytes.delete(session);
        // the line as logged, unless it was decoded lossily (not one smtp-server masked whole)
        const logged = String(args[0] ?? "");
        const text = raw !== undefined && logged.includes("\ufffd") ? showBytes(raw) : logged;
        // an answer in an exchange: masked here whatever smtp-server logged (a second fence)
        const answer = inExchange.delete(session);
        const line = answer ? REDACTED : redactCommand(command, redactAnswer(session, text.replace("/* secured */", REDACTED)));
        last.set(session, line);
        record({ session, direction: "C", line: escapeControl(line), time });
      } else if (fields?.tnx === "data" && typeof message === "string") {
        record({ session, direction: "C", line: format(message, ...args).replace(/^C: /, ""), time });
      }
    },
  };
}

/**
 * A server-level error (smtp-server's `error` event: a failed implicit-TLS handshake, a
 * socket error) as one transcript line: the client's address when known, OpenSSL's short
 * reason rather than its multi-line message, control characters escaped.
 */
export function describeServerError(err: Error): string {
  const e = err as Error & { reason?: unknown; remoteAddress?: unknown; meta?: { remoteAddress?: unknown; stage?: unknown } };
  const from = [e.remoteAddress, e.meta?.remoteAddress].find((a) => typeof a === "string" && a !== "");
  const what = typeof e.reason === "string" && e.reason !== "" ? e.reason : err.message.trim();
  // smtp-server's stage "connect": the TLS handshake of the implicit-TLS port
  const tls = e.meta?.stage === "connect" ? "TLS handshake failed: " : "";
  return escapeControl(`error${from === undefined ? "" : ` (client ${String(from)})`}: ${tls}${what}`);
}

// One or more well-formed UTF-8 sequences of 2 to 4 bytes (no overlong forms, no surrogates,
// nothing past U+10FFFF; RFC 3629 §4), or a byte that is not part of one, in a latin1
// string (one character per byte)
const UTF8_RUN = /(?:[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2})+|[\x80-\xff]/g;

/** Bytes as text: valid UTF-8 as such, any other byte as `\xNN` (a command line; message data, see the CLI's showData). */
export function showBytes(line: Buffer): string {
  return line.toString("latin1").replace(UTF8_RUN, (run) =>
    run.length === 1 ? `\\x${run.charCodeAt(0).toString(16).padStart(2, "0")}` : Buffer.from(run, "latin1").toString("utf8"));
}

/** Renders one entry as `C: line` / `S: line` / `* line`, optionally with the session id. */
export function formatEntry(entry: TranscriptEntry, withSession = false): string {
  const prefix = withSession ? `[${entry.session}] ` : "";
  return entry.direction === "*" ? `${prefix}* ${entry.line}` : `${prefix}${entry.direction}: ${entry.line}`;
}
