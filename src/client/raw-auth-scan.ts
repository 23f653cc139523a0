/**
 * Finding an AUTH command in the bytes a caller writes raw (`send()`), however they are cut
 * into calls: a command's words split over two `send()` calls start the masking of the
 * answers that follow, in debug output, as the same bytes sent at once do.
 * @module
 */

import { secretOf } from "../protocol/auth-echo.js";
import { countLines } from "../protocol/bytes.js";

/** How much of a raw `send()` is searched for an AUTH command: a batch of commands fits. */
const RAW_SCAN_BYTES = 64 * 1024;

/** A line that starts an AUTH command (read one char per byte: any white space separates words). */
const AUTH_LINE = /(?:^|\n)[^\S\n]*auth\s/i;

/** The start of a line that may yet become an AUTH command, its white space shown as one space. */
const AUTH_HEAD = /^ ?(?:a|au|aut|auth)?$/i;

/**
 * The line in progress when it cannot become an AUTH command (`xauth`, `NOOP AUTH`): not
 * white space, so that the next write does not start a line.
 */
const NOT_AUTH = "\0";

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

/**
 * Watches the bytes written raw on one connection for the start of an AUTH command,
 * carrying from one write to the next the line in progress (only while it may still
 * become one) and the number of raw lines whose replies `getreply()` has not read yet.
 * Only the first 64 KiB of a write are searched: a `send()` of a large message's data
 * must not become a string as large (past V8's string limit it would throw).
 */
export class RawAuthScan {
  /** The raw line in progress, when it may yet become an AUTH command (see {@link lineHead}). */
  #head = "";
  /** The word after the last AUTH found, as far as the write that held it went (maybe cut short, maybe empty). */
  #mechanism = "";
  /**
   * Raw lines written, no AUTH among them, whose replies have not been read. Lines that get
   * no reply (message data sent raw) keep it high: the masking then lasts longer, never less.
   */
  #unanswered = 0;
  /** The last line of the AUTH exchange written (its initial response, or an answer), as far as written. */
  #answer = "";
  /** True while {@link #answer}'s line goes on in the next write (no line end came yet). */
  #answerOpen = false;

  /**
   * The raw line in progress: `""` at a line start; its white space as one space, then at
   * most "auth", while it may yet become an AUTH command; else a NUL, which no command starts with.
   */
  get head(): string {
    return this.#head;
  }

  /**
   * Scans `bytes`, written raw after what was scanned before: the number of replies due
   * before that of an AUTH command that a line of them starts (one to each raw line written
   * before it, whether in these bytes or earlier ones, that has not been read), or -1 when
   * none does. With `answering` (an AUTH exchange is under way: its answers are written),
   * only the line in progress is followed.
   */
  scan(bytes: Uint8Array, answering = false): number {
    const head = this.#head; // holds no LF: the line in progress
    const scanned = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, RAW_SCAN_BYTES));
    const text = head + scanned.toString("latin1");
    const auth = answering ? null : AUTH_LINE.exec(text);
    this.#head = lineHead(head, bytes);
    if (auth === null) {
      if (!answering) this.#unanswered += countLines(scanned);
      else this.#noteAnswer(text.slice(head.length));
      return -1;
    }
    // The lines before the AUTH's: those ended before its line starts (after the LF the match may begin with).
    const lineStart = auth.index + (auth[0].startsWith("\n") ? 1 : 0) - head.length;
    const before = this.#unanswered + countLines(scanned.subarray(0, Math.max(0, lineStart)));
    this.#unanswered = 0;
    const mechanism = /^[^\S\n]*(\S*)/.exec(text.slice(auth.index + auth[0].length))!;
    this.#mechanism = mechanism[1]!;
    this.#answerOpen = false;
    this.#noteAnswer(text.slice(auth.index + auth[0].length + mechanism[0].length));
    return before;
  }

  /** Notes `text`, written during an AUTH exchange after its mechanism: its last line, joined to one a write before began. */
  #noteAnswer(text: string): void {
    const lines = `${this.#answerOpen ? this.#answer : ""}${text}`.split(/\r?\n/);
    const last = lines[lines.length - 1]!;
    this.#answerOpen = last !== "";
    this.#answer = (this.#answerOpen ? last : lines[lines.length - 2] ?? "").slice(-RAW_SCAN_BYTES);
  }

  /** The credential of the last line of the AUTH exchange written raw (see {@link secretOf}), if any. */
  get secret(): string | undefined {
    return secretOf(this.#answer);
  }

  /**
   * Whether the AUTH command {@link scan} found last may name a SCRAM mechanism, whose
   * server messages must not be traced: it does, or its name was cut off by the end of
   * the write (then it may).
   */
  get mayBeScram(): boolean {
    const name = this.#mechanism.toUpperCase();
    return name.length < 6 ? "SCRAM-".startsWith(name) : name.startsWith("SCRAM-");
  }

  /** Notes that `getreply()` read the reply to a raw line. */
  answered(): void {
    if (this.#unanswered > 0) this.#unanswered--;
  }

  /** Forgets the line in progress (a whole command line was written, or the connection closed). */
  endLine(): void {
    this.#head = "";
    this.#answerOpen = false;
  }

  /** Forgets everything (the connection closed). */
  reset(): void {
    this.#head = "";
    this.#unanswered = 0;
    this.#answer = "";
    this.#answerOpen = false;
  }
}
