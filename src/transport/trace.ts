/**
 * Debug transcripts and `node:diagnostics_channel` audit events. Everything the client
 * shows passes through here: credentials are masked by the caller-supplied `logAs` text,
 * and control characters in server text are escaped so a reply cannot forge log lines.
 * @module
 */

import * as diagnostics from "node:diagnostics_channel";
import { hideInError, hideSecret, type Secrets } from "../protocol/auth-echo.js";
import { escapeControl } from "../errors.js";
import { mixedLineCodes, type SMTPReply } from "../protocol/reply.js";
import type { TLSInfo } from "./tls-info.js";

/** Python's audit event `smtplib.connect`: `{ client, host, port }` before connecting. */
export const connectChannel = diagnostics.channel("smtplib.connect");
/** Python's audit event `smtplib.send`: `{ client, data }` for every write (raw bytes). */
export const sendChannel = diagnostics.channel("smtplib.send");

/**
 * What a debug transcript says of a TLS layer whose certificate was not verified
 * (`tls.rejectUnauthorized: false`): `"; certificate NOT verified: <Node's code>"`, so an
 * operator reading the transcript sees it; `""` for a verified certificate or no TLS. Ends
 * the STARTTLS line ({@link tlsEstablishedLine}) and, for implicit TLS, "connected to".
 */
export function unverifiedNote(info: TLSInfo | null): string {
  if (info === null || info.authorized) return "";
  return `; certificate NOT verified: ${info.authorizationError ?? "no reason given"} (tls.rejectUnauthorized is false)`;
}

/** The transcript's line once STARTTLS's handshake is done: protocol, cipher, and {@link unverifiedNote}. */
export function tlsEstablishedLine(info: TLSInfo | null): string {
  return `TLS established: ${info?.protocol ?? "?"} ${info?.cipher.name ?? ""}${unverifiedNote(info)}`;
}

/** Debug verbosity: 0 silent, 1 commands and replies, 2 the same with a time of day. */
export type DebugLevel = 0 | 1 | 2;

/** The default `debugOutput`: each line on stderr. */
export function lineToStderr(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Where debug lines go, and how verbose they are. Mutable: `setDebugLevel` changes it. */
export class Tracer {
  /** What is shown: 0 nothing, 1 commands and replies, 2 with a time of day. */
  level: DebugLevel;
  /** Where each line goes (`debugOutput`; default: stderr). */
  output: (line: string) => void;
  /**
   * While true, a 334 reply is shown by its length only (see {@link reply}): set during a
   * SCRAM exchange, whose server messages (salt, iteration count, and the server signature
   * `v=`) would let whoever reads the transcript test password guesses offline, as the
   * client's proof would.
   */
  maskChallenges = false;

  /**
   * While set, the credentials just sent (an AUTH line's or an answer's base64), masked as
   * `****` in the reply lines shown, and in an error quoting one: a server may echo what it
   * refused. Set by `login()`/`auth()` at each line (every credential of the exchange so
   * far), kept after it until the next exchange or the connection's end (a 421 may quote
   * them later); for a raw AUTH exchange (`docmd`,
   * `putcmd`, `send()`), every credential its lines carried (several AUTH lines and their
   * answers may go in one `send()`), from the first written until a reply ends it.
   * A private field behind accessors: an own property would show in `util.inspect(client)`
   * (the tracer is the client's) in the middle of an exchange.
   */
  get hidden(): Secrets {
    return this.#hidden;
  }

  set hidden(secrets: Secrets) {
    this.#hidden = secrets;
  }

  #hidden: Secrets;

  /** `error` as it may be shown: masking {@link hidden} where it quotes a server that echoed it (see `hideInError`). */
  shown(error: unknown): unknown {
    return hideInError(error, this.#hidden);
  }

  /** A tracer at `level` writing to `output` (default: a line on stderr each). */
  constructor(level: DebugLevel = 0, output?: (line: string) => void) {
    this.level = level;
    this.output = output ?? lineToStderr;
  }

  /** Set once {@link output} has thrown and the warning saying so has been emitted. */
  #outputFailed = false;

  /**
   * Logs one line at level 1 and above, escaped, with a time stamp at level 2. An
   * {@link output} that throws does not stop the session: lines are written from inside the
   * reply reader, where an exception would leave a command without its reply (and the
   * message's fate unknown). The first such error is emitted as a process warning
   * (`SMTPDebugOutputWarning`); the lines it could not take are lost.
   */
  line(text: string): void {
    if (this.level === 0) return;
    const safe = escapeControl(text);
    let shown = safe;
    if (this.level >= 2) {
      const now = new Date();
      shown = `${now.toTimeString().slice(0, 8)}.${String(now.getMilliseconds()).padStart(3, "0")} ${safe}`;
    }
    try {
      this.output(shown);
    } catch (err) {
      if (this.#outputFailed) return;
      this.#outputFailed = true;
      const why = err instanceof Error ? err.message : String(err);
      process.emitWarning(`debugOutput threw (${escapeControl(why)}); the session goes on, and debug lines it cannot take are lost`, "SMTPDebugOutputWarning");
    }
  }

  /** Logs a command as the caller wants it shown (`logAs`, with credentials masked). */
  command(logAs: string): void {
    if (this.level > 0) this.line(`C: ${logAs}`);
  }

  /**
   * Logs each line of a reply in its wire form (`250-...`, `250 ...`), each with the code
   * it came with: a hostile server's lines may carry different ones (`250-a`, `220 b`),
   * though the reply takes the last line's. Escaped as every line is; a 334 only by its
   * length while {@link maskChallenges} is set.
   */
  reply(reply: SMTPReply): void {
    if (this.level === 0) return;
    if (this.maskChallenges && reply.code === 334) {
      this.line(`S: 334 <challenge, ${reply.message.length} characters, not shown>`);
      return;
    }
    const last = reply.lines.length - 1;
    const codes = last > 0 ? mixedLineCodes(reply) : undefined;
    reply.lines.forEach((text, i) => this.line(`S: ${codes?.[i] ?? reply.code}${i === last ? " " : "-"}${hideSecret(text, this.#hidden)}`));
  }
}
