/**
 * Finding the AUTH exchanges in the bytes a caller writes raw (`send()`), however they are
 * cut into calls, and every credential their lines carry: each AUTH line's initial response
 * and each line that may answer a challenge, so that a reply echoing any of them is masked
 * in debug output. Several AUTH lines, or an AUTH line and its answers, or an AUTH pipelined
 * with MAIL, may come in one `send()`: every such line counts, not only the last.
 * @module
 */

import { secretOf } from "../protocol/auth-echo.js";

/** How much of a raw `send()` is searched for an AUTH command: a batch of commands fits. */
const RAW_SCAN_BYTES = 64 * 1024;

/** A line that starts an AUTH command, from `lastIndex` (one char per byte: any white space separates words). */
const AUTH_AT = /[^\S\n]*auth\s/iy;

/** An AUTH line's words up to its mechanism (group 1); what follows is its initial response. */
const AUTH_WORDS = /^[^\S\n]*auth\s[^\S\n]*(\S*)/i;

/** The start of a line that may yet become an AUTH command, its white space shown as one space. */
const AUTH_HEAD = /^ ?(?:a|au|aut|auth)?$/i;

/**
 * The line in progress when it cannot become an AUTH command (`xauth`, `NOOP AUTH`): not
 * white space, so that the next write does not start a line.
 */
const NOT_AUTH = "\0";

/**
 * How many lines after an AUTH line are taken as answers to its challenges when written
 * before its replies are read (pipelined): a SASL exchange has a few rounds (LOGIN and
 * SCRAM answer two challenges); each 334 read later lets one more line answer (see
 * {@link RawAuthScan.challenged}). A line taken as an answer that is not one (a MAIL after
 * an AUTH with an initial response) is masked where a reply would quote it whole: that
 * shows less, never more.
 */
const PIPELINED_ANSWERS = 8;

/** At most this many credentials are kept for the exchanges under way (the first ones: a caller writing more is writing no credentials). */
const MAX_SECRETS = 1024;

/** A byte that `\s` matches in text read one char per byte, but LF (which ends the line). */
function isBlank(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0b || b === 0x0c || b === 0x0d || b === 0xa0;
}

/** An ASCII letter. */
function isLetter(b: number): boolean {
  const c = b | 0x20;
  return c >= 0x61 && c <= 0x7a;
}

/**
 * The line in progress once `bytes` are written after a line in progress `prev` (as this
 * function returns it), while it may yet become an AUTH command: white space, then at
 * most "auth" (its white space as one space); {@link NOT_AUTH} for any other line. Reads
 * only the end of `bytes`: a long line that is no such start stops the scan at once.
 */
function lineHead(prev: string, bytes: Uint8Array): string {
  let word = bytes.length;
  while (word > 0 && bytes.length - word < 4 && isLetter(bytes[word - 1]!)) word--;
  let blank = word;
  while (blank > 0 && isBlank(bytes[blank - 1]!)) blank--;
  // What comes before the white space must be the end of the last line, or nothing (the
  // line began in an earlier write).
  if (blank > 0 && bytes[blank - 1] !== 0x0a) return NOT_AUTH;
  const head = `${blank > 0 ? "" : prev}${blank < word ? " " : ""}${Buffer.from(bytes.subarray(word)).toString("latin1")}`.replace(/ +/g, " ");
  return AUTH_HEAD.test(head) ? head : NOT_AUTH;
}

/** Whether an AUTH line's mechanism `name` may be SCRAM: it is, or (`cut`: the line goes on in a later write) may become one. */
function mayNameScram(name: string, cut: boolean): boolean {
  const upper = name.toUpperCase();
  return upper.startsWith("SCRAM-") || (cut && "SCRAM-".startsWith(upper));
}

/**
 * Watches the bytes written raw on one connection (and the lines `putcmd`/`docmd` write
 * during a raw exchange) for AUTH exchanges: carries from one write to the next the line in
 * progress, the lines that may still answer a challenge, the credentials written so far,
 * and the number of raw lines whose replies `getreply()` has not read yet. Only the first
 * 64 KiB of a write are searched: a `send()` of a large message's data must not become a
 * string as large (past V8's string limit it would throw).
 */
export class RawAuthScan {
  /** The raw line in progress, when it may yet become an AUTH command (see {@link lineHead}). */
  #head = "";
  /** The raw line in progress, as written, while it is an AUTH line or an answer, or may become an AUTH line (else empty). */
  #line = "";
  /** The line in progress is an AUTH line. */
  #lineIsAuth = false;
  /** The line in progress carries a credential: an AUTH line, or a line that may answer a challenge. */
  #lineIsSecret = false;
  /** Lines still to come that may answer a challenge (see {@link PIPELINED_ANSWERS}). */
  #answers = 0;
  /** Credentials of the lines ended so far in the exchanges under way. */
  #secrets: string[] = [];
  /** The last credential noted (see {@link secret}). */
  #last: string | undefined;
  /** An AUTH line of the exchanges under way names (or may name) a SCRAM mechanism. */
  #scram = false;
  /**
   * Raw lines written whose replies have not been read. Lines that get no reply (message
   * data sent raw) keep it high: the masking then lasts longer, never less.
   */
  #unanswered = 0;
  /** Replies to read up to that of the last raw line that carried a credential. */
  #maskedDue = 0;

  /**
   * The raw line in progress: `""` at a line start; its white space as one space, then at
   * most "auth", while it may yet become an AUTH command; else a NUL, which no command starts with.
   */
  get head(): string {
    return this.#head;
  }

  /**
   * Scans `bytes`, written raw after what was scanned before: the number of replies due
   * before that of the first AUTH command that a line of them starts (one to each raw line
   * written before it, whether in these bytes or earlier ones, that has not been read), or
   * -1 when none does. Every AUTH line, and every line that may answer a challenge, has its
   * credential noted (see {@link secrets}).
   */
  scan(bytes: Uint8Array): number {
    const head = this.#head;
    const scanned = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, RAW_SCAN_BYTES));
    if (scanned.byteLength === 0) return -1;
    const text = scanned.toString("latin1");
    this.#head = lineHead(head, bytes);
    let found = -1;
    for (let start = 0, first = true; first || start < text.length; first = false) {
      const lf = text.indexOf("\n", start);
      const end = lf === -1 ? text.length : lf + 1;
      if (!first || head === "") this.#startLine();
      if (!this.#lineIsAuth && this.#startsAuth(text, start, end, first ? head : "")) {
        if (found < 0) found = this.#unanswered;
        this.#lineIsAuth = true;
        this.#lineIsSecret = true;
        this.#answers = PIPELINED_ANSWERS;
      }
      // Kept while it matters: a credential's line, or one that may still become an AUTH line.
      const mayBecomeAuth = lf === -1 && this.#head !== NOT_AUTH;
      if (this.#lineIsSecret || mayBecomeAuth) {
        if (this.#line.length < RAW_SCAN_BYTES) this.#line += text.slice(start, end);
      } else {
        this.#line = "";
      }
      if (this.#lineIsAuth) this.#scram ||= mayNameScram(AUTH_WORDS.exec(this.#line)?.[1] ?? "", lf === -1);
      if (lf === -1) break;
      this.#unanswered++;
      this.#endLine(true);
      start = end;
    }
    // A write past the scan's reach: its end is not the line followed above.
    if (scanned.byteLength < bytes.byteLength) this.#endLine(false);
    return found;
  }

  /** Whether the line from `start` to `end` of `text` (after `head`, the line's start in an earlier write) starts an AUTH command. */
  #startsAuth(text: string, start: number, end: number, head: string): boolean {
    if (head === NOT_AUTH) return false;
    if (head !== "") {
      AUTH_AT.lastIndex = 0;
      return AUTH_AT.test(head + text.slice(start, end));
    }
    // The match cannot go past the line: only its last character may be the LF.
    AUTH_AT.lastIndex = start;
    return AUTH_AT.test(text);
  }

  /** A line starts: it answers a challenge while lines may. */
  #startLine(): void {
    this.#line = "";
    this.#lineIsAuth = false;
    this.#lineIsSecret = this.#answers > 0;
    if (this.#answers > 0) this.#answers--;
  }

  /** The credential the line in progress carries so far, if any (see {@link secretOf}). */
  #lineSecret(): string | undefined {
    if (!this.#lineIsSecret) return undefined;
    const words = this.#lineIsAuth ? AUTH_WORDS.exec(this.#line) : null;
    return secretOf(words === null ? this.#line : this.#line.slice(words[0].length));
  }

  /** The line in progress ends: its credential is kept; `replied` when its reply is read by `getreply()` as a raw line's. */
  #endLine(replied: boolean): void {
    const secret = this.#lineSecret();
    if (secret !== undefined) {
      this.#last = secret;
      if (!this.#secrets.includes(secret) && this.#secrets.length < MAX_SECRETS) this.#secrets.push(secret);
    }
    if (this.#lineIsSecret && replied) this.#maskedDue = this.#unanswered;
    this.#line = "";
    this.#lineIsAuth = false;
    this.#lineIsSecret = false;
  }

  /**
   * Notes a whole line that a command (`putcmd`, `docmd`) wrote, ending the raw line in
   * progress: `kind` says whether it is an AUTH line (`"auth"`), an answer to a challenge of
   * the exchange under way (`"answer"`), or neither. Its reply is read as the command's, not
   * counted among the raw lines'.
   */
  command(text: string, kind: "auth" | "answer" | "other"): void {
    if (kind === "other") {
      this.endLine();
      return;
    }
    // A line whose start was written raw ("AU", then "TH PLAIN ..."; an answer cut in two).
    this.#line = `${this.#lineIsSecret || this.#head !== NOT_AUTH ? this.#line : ""}${text}`;
    this.#lineIsSecret = true;
    this.#lineIsAuth = kind === "auth";
    if (kind === "auth") {
      this.#answers = PIPELINED_ANSWERS;
      this.#scram ||= mayNameScram(AUTH_WORDS.exec(`${this.#line}\n`)?.[1] ?? "", false);
    } else if (this.#answers > 0) {
      this.#answers--;
    }
    this.#endLine(false);
    this.#head = "";
  }

  /**
   * The credentials of the exchanges under way, longest first (so that one inside another
   * does not leave the rest of the longer shown): those of the lines ended, and that of the
   * line in progress as far as written.
   */
  get secrets(): readonly string[] {
    const current = this.#lineSecret();
    const all = current === undefined || this.#secrets.includes(current) ? [...this.#secrets] : [...this.#secrets, current];
    return all.sort((a, b) => b.length - a.length);
  }

  /** The credential of the last line of an AUTH exchange written (see {@link secretOf}), if any: the line in progress, as far as written, if it is one. */
  get secret(): string | undefined {
    return this.#lineSecret() ?? this.#last;
  }

  /**
   * Whether an AUTH command of the exchanges under way may name a SCRAM mechanism, whose
   * server messages must not be traced: it does, or its name was cut off by the end of
   * the write (then it may).
   */
  get mayBeScram(): boolean {
    return this.#scram;
  }

  /** Replies to read before that of the last raw line that carried a credential has been read: while any is due, the exchange is not over. */
  get maskedDue(): number {
    return this.#maskedDue;
  }

  /** Notes that `getreply()` read the reply to a raw line. */
  answered(): void {
    if (this.#unanswered > 0) this.#unanswered--;
    if (this.#maskedDue > 0) this.#maskedDue--;
  }

  /** A 334 of the exchange under way was read: the next line written answers it. */
  challenged(): void {
    if (this.#answers === 0) this.#answers = 1;
  }

  /** The exchanges under way are over: their credentials are forgotten, and no line to come answers them. */
  endExchange(): void {
    this.#secrets = [];
    this.#last = undefined;
    this.#answers = 0;
    this.#maskedDue = 0;
    this.#scram = false;
    this.#lineIsSecret = false;
    this.#lineIsAuth = false;
  }

  /** Forgets the line in progress (a whole command line was written, or the connection closed); its credential, if any, is kept. */
  endLine(): void {
    this.#endLine(false);
    this.#head = "";
  }

  /** Forgets everything (the connection closed). */
  reset(): void {
    this.endExchange();
    this.#head = "";
    this.#line = "";
    this.#unanswered = 0;
  }
}
