/**
 * The text of error messages: server text and caller values made safe and short to show.
 * Pure; re-exported by `errors.ts`, where the error classes use it.
 * @module
 */

/**
 * Escapes control characters so server text cannot forge lines in logs and messages, nor
 * reorder what a terminal shows with Unicode's bidirectional overrides, embeddings and
 * isolates (U+202A-U+202E, U+2066-U+2069: "Trojan Source", CVE-2021-42574); the characters
 * in `keep` (e.g. "\r\n\t" for a message shown as it is) stay.
 */
export function escapeControl(text: string, keep = ""): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => {
    if (keep.includes(c)) return c;
    if (c === "\n") return "\\n";
    if (c === "\r") return "\\r";
    if (c === "\t") return "\\t";
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
}

/**
 * A character named by its code point, `"U+200B"` (four hex digits at least, upper case):
 * for one an error message cannot show, as a quoted text shows a no-break space as a blank
 * and a zero-width space as nothing.
 */
export function codePointName(c: string): string {
  return `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
}

/**
 * Characters that show as nothing or as a blank: white space beyond ASCII's (U+00A0,
 * U+1680, the Zs, U+2028, U+2029, U+3000, U+FEFF), the soft hyphen, zero-width characters,
 * bidi marks, embeddings, overrides and isolates, and the invisible operators.
 */
const INVISIBLE = /[\u00a0\u00ad\u061c\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u2064\u2066-\u206f\u3000\ufeff]/;

/**
 * For an error quoting `text`: `" (it holds U+200B, ...)"` naming by code point (see
 * {@link codePointName}) the first character in it that shows as nothing or as a blank;
 * `""` when it holds none.
 */
export function invisibleNamed(text: string): string {
  const found = INVISIBLE.exec(text);
  return found === null ? "" : ` (it holds ${codePointName(found[0])}, which shows as nothing or as a blank)`;
}

/**
 * `text` in double quotes for an error message: control characters escaped (see
 * {@link escapeControl}), and cut after `max` characters with its full length said, so that
 * a 40 KB header does not make a 40 KB message.
 */
export function quoted(text: string, max = 200): string {
  if (text.length <= max) return `"${escapeControl(text)}"`;
  return `"${escapeControl(text.slice(0, max))}..." (${text.length} characters)`;
}

/** A short description of a value for an error message (its type; a short value itself). */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return value.length <= 40 ? `the string ${JSON.stringify(value)}` : "a string";
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return `${typeof value} ${String(value)}`;
  return typeof value;
}

/**
 * The type of a value for an error message, never the value itself ("a string", "a
 * number", "null", "an array"): for where a credential may have been given by mistake.
 */
export function describeType(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return "an array";
  const type = typeof value;
  return `${/^[aeiou]/.test(type) ? "an" : "a"} ${type}`;
}

/**
 * A timeout below this many milliseconds reads as a number of seconds: Python's smtplib
 * takes `timeout` in seconds, and a porter's `timeout: 30` is 30 ms here (API.md: times are
 * milliseconds). No default is this short.
 */
const SECONDS_LIKE_MS = 1000;

/**
 * The words of {@link timeoutUnitHint} around its two numbers (the value given, the value in
 * milliseconds it would be in seconds): one source for the hint and for
 * {@link TIMEOUT_UNIT_HINT}, which finds it, so a change of the words changes both.
 */
const HINT_WORDS = [" (timeouts are in milliseconds here, not seconds as in Python's smtplib: for ", " s, give ", ")"] as const;

/**
 * What a timeout error's message adds after its own words when the limit that expired, `ms`,
 * is under {@link SECONDS_LIKE_MS}: that timeouts are milliseconds, and what the value would
 * have been in seconds. `""` for any other limit (it changes no valid behaviour, only words).
 */
export function timeoutUnitHint(ms: number | undefined): string {
  if (ms === undefined || !(ms < SECONDS_LIKE_MS)) return "";
  return `${HINT_WORDS[0]}${ms}${HINT_WORDS[1]}${Math.round(ms * 1000)}${HINT_WORDS[2]}`;
}

/** A timeout error's message: "Timed out after `ms` ms `what`", with {@link timeoutUnitHint}'s words when they apply. */
export function timedOutAfter(ms: number, what: string): string {
  return `Timed out after ${ms} ms ${what}${timeoutUnitHint(ms)}`;
}

/** `text` as a regular expression that matches it literally. */
function literal(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");
}

/** {@link timeoutUnitHint}'s words, built from the same words (a number, as JavaScript writes it, holds no ")"). */
const HINT_PATTERN = HINT_WORDS.map(literal).join("[^)]*");

/**
 * {@link timeoutUnitHint}'s words (the first of them) in a message: for a test of whether a
 * message has them. Not global, so `test()` and `exec()` on it keep no state between calls;
 * {@link withoutTimeoutUnitHint} removes them all.
 */
export const TIMEOUT_UNIT_HINT = new RegExp(HINT_PATTERN);

/** {@link timeoutUnitHint}'s words wherever they are in `message`, taken out: for the CLI, whose `--timeout` says its unit. */
export function withoutTimeoutUnitHint(message: string): string {
  // a new global pattern each call: a shared one's lastIndex would carry over
  return message.replace(new RegExp(HINT_PATTERN, "g"), "");
}

/** The server's own words in an error's message, as the error that quotes them marks them ({@link serverSaid}). */
const SERVER_TEXT = new WeakMap<object, readonly string[]>();

/**
 * Marks `texts`, the server's own words that `err`'s message quotes (a reply's text, a line
 * that was no SMTP reply, a SASL error), as the server's, for {@link serverTextIn}: so that
 * what rewords the library's advice in a message (the CLI's flags for option names) leaves
 * them as they came. Returns `err`. Only for an error's making (an error path: no hot path).
 */
export function serverSaid<E extends object>(err: E, ...texts: string[]): E {
  SERVER_TEXT.set(err, [...(SERVER_TEXT.get(err) ?? []), ...texts.filter((t) => t !== "")]);
  return err;
}

/**
 * The server's words that `err`'s message may quote, as {@link serverSaid} marked them on it
 * or on its causes (a message often quotes its cause's: "Not connected (...)"), each also
 * with its control characters escaped (as an error's message shows them); none for an error
 * not marked.
 */
export function serverTextIn(err: unknown): string[] {
  const found: string[] = [];
  // a few causes deep: a chain is short, and one that loops must end
  for (let e = err, depth = 0; typeof e === "object" && e !== null && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    for (const t of SERVER_TEXT.get(e) ?? []) {
      const escaped = escapeControl(t);
      found.push(...(escaped === t ? [t] : [t, escaped]));
    }
  }
  return found;
}

/**
 * How the error a 421 closes the connection with (`closedBy421` in errors.ts) begins its
 * message, before the reply's code and text: for the CLI, which finds the server's words after it.
 */
export const CLOSED_BY_421 = "Server closed the connection: ";

/**
 * `text` with `reword` applied to its own words only: each of `server` (the server's words
 * that `text` quotes, as {@link serverTextIn} and a reply's text give them) is kept as it came,
 * at the first place it is found, or, given n times, at the first n places (several
 * recipients refused with the same reply). For the CLI's and the pool's wording of the
 * library's advice, which must never turn a server's words into advice. Error paths only.
 */
export function rewordOutside(text: string, server: readonly string[], reword: (own: string) => string): string {
  const kept: [number, number][] = [];
  const next = new Map<string, number>();
  for (const words of server) {
    if (words === "") continue;
    const at = text.indexOf(words, next.get(words) ?? 0);
    if (at < 0) continue;
    kept.push([at, at + words.length]);
    next.set(words, at + words.length);
  }
  kept.sort((a, b) => a[0] - b[0]);
  let said = "";
  let from = 0;
  for (const [start, end] of kept) {
    if (end <= from) continue; // within words already kept
    const at = Math.max(start, from);
    said += `${reword(text.slice(from, at))}${text.slice(at, end)}`;
    from = end;
  }
  return said + reword(text.slice(from));
}

/**
 * How the reply parser's error for a malformed line quotes its bytes (`text`, one char per
 * byte): JSON-quoted, each byte past ASCII as "?". auth-echo.ts masks a credential in this form.
 */
export function quoteLineBytes(text: string): string {
  return JSON.stringify(text).replace(/[\u0080-\uffff]/g, "?");
}
