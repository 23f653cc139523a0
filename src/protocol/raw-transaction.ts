/**
 * What a command line given with the caller's own verb (`docmd`, `putcmd`) does to the mail
 * transaction's declarations: a MAIL begins one, declaring UTF-8 commands (`SMTPUTF8`,
 * RFC 6531) and 8-bit data (`BODY=8BITMIME` or `BINARYMIME`, RFC 6152, RFC 3030) by its own
 * parameters; RSET, EHLO, HELO and LHLO end it (RFC 5321 §4.1.1.5, §4.1.4). Pure: no I/O.
 * @module
 */

/** A raw MAIL's declarations, or `"end"` for a command that ends the transaction. */
export type RawTransactionStep = { utf8: boolean; eightBit: boolean } | "end";

/** The verbs that end a transaction. */
const ENDS = new Set(["RSET", "EHLO", "HELO", "LHLO"]);

/**
 * `MAIL FROM:` and its path (`<...>` or a word): what follows are its parameters. A quoted
 * string in the path (RFC 5321 §4.1.2) may hold blanks, `>` and words like `SMTPUTF8`: they
 * are the path's, not parameters.
 */
const MAIL = /^MAIL\s+FROM:\s*(?:<(?:[^>"]|"(?:[^"\\]|\\.)*")*>?|\S*)(.*)$/is;

/**
 * The effect of the raw command `line` on the transaction (see the module), or `undefined`
 * for a command that has none. The verb is matched case-insensitively, as servers do.
 */
export function rawTransactionStep(line: string): RawTransactionStep | undefined {
  const text = line.trimStart();
  const verb = /^\S*/.exec(text)![0].toUpperCase();
  if (ENDS.has(verb)) return "end";
  if (verb !== "MAIL") return undefined;
  const params = (MAIL.exec(text)?.[1] ?? "").trim().split(/\s+/).map((p) => p.toUpperCase());
  return { utf8: params.includes("SMTPUTF8"), eightBit: params.includes("BODY=8BITMIME") || params.includes("BODY=BINARYMIME") };
}

/** Longest raw line read as a command (RFC 5321 §4.5.3.1.4 allows 512 octets; extensions more): a longer one is not. */
const MAX_RAW_LINE = 4096;

/** A RCPT line: its path between `<` and `>` (a quoted string in it may hold `>`), or the word after `TO:`. */
const RCPT = /^\s*RCPT\s+TO:\s*(?:<((?:[^>"]|"(?:[^"\\]|\\.)*")*)>|(\S*))/i;

/**
 * The path of the RCPT command `line`: between `<` and `>`, or the word after `TO:`;
 * `undefined` when the line is no RCPT with `TO:`.
 */
export function rcptPath(line: string): string | undefined {
  const match = RCPT.exec(line);
  return match === null ? undefined : match[1] ?? match[2]!;
}

/** A BDAT line: the size of its chunk, and whether it is the LAST (RFC 3030 §2). */
const BDAT = /^BDAT\s+(\d+)(\s+LAST)?\s*$/i;

/**
 * A transaction as the raw lines owed a reply see it (LMTP): how many of its raw RCPTs the
 * server accepted, as their replies are read.
 */
interface RawTransaction {
  accepted: number;
}

/**
 * A line owed replies after `before` other lines: a RCPT (`path`, of `transaction`), or,
 * in LMTP, an end of data (`end`), answered once per recipient accepted in its transaction:
 * those accepted before the line was written (`base`) and its raw RCPTs accepted since.
 */
interface Owed {
  before: number;
  path?: string;
  transaction: RawTransaction;
  end?: { base: number; read: number };
}

/** The first letters of the verbs that matter here (BDAT, DATA, EHLO, HELO, LHLO, MAIL, RCPT, RSET), and "." (the end of data). */
const FIRST = new Set([..."BDEHLMRbdehlmr."].map((c) => c.charCodeAt(0)));

/**
 * The effect on the transaction of the raw command `line` (no CRLF), as {@link
 * rawTransactionStep}, and also: a lone "." (the end of DATA's message) and BDAT LAST end
 * the transaction (RFC 5321 §4.1.1.4, RFC 3030 §2).
 */
export function rawLineStep(line: string): RawTransactionStep | undefined {
  if (line === ".") return "end";
  const bdat = BDAT.exec(line.trimStart());
  if (bdat !== null) return bdat[2] !== undefined ? "end" : undefined;
  return rawTransactionStep(line);
}

/**
 * Reads the bytes a caller writes raw (`send()`) as command lines, however they are cut
 * into calls, for what they do to the transaction (see {@link rawLineStep}), and which of
 * them are owed a reply (see {@link replied}): carries the line in progress from one write
 * to the next, and skips the bytes of a BDAT chunk and the lines after a DATA answered 354
 * up to its "." (message data, not commands). Lines longer than
 * {@link MAX_RAW_LINE} are no command. Pure.
 */
export class RawTransactionScan {
  /** The line in progress (latin1, one char per byte), or `null` once it is too long to be a command. */
  #line: string | null = "";
  /** Bytes of a BDAT chunk still to come. */
  #skip = 0;
  /** True once DATA was answered 354 (see {@link dataAccepted}), until the "." that ends its message: those lines are data, and get no reply. */
  #inData = false;
  /** The RCPT lines (and LMTP's ends of data) still owed a reply, each with how many other lines before it are. */
  readonly #rcpts: Owed[] = [];
  /** Lines owed a reply after the last of {@link #rcpts}. */
  #plain = 0;
  /** The transaction the lines written now belong to (a MAIL, RSET, EHLO, end of data... begins another). */
  #transaction: RawTransaction = { accepted: 0 };
  /** LMTP: the recipients accepted in {@link #transaction} before these bytes (see {@link push}); `undefined` for SMTP. */
  #acceptedBefore: number | undefined;

  /** True when bytes written now begin a command line: none in progress, no BDAT chunk's bytes nor DATA's message to come. */
  get atLineStart(): boolean {
    return this.#line === "" && this.#skip === 0 && !this.#inData;
  }

  /** How many replies the lines written raw are still owed, that `getreply()` has not read (an LMTP end of data's as counted so far). */
  get repliesOwed(): number {
    let owed = this.#plain;
    for (const o of this.#rcpts) owed += o.before + (o.end === undefined ? 1 : Math.max(1, o.end.base + o.transaction.accepted) - o.end.read);
    return owed;
  }

  /**
   * {@link repliesOwed} once replies that have come, still unread, are read (the state is not
   * changed): `accepted` says of each, in order, whether it accepts a recipient, since an LMTP
   * end of data is owed a reply per recipient its raw RCPTs got accepted.
   */
  owedAfter(accepted: readonly boolean[]): number {
    if (accepted.length === 0) return this.repliesOwed;
    const copy = new RawTransactionScan();
    const copies = new Map<RawTransaction, RawTransaction>();
    const of = (t: RawTransaction): RawTransaction => {
      let c = copies.get(t);
      if (c === undefined) copies.set(t, c = { accepted: t.accepted });
      return c;
    };
    copy.#plain = this.#plain;
    copy.#transaction = of(this.#transaction);
    for (const o of this.#rcpts) copy.#rcpts.push({ ...o, transaction: of(o.transaction), ...(o.end ? { end: { ...o.end } } : {}) });
    for (const a of accepted) copy.replied(a);
    return copy.repliesOwed;
  }

  /**
   * The steps of the lines that `bytes` complete, in order. `lmtpAccepted` (LMTP only): how
   * many recipients the current transaction has accepted so far, for the replies its end of
   * data gets (one per recipient, RFC 2033 §4.2; SMTP's gets one).
   */
  push(bytes: Uint8Array, lmtpAccepted?: number): RawTransactionStep[] {
    this.#acceptedBefore = lmtpAccepted === undefined ? undefined : lmtpAccepted - this.#transaction.accepted;
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const steps: RawTransactionStep[] = [];
    let at = 0;
    while (at < buf.length) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, buf.length - at);
        this.#skip -= n;
        at += n;
        continue;
      }
      const lf = buf.indexOf(0x0a, at);
      const end = lf === -1 ? buf.length : lf;
      this.#take(buf, at, end);
      at = end;
      if (lf === -1) break;
      at++;
      const step = this.#ended();
      if (step !== undefined) steps.push(step);
    }
    return steps;
  }

  /**
   * A whole command line was written otherwise (`putcmd`, `docmd`): the line in progress is
   * over, and after a BDAT the bytes of its chunk are not commands.
   */
  written(line: string): void {
    this.#line = "";
    // One that begins a transaction: its recipients are counted by the caller (`Conversation.accepted`).
    if (rawLineStep(line) !== undefined) this.#transaction = { accepted: 0 };
    const bdat = BDAT.exec(line.trimStart());
    if (bdat !== null) this.#skip = Number(bdat[1]);
    // A command: not message data (a "." given to docmd() ends DATA's message).
    this.#inData = false;
  }

  /**
   * A raw DATA (written raw, or given to `putcmd`/`docmd`) was answered 354: what is
   * written raw from now until a lone "." is message data. Told only once the reply is read,
   * so that after a refused DATA the lines that follow are still read as commands.
   */
  dataAccepted(): void {
    this.#inData = true;
  }

  /**
   * A reply to a line written raw was read (`getreply()`), `accepted` when it accepts a
   * recipient: the path of the RCPT it answers, or `undefined` for any other line (and for a
   * RCPT of a transaction that a line written since has ended). Lines of
   * message data (after a DATA line, before its "."), which get none, are not counted; an
   * LMTP end of data is owed a reply per recipient its transaction accepted.
   */
  replied(accepted = false): string | undefined {
    const next = this.#rcpts[0];
    if (next === undefined) {
      if (this.#plain > 0) this.#plain--;
      return undefined;
    }
    if (next.before > 0) {
      next.before--;
      return undefined;
    }
    if (next.end !== undefined) {
      if (++next.end.read >= Math.max(1, next.end.base + next.transaction.accepted)) this.#rcpts.shift();
      return undefined;
    }
    this.#rcpts.shift();
    if (accepted) next.transaction.accepted++;
    // A RCPT of a transaction that has ended since (a MAIL, RSET or end of data written
    // after it) is not one of the current transaction's recipients.
    return next.transaction === this.#transaction ? next.path : undefined;
  }

  /** A line written raw that is owed a reply; `path` for a RCPT, `end` for an LMTP end of data. */
  #owed(path: string | undefined, end = false): void {
    if (path === undefined && !end) this.#plain++;
    else {
      const transaction = this.#transaction;
      // The recipients accepted before these bytes count only for the transaction they began in.
      const base = this.#acceptedBefore ?? 0;
      this.#rcpts.push({ before: this.#plain, transaction, ...(path !== undefined ? { path } : { end: { base, read: 0 } }) });
      this.#plain = 0;
    }
  }

  /** Adds `buf[from, to)` to the line in progress, while it may be a command. */
  #take(buf: Buffer, from: number, to: number): void {
    if (this.#line === null || to === from) return;
    if (this.#line === "") {
      // Most lines of message data are none of the verbs: not decoded.
      let i = from;
      while (i < to && (buf[i] === 0x20 || buf[i] === 0x09)) i++;
      if (i < to && !FIRST.has(buf[i]!)) {
        this.#line = null;
        return;
      }
    }
    if (this.#line.length + (to - from) > MAX_RAW_LINE) {
      this.#line = null;
      return;
    }
    this.#line += buf.toString("latin1", from, to);
  }

  /** The line in progress ended (LF): its step, if any; a BDAT's chunk is skipped next. */
  #ended(): RawTransactionStep | undefined {
    const line = this.#line?.replace(/\r$/, "");
    const data = this.#inData;
    this.#line = "";
    if (data && line !== ".") return undefined;
    this.#inData = false;
    if (line === undefined) {
      this.#owed(undefined);
      return undefined;
    }
    const rcpt = rcptPath(line);
    const bdat = BDAT.exec(line.trimStart());
    // LMTP: the end of DATA's message, or BDAT LAST, gets a reply per recipient accepted.
    const end = this.#acceptedBefore !== undefined && (data || bdat?.[2] !== undefined);
    // The line was read one char per byte: the path as the caller wrote it (UTF-8).
    this.#owed(rcpt === undefined ? undefined : Buffer.from(rcpt, "latin1").toString("utf8"), end);
    if (bdat !== null) this.#skip = Number(bdat[1]);
    const step = rawLineStep(line);
    if (step !== undefined) {
      // A new transaction: the recipients accepted before it are not its.
      this.#transaction = { accepted: 0 };
      if (this.#acceptedBefore !== undefined) this.#acceptedBefore = 0;
    }
    return step;
  }
}
