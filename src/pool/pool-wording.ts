/**
 * The client's advice in its errors, as a pool's user acts on it: a pool is configured with
 * `protocol` and `requireTLS`, and its user never calls `starttls()` or picks `SMTP_SSL`.
 * @module
 */

import { rewordOutside } from "../error-text.js";
import { escapeControl, serverTextIn, SMTPException, SMTPRecipientsRefused, SMTPResponseException, SMTPServerDisconnected, tellDelivery } from "../errors.js";

/**
 * The error of a pool call refused because the pool is closed (see `SMTPPool.close`):
 * nothing of it was sent, so its `delivery` is `"not-delivered"` and its message says so.
 */
export function poolClosed(cause?: unknown): SMTPException {
  return new SMTPException(tellDelivery("The pool is closed", "not-delivered"), { delivery: "not-delivered", ...(cause === undefined ? {} : { cause }) });
}

/**
 * The error of a pool call that ran on `attempts` connections, each gone before its
 * message could be sent (the last with `cause`, its advice worded for the pool: see
 * {@link inPoolWords}): nothing was sent (`"not-delivered"`).
 */
export function eachConnectionWent(attempts: number, cause: unknown): SMTPServerDisconnected {
  return new SMTPServerDisconnected(tellDelivery(`Each connection went before this call's message could be sent (${attempts} connections tried)`, "not-delivered"), { cause: inPoolWords(cause), delivery: "not-delivered" });
}

/** The client's phrases (longest first) and the pool's options that do the same. */
const POOL_WORDING: readonly [string, string][] = [
  ["connect with SMTP and call starttls() instead of SMTP_SSL", "use protocol: \"smtp\" with requireTLS: true instead of \"smtps\""],
  ["Use starttls() or SMTP_SSL, or set allowInsecureAuth: true to allow it.", "Set requireTLS: true or protocol: \"smtps\", or allowInsecureAuth: true to allow it."],
  ["Use starttls() (smtplib speaks LMTP over TLS only with STARTTLS), or set allowInsecureAuth: true to allow it.",
    "Set requireTLS: true (smtplib speaks LMTP over TLS only with STARTTLS), or allowInsecureAuth: true to allow it."],
  ["call starttls() before login() (or set requireTLS).", "set requireTLS: true."],
  ["use SMTP_SSL", "use protocol: \"smtps\""],
  ["465 with SMTP_SSL", "465 with protocol: \"smtps\""],
  // A call on a client whose connection has gone: the pool, not its user, connects.
  ["; please run connect() first", ""],
  ["please run connect() first", "the connection was closed"],
];

/** `text`, the client's words, with the client's advice replaced by the pool's options. */
function reword(text: string): string {
  let out = text;
  // the replacements hold no "$" pattern
  for (const [client, pool] of POOL_WORDING) out = out.replaceAll(client, pool);
  return out;
}

/**
 * `err` (an error of opening a pool's connection, or of a call on one) with its advice worded as the pool's
 * options, changed in place (it is the same error every call waiting for that connection
 * gets); any other error as it is.
 */
export function inPoolWords(err: unknown): unknown {
  if (!(err instanceof SMTPException)) return err;
  const message = rewordOutside(err.message, serverWords(err), reword);
  if (message === err.message) return err;
  // The stack's first line, as text: the message holds a server's words, which may hold `$'` (see `told`).
  const head = `${err.name}: ${err.message}`;
  if (typeof err.stack === "string" && err.stack.startsWith(head)) err.stack = `${err.name}: ${message}${err.stack.slice(head.length)}`;
  err.message = message;
  // the client's own text (a reply that was not SMTP, or none): never a server's reply
  if (err instanceof SMTPResponseException && err.smtpCode === -1) {
    Object.defineProperty(err, "smtpError", { value: rewordOutside(err.smtpError, serverTextIn(err), reword) });
  }
  return err;
}

/**
 * The server's words that `err`'s message may quote, which the pool's wording leaves as they
 * came (a reply saying "use SMTP_SSL" is no advice of the client's): a reply's text (not a
 * code -1 error's, the client's own), each refused recipient's reply, and what the client
 * marked as the server's (`serverSaid`); each also with control characters escaped, as the
 * message shows them, and without a full stop that ends it (see `tellDelivery`).
 */
function serverWords(err: SMTPException): string[] {
  const replies = err instanceof SMTPRecipientsRefused ? [...err.recipients.values()].filter((r) => r.code >= 0).map((r) => r.message)
    : err instanceof SMTPResponseException && err.smtpCode >= 0 ? [err.smtpError] : [];
  const forms = [...replies.flatMap((t) => { const shown = escapeControl(t); return shown === t ? [t] : [t, shown]; }), ...serverTextIn(err)];
  // a reply ending the message loses its full stop to tellDelivery's words ("...(or set requireTLS): the message was not sent")
  return [...forms, ...forms.filter((t) => t.endsWith(".") && !t.endsWith("..")).map((t) => t.slice(0, -1))];
}
