/**
 * Output of one session that arrives in pieces (`smtplib serve --print-max 0`: a message
 * printed as it comes) written as whole lines, each prefixed with the session's id as the
 * transcript's are, so that the lines of sessions sending at once can be told apart and a
 * line still arriving is never cut by another session's output.
 * @module
 */

/**
 * The most characters of a line held while it arrives; a longer one is written in pieces,
 * each after the first prefixed `[id]+ ` (a line of binary data has no end to wait for).
 */
export const HELD_LINE_MAX = 4096;

/** Turns one session's text, given in pieces, into whole `[id] ` lines. */
export class SessionLines {
  readonly #prefix: string;
  readonly #continued: string;
  #held = "";
  #cut = false;

  /** `id`: the session, as the transcript names it. */
  constructor(id: string) {
    this.#prefix = `[${id}] `;
    this.#continued = `[${id}]+ `;
  }

  /** The whole lines `text` completes (each ending in "\n"), holding back a line not yet ended. */
  push(text: string): string {
    let out = "";
    const all = this.#held + text;
    let start = 0;
    for (let nl = all.indexOf("\n"); nl !== -1; nl = all.indexOf("\n", start)) {
      out += this.#line(all.slice(start, nl + 1));
      start = nl + 1;
    }
    let rest = all.slice(start);
    while (rest.length > HELD_LINE_MAX) {
      // not between the two halves of a surrogate pair, which would each show as U+FFFD
      const at = /[\ud800-\udbff]/.test(rest[HELD_LINE_MAX - 1] ?? "") ? HELD_LINE_MAX - 1 : HELD_LINE_MAX;
      out += `${this.#line(rest.slice(0, at))}\n`;
      this.#cut = true;
      rest = rest.slice(at);
    }
    this.#held = rest;
    return out;
  }

  /** The line held back, ended with "\n" ("" when none). */
  end(): string {
    const rest = this.#held;
    this.#held = "";
    return rest === "" ? "" : `${this.#line(rest)}\n`;
  }

  #line(text: string): string {
    const prefix = this.#cut ? this.#continued : this.#prefix;
    this.#cut = false;
    return prefix + text;
  }
}
