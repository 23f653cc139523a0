/**
 * The values of the CLI's flags, parsed and checked: host:port, ports, times, counts, user
 * pairs, ESMTP parameters, SASL mechanism names, addresses and the debug server's extension
 * switches. Each mistake is a usage error (a `CommanderError` with exit code 2) naming the
 * flag and quoting the value short, before anything is sent. Pure.
 * @module
 */
import { isIPv4, isIPv6 } from "node:net";
import { CommanderError, InvalidArgumentError } from "commander";
import { MAX_DELAY_MS } from "../constants.js";
import { quoted } from "../errors.js";
import { bracketedServerNameAdvice, checkLocalHostname, NOT_IN_A_NAME, URL_SCHEME } from "../option-checks.js";
import { quoteaddr } from "../protocol/address.js";
import { badCharacterNamed, parseParam } from "../protocol/params.js";
import { isAscii } from "../protocol/commands.js";
import type { DebugServerExtensions } from "../server/debug-server.js";
import { parsePostfixTarget } from "../protocol/postfix-target.js";
import { postfixRefusal, urlRefusal, userAdvice, type UrlAdviceFlags } from "./url-advice.js";

/**
 * `parse` as the value parser of `flag`: a mistake it reports (an `InvalidArgumentError`
 * whose message is the reason, without the value) becomes a usage error that names the flag
 * and quotes the value short ({@link quoted}), or leaves it out when `hidden` (a value that
 * may hold a password). Commander's own wording ("argument 'VALUE' is invalid") would echo
 * a 40 KB value, or a password typed without its user, whole.
 */
export function flagValue<T>(flag: string, parse: (value: string, previous: T | undefined) => T, hidden: boolean | ((value: string) => boolean) = false): (value: string, previous: T | undefined) => T {
  return (value, previous) => {
    try {
      return parse(value, previous);
    } catch (err) {
      if (!(err instanceof InvalidArgumentError)) throw err;
      const hide = typeof hidden === "function" ? hidden(value) : hidden;
      const shown = hide ? "(the value is not shown: it may hold a password)" : quoted(value);
      throw new CommanderError(2, "smtplib.usage", `error: ${flag} ${shown}: ${err.message}`);
    }
  };
}

/**
 * True for a server value with a user part: a URL (`smtps://user:password@host`,
 * Nodemailer's form) or `user:password@host[:port]`. A usage error must not show it (see
 * {@link flagValue}'s `hidden`). Any "@" counts (no host name holds one): a password typed
 * unencoded may hold a "/", "?" or "#" that ends a URL's authority before its "@".
 */
export function hasUserPart(value: string): boolean {
  return value.includes("@");
}

/**
 * Splits `host[:port]`, `[v6][:port]`, `[v4][:port]` (an IPv4 address literal, RFC 5321
 * §4.1.3, as the library's `splitHostPort` takes it) or a bare IPv6 address. Anything else
 * with brackets (a name) or more than one colon is a usage error here, not a name sent to DNS.
 * A URL (`smtps://host:465`) is a usage error that says what to give instead. Any other value
 * with a `/` is a Unix socket path (LMTP), taken whole with port 0; one with an `@`
 * (`user:password@host`) is a usage error. `flags`: the protocol and TLS flags given, which
 * the advice for a URL takes into account (see `urlRefusal`).
 */
export function parseHostPort(value: string, flags: UrlAdviceFlags = {}): { host: string; port: number } {
  const notHostPort = (): InvalidArgumentError =>
    new InvalidArgumentError("not host:port, [IP address]:port or an IPv6 address");
  const scheme = URL_SCHEME.exec(value);
  if (scheme) throw urlRefusal(value, scheme[1]!, flags);
  // lmtp:unix:/path, lmtp:inet:host:port (Postfix's main.cf): before a "/" reads as a socket path
  const postfix = parsePostfixTarget(value);
  if (postfix !== undefined) throw postfixRefusal(postfix, flags);
  // No host name has a "/": a Unix socket path (LMTP), which may hold a colon, taken whole.
  if (value.includes("/")) return { host: value, port: 0 };
  // nor an "@": user:password@host, not shown (flagValue's hidden: hasUserPart)
  if (value.includes("@")) {
    throw new InvalidArgumentError(`a user part, not host[:port]: ${userAdvice(flags)}`);
  }
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(value);
  if (bracketed) {
    // [IPv6:::1]:25, an address literal as a mail address writes it
    if (/^ipv6:/i.test(bracketed[1]!)) throw new InvalidArgumentError(`the "IPv6:" tag of a mail address's literal: give the address alone, ${value.replace(/^\[ipv6:/i, "[")}`);
    if (!isIPv6(bracketed[1]!) && !isIPv4(bracketed[1]!)) throw notHostPort();
    return { host: bracketed[1]!, port: portOf(bracketed[2] ?? "0") };
  }
  if (/[[\]]/.test(value)) throw notHostPort();
  const colons = value.split(":").length - 1;
  if (colons === 1) {
    const [host, port] = value.split(":") as [string, string];
    if (host === "") throw new InvalidArgumentError("a host is required before the port");
    return { host, port: portOf(port) };
  }
  if (value === "") throw new InvalidArgumentError("the host is empty");
  if (colons > 1 && !isIPv6(value)) throw notHostPort();
  return { host: value, port: 0 };
}

/** The port after a host's colon: as {@link parsePort}, the reason saying it is the port that is wrong. */
function portOf(value: string): number {
  return portNumber(value, "the port is not a number from 0 to 65535");
}

/** A TCP port 0-65535. */
export function parsePort(value: string): number {
  return portNumber(value, "not a port number (0-65535)");
}

/** `value` as a port number 0-65535 (digits only), or a usage error giving `reason`. */
function portNumber(value: string, reason: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new InvalidArgumentError(reason);
  return Number(value);
}

/** `value` as whole milliseconds from `min` up to what a Node timer can wait (about 24.8 days), or a usage error. */
function milliseconds(value: string, min: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > MAX_DELAY_MS) {
    throw new InvalidArgumentError(`not a number of milliseconds from ${min} to ${MAX_DELAY_MS} (about 24.8 days)`);
  }
  return n;
}

/** --timeout: 1 ms up to what a Node timer can wait. */
export function parseTimeout(value: string): number {
  return milliseconds(value, 1);
}

/** `serve --greeting-delay`: 0 (at once) up to what a Node timer can wait. */
export function parseDelay(value: string): number {
  return milliseconds(value, 0);
}

/** `value` as a whole number that a double holds exactly, or undefined. */
function wholeNumber(value: string): number | undefined {
  const n = Number(value);
  return /^\d+$/.test(value) && Number.isSafeInteger(n) ? n : undefined;
}

/** A whole number (0 included), at most 2^53 - 1. */
export function parseCount(value: string): number {
  const n = wholeNumber(value);
  if (n === undefined) throw new InvalidArgumentError("not a whole number");
  return n;
}

/** A whole number of at least 1, at most 2^53 - 1. */
export function parsePositive(value: string): number {
  const n = wholeNumber(value);
  if (n === undefined || n < 1) throw new InvalidArgumentError("not a whole number of at least 1");
  return n;
}

/**
 * `serve --host`: Node listens on every interface for an empty host, so `--host "$HOST"` with
 * `HOST` unset would put the debugging server (which prints every message) on the network.
 * An IPv6 address in brackets (`[::1]`, as the "listening on [::1]:8025" line and
 * `send --server` write it) is the address: Node would look the bracketed text up in DNS.
 */
export function parseListenHost(value: string): string {
  if (value.trim() === "") throw new InvalidArgumentError("an address to listen on is required (an empty one would listen on every interface)");
  const bracketed = /^\[([^\]]+)\]$/.exec(value);
  return bracketed && isIPv6(bracketed[1]!) ? bracketed[1]! : value;
}

/**
 * `--helo`'s name: an empty one (an unset variable: `--helo "$NAME"`) would send the default
 * name, unsaid, as `--host ""` would listen everywhere; one the library refuses (whitespace,
 * CR, LF or another control character, non-ASCII: see `checkLocalHostname`) is refused here,
 * as a usage error naming the flag, before `probe` says what it connects to.
 */
export function parseHeloName(value: string): string {
  if (value.trim() === "") throw new InvalidArgumentError("a name is required (an empty one would send the default name instead, unsaid)");
  try {
    checkLocalHostname(value, "the name");
  } catch (err) {
    if (err instanceof TypeError) throw new InvalidArgumentError(err.message);
    throw err;
  }
  return value;
}

/**
 * `--servername`'s name: an empty one (an unset variable) would send no SNI and check the
 * certificate against the host, unsaid, while the operator believes it checked this name.
 * No host name holds whitespace or a control character: one with CR or LF (`$'mx\r\n...'`)
 * would go out as given in the TLS handshake's SNI, so it is refused before any byte is sent;
 * so is one in brackets (`[::1]`), which Node would send as SNI rather than take for an address.
 */
export function parseServerName(value: string): string {
  if (value.trim() === "") throw new InvalidArgumentError("a name is required (an empty one would check the certificate against the host instead, unsaid)");
  // the library's own test (its tls.servername check), so that none reaches it after probe printed its target
  if (NOT_IN_A_NAME.test(value)) throw new InvalidArgumentError("a host name holds no whitespace, CR, LF or other control character");
  if (/[[\]]/.test(value)) throw new InvalidArgumentError(`in brackets${bracketedServerNameAdvice(value)}`);
  return value;
}

/** `user:password` split at its first colon (the password may contain colons); undefined without a user. */
export function splitUserPass(value: string): [string, string] | undefined {
  const at = value.indexOf(":");
  return at <= 0 ? undefined : [value.slice(0, at), value.slice(at + 1)];
}

/** `user:pass` for `serve --auth`; the password may contain colons. */
export function parseUserPass(value: string): [string, string] {
  const pair = splitUserPass(value);
  if (pair === undefined) throw new InvalidArgumentError("not user:password");
  return pair;
}

/**
 * `send --password-env`: the name of an environment variable (POSIX: letters, digits and
 * "_", not a digit first). Anything else is most likely the password itself, given by
 * mistake: a usage error that does not show it (see {@link flagValue}'s `hidden`), where
 * "environment variable hunter2! is not set" would print it to a terminal or a CI log.
 */
export function parseEnvName(value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) throw new InvalidArgumentError("not the name of an environment variable (letters, digits and _): give the variable's name, not the password");
  return value;
}

/**
 * `send --user`: the name to log in as. An empty one (`--user "$SMTP_USER"` with the variable
 * unset) is a usage error before connecting: no login can succeed with it, and trying every
 * mechanism the server offers would count as that many failed logins against the client's
 * address (which servers lock out), ending in a reply that does not say what was wrong.
 */
export function parseUserName(value: string): string {
  if (value.trim() === "") throw new InvalidArgumentError("a user name is required (an empty one cannot log in)");
  return value;
}

/** Adds a repeatable flag's value to the ones before it. */
export const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/**
 * One `--mail-option`/`--rcpt-option` value (`RET=HDRS`, `NOTIFY=SUCCESS,FAILURE`), added to
 * `previous`. It must be an RFC 5321 §4.1.2 `esmtp-param` as the library checks it
 * (`parseParam`): a keyword of letters, digits and "-" (not first), then optionally "=" and a
 * value of printable characters other than "=" and space (UTF-8 too, RFC 6531, but not the
 * white space, zero-width and bidi controls a path may not hold either). Anything else is a
 * usage error naming such a character by code point, before connecting (the library would
 * refuse it only after the greeting).
 */
export function parseEsmtpParam(value: string, previous: string[] | undefined): string[] {
  try {
    parseParam(value);
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    throw new InvalidArgumentError(`not an ESMTP parameter (KEYWORD or KEYWORD=value, no spaces)${badCharacterNamed(value)}`);
  }
  return collect(value, previous);
}

/**
 * Checks an envelope address as MAIL/RCPT will quote it (`quote`: `quoteRecipient` for RCPT,
 * which refuses the null path), so a mistake is a usage error naming the option before
 * anything is sent, not a TypeError after connecting.
 */
export function checkAddress(flag: string, address: string, quote: (address: string) => string = quoteaddr): void {
  try {
    quote(address);
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    // quoted: a 40 KB --from is not echoed whole (the library's message quotes it short too)
    // the library's advice for a list (an array's entries) as the CLI's: one --to per recipient
    const message = err.message.replace(/ \(give each recipient as its own entry of an array: .*\)$/, flag === "--to" ? " (give --to once for each)" : "");
    throw new CommanderError(2, "smtplib.usage", `error: ${flag} ${quoted(address)}: ${message}`);
  }
}

/**
 * One `serve --refuse-sender`/`--refuse-recipient` value, added to `previous`, as the address
 * the server compares with the envelope's: written as `send --from/--to` take it (`bob@x.test`,
 * `<bob@x.test>`, `Bob <bob@x.test>`; `<>` or an empty value for the null sender), not as
 * typed. Brackets or a display name kept would match no envelope address: the refusal asked
 * for would silently never happen. Not one address: a usage error.
 */
export function parseRefusedAddress(value: string, previous: string[] | undefined): string[] {
  let path: string;
  try {
    path = quoteaddr(value);
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    throw new InvalidArgumentError("not one address");
  }
  return collect(path.slice(1, -1), previous);
}

/** The mechanisms `send --auth-mech` may name: those a user name and password can drive. */
export const PASSWORD_MECHANISMS: readonly string[] = ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-1", "CRAM-MD5", "PLAIN", "LOGIN"];

/** One `--auth-mech` value (case-insensitive), added to `previous`; a name we cannot drive with a password is a usage error. */
export function parseAuthMechanism(value: string, previous: string[] | undefined): string[] {
  const name = value.trim().toUpperCase();
  if (!PASSWORD_MECHANISMS.includes(name)) {
    throw new InvalidArgumentError(`not a mechanism send can use (${PASSWORD_MECHANISMS.join(", ")})`);
  }
  return collect(name, previous);
}

/**
 * True when the transaction will be SMTPUTF8 (RFC 6531): `--mail-option SMTPUTF8`, or an
 * envelope address whose path is not ASCII (as the library decides: a display name past
 * ASCII, `Jörg <j@x.test>`, is not sent, and asks for nothing). The addresses must have
 * passed {@link checkAddress}.
 */
export function asksSmtpUtf8(mailOptions: readonly string[], addresses: readonly string[]): boolean {
  return mailOptions.some((p) => p.toUpperCase() === "SMTPUTF8") || addresses.some((a) => !isAscii(quoteaddr(a)));
}

/**
 * A non-ASCII parameter value goes only in an SMTPUTF8 transaction (RFC 6531), which the
 * library starts for a non-ASCII address or `--mail-option SMTPUTF8` (see
 * {@link asksSmtpUtf8}): without either, a usage error before connecting (the library would
 * refuse it only after EHLO).
 */
export function checkUtf8Params(mailOptions: readonly string[], rcptOptions: readonly string[], addresses: readonly string[]): void {
  if (asksSmtpUtf8(mailOptions, addresses)) return;
  for (const [flag, list] of [["--mail-option", mailOptions], ["--rcpt-option", rcptOptions]] as const) {
    const wide = list.find((p) => !isAscii(p));
    if (wide !== undefined) {
      throw new CommanderError(2, "smtplib.usage", `error: ${flag} ${quoted(wide)}: a non-ASCII value needs SMTPUTF8 (add --mail-option SMTPUTF8)`);
    }
  }
}

/** Extension names of `serve --hide`/`--offer` and the debug server option each sets. */
export const EXTENSIONS = {
  pipelining: "pipelining", "8bitmime": "eightBitMime", smtputf8: "smtpUtf8", enhancedstatuscodes: "enhancedStatusCodes",
  dsn: "dsn", requiretls: "requireTls", size: "size", starttls: "hideStarttls", chunking: "chunking",
} as const satisfies Record<string, keyof DebugServerExtensions>;

/**
 * `--hide a,b` / `--offer c` into debug server extension switches (`--chunking` is given as
 * `--offer chunking`).
 * @throws CommanderError (usage) for an unknown extension, or one both hidden and offered
 *   (the last flag would win unsaid, whatever the order the operator meant).
 */
export function parseExtensions(hide: readonly string[], offer: readonly string[]): DebugServerExtensions {
  const result: Record<string, boolean> = {};
  const named = new Map<string, boolean>();
  for (const [list, on] of [[hide, false], [offer, true]] as const) {
    for (const name of list.flatMap((v) => v.split(",")).map((v) => v.trim().toLowerCase()).filter(Boolean)) {
      // An own key only: "constructor" or "__proto__" would find Object.prototype's.
      const key = Object.hasOwn(EXTENSIONS, name) ? EXTENSIONS[name as keyof typeof EXTENSIONS] : undefined;
      if (key === undefined) throw new CommanderError(2, "smtplib.usage", `error: unknown extension "${name}" (known: ${Object.keys(EXTENSIONS).join(", ")})`);
      if (named.get(name) === !on) {
        throw new CommanderError(2, "smtplib.usage", `error: --hide ${name} and --offer ${name}${name === "chunking" ? " (or --chunking)" : ""} contradict each other: give one`);
      }
      named.set(name, on);
      // hideStarttls is the one switch that means "hidden" when true
      result[key] = key === "hideStarttls" ? !on : on;
    }
  }
  return result as DebugServerExtensions;
}
