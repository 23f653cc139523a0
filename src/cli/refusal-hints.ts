/**
 * What `send` adds to a refusal's line when the CLI knows more than the server's reply: why a
 * login is wanted and how to give one (a 530), the sizes behind a "message too large", or
 * what needs the SMTPUTF8 a server lacks.
 * @module
 */
import { SMTPDataError, SMTPNotSupportedError, SMTPRecipientsRefused, SMTPSenderRefused } from "../index.js";
import { sizeLimit } from "../protocol/ehlo.js";
import type { SendCommand } from "./args.js";
import { tlsFlagAdvice } from "./cli-wording.js";
import { A_LABEL_ADVICE } from "../client/smtputf8-refusal.js";
import { pathOf, type Client } from "./connect.js";

/** RFC 4954 §6: authentication required (also sent for "Must issue a STARTTLS command first"). */
const AUTH_REQUIRED = 530;

/** True when MAIL, or a RCPT, was refused with 530. */
function refusedWith530(err: unknown): boolean {
  if (err instanceof SMTPSenderRefused) return err.smtpCode === AUTH_REQUIRED;
  return err instanceof SMTPRecipientsRefused && [...err.recipients.values()].some((r) => r.code === AUTH_REQUIRED);
}

/**
 * For a MAIL or RCPT refused with 530: what the server wants and the flags that give it. A
 * server in clear that offers STARTTLS may offer AUTH only after it (Postfix's
 * `smtpd_tls_auth_only`, Exim, Dovecot): then --require-tls, with --user and --password-env
 * unless given; else, without a login, those two and the mechanisms the server offers, or
 * that it offers no AUTH here at all. Empty for any other error, and after a login (the
 * server's text is all that is known then).
 */
export function loginHint(err: unknown, client: Client | undefined, cmd: SendCommand): string {
  if (client === undefined || !refusedWith530(err)) return "";
  const credentials = cmd.user === undefined ? " with --user and --password-env" : "";
  const offered = client.esmtpFeatures.get("auth")?.trim();
  if (!client.encrypted && client.hasExtn("starttls")) {
    return ` (the server offers STARTTLS${offered === undefined ? " and no AUTH before it" : ""}: give --require-tls${credentials})`;
  }
  if (cmd.user !== undefined) return "";
  if (offered !== undefined) {
    return ` (the server requires a login: give --user and --password-env; it offers AUTH ${offered === "" ? "with no mechanism" : offered})`;
  }
  const clear = client.encrypted ? "" : " and no STARTTLS";
  // LMTP has no submission port and no implicit TLS (--ssl is a usage error with --lmtp);
  // a TLS flag advised goes instead of the one given (--starttls went on in clear, or --ssl)
  const where = cmd.lmtp ? "another LMTP port of the server may (over TLS with --require-tls only; --ssl is SMTP only)" : `its submission port may, 587 with ${tlsFlagAdvice("--require-tls", cmd.tlsMode)} or 465 with ${tlsFlagAdvice("--ssl", cmd.tlsMode)}`;
  return ` (the server requires a login but offers no AUTH${clear} on this connection: ${where}, with --user and --password-env)`;
}

/**
 * True for a reply that says the message is too large: 552 (RFC 1870 §6), 452, 550 (Exchange)
 * or 554 with the status X.3.4 (RFC 3463: too big for the system) or X.2.3 (over the
 * administrative limit). X.2.2 is a full mailbox (Gmail's "over quota"), unless its text is about the
 * message's size (smtp-server gives 552 that status): another cause, no sizes for it.
 */
function tooLarge(code: number, status: string | undefined, text: string): boolean {
  if (code !== 552 && code !== 452 && code !== 554 && code !== 550) return false;
  if (status === undefined) return code === 552;
  const [, subject, detail] = status.split(".");
  if (subject === "2" && detail === "2") return /\bsize\b|too (?:big|large)/i.test(text) && !/mailbox|quota|account|full\b/i.test(text);
  return (subject === "3" && detail === "4") || (subject === "2" && detail === "3");
}

/**
 * For a sender or message refused as too large (at MAIL, for SIZE=, or after the data): the
 * size of the message as sent, when known (a pipe's is not), and the server's limit as its
 * EHLO advertised it (SIZE), or that it advertised none. Empty for any other error.
 */
export function sizeHint(err: unknown, size: number | undefined, client: Client | undefined): string {
  if (client === undefined || !(err instanceof SMTPSenderRefused || err instanceof SMTPDataError) || !tooLarge(err.smtpCode, err.enhancedStatus, err.smtpError)) return "";
  const limit = sizeLimit(client.esmtpFeatures);
  const advertised = limit !== undefined ? `the server's limit is SIZE ${limit} bytes` : "the server advertised no SIZE limit";
  return ` (${size === undefined ? "" : `the message is ${size} bytes as sent; `}${advertised})`;
}

/**
 * For the library's "SMTPUTF8 not supported by server" (Python's words, which name no
 * address): the envelope addresses that are not ASCII, or the --mail-option that asked for
 * SMTPUTF8, since each needs a server that offers it (RFC 6531). When the library's message
 * already gives the way out (`: give the domain in A-labels: j@xn--...`, which says that
 * without SMTPUTF8 the address must change), the hint does not say so again: it names the
 * addresses as given that the advice is for (the advice shows the first only, "and N more
 * likewise"). A --mail-option SMTPUTF8 given with them is named too: A-labels alone would not
 * do then. Empty for any other error.
 */
export function utf8Hint(err: unknown, cmd: SendCommand): string {
  if (!(err instanceof SMTPNotSupportedError) || !err.message.startsWith("SMTPUTF8 not supported")) return "";
  // eslint-disable-next-line no-control-regex
  const wide = [cmd.from, ...cmd.to].map(pathOf).filter((path, i, all) => /[^\x00-\x7f]/.test(path) && all.indexOf(path) === i);
  const asked = cmd.mailOptions.some((o) => /^SMTPUTF8$/i.test(o));
  if (wide.length === 0) return asked ? " (--mail-option SMTPUTF8 asks for it)" : "";
  const also = asked ? "; --mail-option SMTPUTF8 asks for it too" : "";
  if (err.message.includes(A_LABEL_ADVICE)) return ` (for ${wide.join(", ")}${also})`;
  return ` (${wide.join(", ")} ${wide.length === 1 ? "is" : "are"} not ASCII: only a server that offers SMTPUTF8 takes ${wide.length === 1 ? "it" : "them"}${also})`;
}

/**
 * The `--user` a refused login names: `user NAME`, or, for a value with a ":" (`alice:secret`,
 * as curl's `-u` takes user and password), not the value: it may hold the password, which
 * would then stay in a terminal or a CI log.
 */
export function shownUser(user: string): string {
  if (!user.includes(":")) return `user ${user}`;
  return "the user given with --user (not shown: it has a \":\", as user:password has; the password goes in the variable --password-env names)";
}
