/**
 * Credentials that a server echoes back. A reply to an AUTH line (or to an answer to a
 * challenge) may quote what it refused ("535 5.7.8 bad credentials <base64>", a proxy
 * repeating the line); the credentials the client masks in its own lines must not reach
 * the debug transcript or an error message through that reply.
 * @module
 */
import { SMTPResponseException, SMTPServerDisconnected } from "../errors.js";
import { quoteLineBytes } from "../error-text.js";
import { makeReply, type SMTPReply } from "./reply.js";

const MASK = "****";

/**
 * The credentials to mask: one, several (every line of a raw AUTH exchange: longest first,
 * so that one inside another does not leave the rest of the longer shown), or none.
 */
export type Secrets = string | readonly string[] | undefined;

/**
 * The credential part of an AUTH exchange's line: what `logAs` (the line as traces show
 * it, e.g. `AUTH PLAIN ****` or `****`) hides of `line`; undefined when it hides nothing,
 * or less than 4 characters (`=`, an empty initial response), too short to be told apart
 * from ordinary text.
 */
export function sentSecret(line: string, logAs: string | undefined): string | undefined {
  if (logAs === undefined || logAs === line || !logAs.endsWith(MASK)) return undefined;
  const shown = logAs.slice(0, -MASK.length);
  return line.startsWith(shown) ? secretOf(line.slice(shown.length)) : undefined;
}

/** `text` (an answer, or an initial response, as written) as a credential to mask: trimmed; undefined under 4 characters (see {@link sentSecret}). */
export function secretOf(text: string): string | undefined {
  const secret = text.trim();
  return secret.length >= 4 ? secret : undefined;
}

/** The initial response of an AUTH command line (what follows its mechanism) as a credential to mask (see {@link secretOf}). */
export function initialResponse(line: string): string | undefined {
  const head = /^\s*\S+\s+\S+/.exec(line);
  return head === null ? undefined : secretOf(line.slice(head[0].length));
}

/** `text` with every occurrence of `secret` replaced by `****`. */
function hideOne(text: string, secret: string): string {
  return text.includes(secret) ? text.split(secret).join(MASK) : text;
}

/** `text` with every occurrence of each of `secrets` replaced by `****` (as it is when there are none). */
export function hideSecret(text: string, secrets: Secrets): string {
  if (secrets === undefined) return text;
  if (typeof secrets === "string") return hideOne(text, secrets);
  let hidden = text;
  for (const secret of secrets) hidden = hideOne(hidden, secret);
  return hidden;
}

/** `reply` with `secrets` masked in its text; the same object when none is in it. */
export function hideInReply(reply: SMTPReply, secrets: Secrets): SMTPReply {
  if (secrets === undefined || reply.lines.every((line) => hideSecret(line, secrets) === line)) return reply;
  return makeReply(reply.code, reply.lines.map((line) => hideSecret(line, secrets)));
}

/**
 * `text` with `secrets` masked (see {@link hideSecret}), and a start of one (4 characters or
 * more) masked too where it ends a quoted excerpt: a malformed line is quoted cut short.
 */
function hideQuoted(text: string, secrets: Secrets): string {
  if (secrets === undefined) return text;
  let hidden = text;
  for (const secret of typeof secrets === "string" ? [secrets] : secrets) hidden = hideQuotedOne(hidden, secret);
  return hidden;
}

/**
 * `text` with `secret` masked, and a start of it where it ends a quoted excerpt (see
 * {@link hideQuoted}); in both of the forms an error shows it in: as it is (a reply's
 * text), and as a malformed line is quoted (its UTF-8 bytes JSON-escaped, each past ASCII a
 * "?": see `quoteLineBytes`), which differs for a secret with a `"`, a backslash, a control
 * character or any character past ASCII.
 */
function hideQuotedOne(text: string, secret: string): string {
  const quoted = quoteLineBytes(Buffer.from(secret, "utf8").toString("latin1")).slice(1, -1);
  let hidden = hideOne(text, secret);
  if (quoted !== secret) hidden = hideOne(hidden, quoted);
  if (!hidden.endsWith("\"")) return hidden;
  const body = hidden.slice(0, -1);
  for (const form of quoted === secret ? [secret] : [secret, quoted]) {
    for (let k = Math.min(form.length - 1, body.length); k >= 4; k--) {
      if (body.endsWith(form.slice(0, k))) return `${body.slice(0, -k)}${MASK}"`;
    }
  }
  return hidden;
}

/**
 * `error` with `secrets` masked in its message, when it quotes a server's text that holds one
 * (a malformed line, a 421's text): a new error of the same kind (SMTPResponseException or
 * SMTPServerDisconnected, as made from a reply, with its `cause`), since the first one's
 * `stack` repeats its message. Anything else is returned as it is.
 */
export function hideInError(error: unknown, secret: Secrets): unknown {
  if (secret === undefined || !(error instanceof Error)) return error;
  const message = hideQuoted(error.message, secret);
  if (message === error.message) return error;
  const options = error.cause === undefined ? {} : { cause: error.cause };
  if (error.constructor === SMTPResponseException) {
    const { smtpCode, smtpError } = error as SMTPResponseException;
    return new SMTPResponseException(smtpCode, hideQuoted(smtpError, secret), options);
  }
  if (error.constructor === SMTPServerDisconnected) return new SMTPServerDisconnected(message, options);
  return error;
}

/** What separates the words of a decoded SASL message: PLAIN's NUL, the OAuth `\x01`, SCRAM's comma, white space (CRAM-MD5, `Bearer <token>`). */
// eslint-disable-next-line no-control-regex
const SASL_WORDS = /[\0\x01,\s]+/;

/** What separates the parts of a decoded SASL message: PLAIN's NUL, the OAuth `\x01` (a password or token holds neither). */
// eslint-disable-next-line no-control-regex
const SASL_PARTS = /[\0\x01]/;

/** A line that is base64 (padded or not), as SASL answers are (RFC 4954 §4). */
const BASE64_LINE = /^[A-Za-z0-9+/]+={0,2}$/;

/** A SCRAM attribute's or an OAuth key's name and `=` (`p=`, `auth=`). */
const KEY_PREFIX = /^[A-Za-z]+=/;

/**
 * The credentials of one AUTH exchange that a server's reply may echo: each base64 line
 * sent (the initial response, each answer), what it decodes to, and the words of that (a
 * PLAIN password, an OAuth token, a CRAM-MD5 digest, a SCRAM proof), a `key=` before one
 * aside: a server may quote what it decoded, not only what it read. Words given as
 * `shown` (the user name, the host, `Bearer`) are no secret, and go on being shown.
 */
export class ExchangeSecrets {
  readonly #shown: ReadonlySet<string>;
  #list: string[] = [];

  /** `shown`: words that are never masked (undefined and null are skipped). */
  constructor(shown: Iterable<string | null | undefined>) {
    const words = new Set<string>(["Bearer"]);
    for (const word of shown) if (typeof word === "string") words.add(word);
    this.#shown = words;
  }

  /** Notes `sent`, a line sent in the exchange (an initial response or an answer): decoded too when it is base64. */
  add(sent: string): void {
    const text = BASE64_LINE.test(sent) ? Buffer.from(sent, "base64").toString("utf8") : undefined;
    if (text !== undefined && this.#shown.has(text)) return; // LOGIN's user name line
    this.#note(sent);
    for (const part of text === undefined ? [] : [text, ...text.split(SASL_PARTS)]) {
      this.#note(part.replace(KEY_PREFIX, ""));
      for (const word of part.split(SASL_WORDS)) this.#note(word.replace(KEY_PREFIX, ""));
    }
    this.#list.sort((a, b) => b.length - a.length);
  }

  #note(text: string): void {
    const secret = secretOf(text);
    if (secret !== undefined && !this.#shown.has(secret) && !this.#list.includes(secret)) this.#list.push(secret);
  }

  /** The credentials noted so far, longest first (see {@link Secrets}). */
  get list(): readonly string[] {
    return this.#list;
  }
}
