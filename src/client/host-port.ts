/**
 * Python's `"host:port"` splitting in `connect()`.
 * @module
 */

import { LMTP_PORT } from "../constants.js";
import { quoted } from "../errors.js";
import { checkPort, URL_SCHEME } from "../option-checks.js";
import { EXAMPLE_HOST, EXAMPLE_SOCKET_PATH, parsePostfixTarget, postfixMissing, POSTFIX_QUEUE_DIRECTORY, postfixPort, type PostfixTarget } from "../protocol/postfix-target.js";

/**
 * How the advice in {@link splitHostPort}'s errors names what its caller gives instead: a
 * client's user calls `connect(host, port)`, `SMTP_SSL` and `login()`; a pool's user gives
 * `host`, `port`, `protocol` and `auth` as options (see `SMTPPool`).
 */
export interface HostAdvice {
  /** The host and the port given apart, as an example. */
  readonly apart: string;
  /** What `smtps://` is (and, for LMTP, which has no TLS from the first byte, what to do instead). */
  readonly implicitTLS: string;
  /** Where the user and password go. */
  readonly credentials: string;
  /** The class whose `connect()` the caller used, which the advice for a misplaced options object names; none for a pool. */
  readonly cls?: string;
}

/**
 * What `smtps://` is, told to an LMTP user (`LMTP`, a pool with `protocol: "lmtp"`): there is
 * no LMTP over TLS from the first byte, and `SMTP_SSL` or `protocol: "smtps"` would speak
 * SMTP, so the advice is STARTTLS, as for an LMTP client that reached an implicit-TLS port.
 */
export const LMTP_IMPLICIT_TLS = "SMTP with TLS from the first byte, which LMTP does not have: for LMTP over TLS, set requireTLS: true (STARTTLS)";

/**
 * What `lmtps://` is, told to any caller: LMTP with TLS from the first byte, which smtplib does
 * not speak (nor do common servers: Dovecot and Cyrus offer LMTP over STARTTLS).
 */
const LMTPS = "LMTP with TLS from the first byte, which smtplib does not speak: for LMTP over TLS, use LMTP with requireTLS: true (STARTTLS)";

/** {@link HostAdvice} for `connect()` of class `cls` (`SMTP`, `SMTP_SSL`, `LMTP`: its example port is LMTP's, and `smtps://` is not LMTP's). */
export function clientHostAdvice(cls = "SMTP"): HostAdvice {
  if (cls === "LMTP") return { apart: `connect("mail.example.org", ${LMTP_PORT})`, implicitTLS: LMTP_IMPLICIT_TLS, credentials: "login()", cls };
  return { apart: 'connect("mail.example.org", 587)', implicitTLS: "SMTP_SSL (TLS from the first byte, port 465)", credentials: "login()", cls };
}

/**
 * The message for a URL given as a host: what to give instead (as `advice` words it), and
 * never the URL itself when it holds a user part (`smtps://user:password@host`), which
 * would put a password in an error message (and a DNS query for that "name" on the network).
 */
function urlAsHost(host: string, scheme: string, advice: HostAdvice): string {
  // Any "@" (no host name holds one): a password is often typed unencoded, with a "/", "?"
  // or "#" in it that would end the URL's authority before its "@".
  const withUser = host.includes("@");
  const shown = withUser ? "(not shown: it holds a user part)" : quoted(host);
  const kind = scheme.toLowerCase();
  const tls = kind === "smtps" ? `; smtps:// is ${advice.implicitTLS}` : kind === "lmtps" ? `; lmtps:// is ${LMTPS}` : "";
  const user = withUser ? `; the user and password go to ${advice.credentials}` : "";
  return `host must be a host name or address, not a URL ${shown}: give the host and the port apart, as ${advice.apart}${tls}${user}`;
}

/**
 * The message for Postfix's form of a destination given as a host (`lmtp:unix:/path`,
 * `lmtp:inet:host:port`: see `parsePostfixTarget`): the path, or the host and the port apart,
 * to give instead (a relative `unix:` path is under Postfix's queue directory); the port is
 * the form's, else `given` (the caller's), else Postfix's LMTP port for `lmtp:`.
 */
function postfixAsHost(host: string, target: PostfixTarget, advice: HostAdvice, given: unknown): string {
  // a port the caller gave (connect("lmtp:host", 2424)) before Postfix's default
  const callers = typeof given === "number" && given > 0 && target.portGiven !== true ? given : undefined;
  // smtp:[host] with no port: the class's default, so none is named
  const named = postfixPort(target);
  const port = target.port ?? callers ?? (named === null ? "port" : named);
  // LMTP's class for an lmtp: form; a pool (no class) names its options
  const cls = target.lmtp && advice.cls !== undefined ? "LMTP" : advice.cls;
  const as = (h: string, p?: number | string): string => cls !== undefined
    ? `${cls}.connect(${JSON.stringify(h)}${p === undefined ? "" : `, ${p}`})`
    : `{ host: ${JSON.stringify(h)}${p === undefined ? "" : `, port: ${p}`}${target.lmtp ? ', protocol: "lmtp"' : ""} }`;
  const apart = port === undefined ? "" : " and the port apart";
  return `host must be a host name, an address or a Unix socket path, not Postfix's form ${quoted(host)}${postfixWhere(target, as, port, apart)}`;
}

/**
 * The end of {@link postfixAsHost}'s message: what to give instead (`as` writes the call or
 * options with a host and a port). A form that names no path or host (`lmtp:unix:`,
 * `lmtp:inet::24`) is said to, with an example.
 */
function postfixWhere(target: PostfixTarget, as: (h: string, p?: number | string) => string, port: number | string | undefined, apart: string): string {
  const missing = postfixMissing(target);
  if (missing === "socket path") return `, which names no socket path: give the socket's absolute path as the host, as ${as(EXAMPLE_SOCKET_PATH)}`;
  if (missing === "host") return `, which names no host: give the server's host name or address${apart}, as ${as(EXAMPLE_HOST, port)}`;
  // smtp:2001:db8::1: Postfix's own form wants brackets, smtplib's the address alone
  const brackets = target.bareIPv6 === true ? ` (in Postfix's form an IPv6 address goes in brackets, [${target.host ?? ""}]: it cannot tell a port from the last group)` : "";
  if (target.path === undefined) return `${brackets}: give the host${apart}, ${as(target.host ?? "", port)}`;
  if (target.path.startsWith("/")) return `: give the socket's path as the host, ${as(target.path)}`;
  return `: give the socket's absolute path as the host (Postfix's relative unix: paths are under its queue directory, ${POSTFIX_QUEUE_DIRECTORY} by default)`;
}

/** Where to connect: a TCP host and port, or a Unix socket path. */
export interface Target {
  host: string;
  port: number;
  /** Set when `host` is an absolute path (a Unix socket, for LMTP). */
  path?: string;
}

/** True for an object (not null, not a function): options given where a host or a port goes. */
function isObject(value: unknown): boolean {
  return typeof value === "object" && value !== null;
}

/**
 * Splits `"host:port"` when `port` is 0 and `host` holds exactly one colon (so IPv6
 * addresses are left alone), as Python does; port 0 becomes `defaultPort`. Beyond Python,
 * a bracketed IPv6 address with a port (`"[::1]:2525"`, RFC 3986's form, which Python
 * would try to resolve as a name) is split too, and brackets around a host are dropped.
 * @throws TypeError for a port that is not a number or a non-numeric port in `host`, a URL
 *   as `host` (`smtps://host:465`) or a host with a user part (`user:password@host`, never
 *   shown), its advice worded by `advice` (which also names the class for a misplaced options
 *   object); RangeError for a port outside 0-65535.
 */
export function splitHostPort(host: string, port: number, defaultPort: number, advice: HostAdvice = clientHostAdvice()): Target {
  const cls = advice.cls;
  // An object is a Nodemailer-style call, SMTP.connect({ host, port }) or connect(host, options): say how to call it.
  if (typeof host !== "string") throw new TypeError(isObject(host) && cls !== undefined ? `host must be a string, got an object: ${cls}.connect(host, port, options) takes the host and the port as arguments, not in an object` : "host must be a string");
  if (/[\r\n\0]/.test(host)) throw new TypeError("host must not contain CR, LF or NUL");
  const scheme = URL_SCHEME.exec(host);
  if (scheme) throw new TypeError(urlAsHost(host, scheme[1]!, advice));
  const postfix = parsePostfixTarget(host);
  if (postfix !== undefined) throw new TypeError(postfixAsHost(host, postfix, advice, port));
  if (isObject(port)) throw new TypeError(cls !== undefined ? `port must be a number, got an object: options come third, ${cls}.connect(host, port, options), or go to new ${cls}(options)` : "port must be a number, got an object");
  // A string port ("25") is a TypeError here, not "got 25" from the range check below; and
  // it is checked for a Unix socket path too, which would otherwise take any truthy value.
  checkPort(port, "port");
  if (host.startsWith("/")) return { host, port: port || defaultPort, path: host };
  // "user:password@host[:port]" without a scheme: not echoed (nor looked up as a name)
  if (host.includes("@")) throw new TypeError(`host must be a host name or address, not user@host (not shown: it holds a user part): give the host alone, and the user and password to ${advice.credentials}`);
  let h = host;
  let p: number = port;
  const bracketed = host.startsWith("[") ? host.lastIndexOf("]:") : -1;
  if (!p && (bracketed !== -1 || (host.indexOf(":") !== -1 && host.indexOf(":") === host.lastIndexOf(":")))) {
    const i = bracketed !== -1 ? bracketed + 1 : host.lastIndexOf(":");
    const text = host.slice(i + 1);
    if (!/^\d+$/.test(text)) throw new TypeError(`nonnumeric port: ${JSON.stringify(text)}`);
    h = host.slice(0, i);
    p = Number(text);
  }
  if (!Number.isInteger(p) || p < 0 || p > 65535) throw new RangeError(`port must be an integer from 0 to 65535, got ${p}`);
  // "[IPv6:::1]", an address literal as a mail address writes it: no host is named so
  if (/^\[?ipv6:/i.test(h)) throw new TypeError(`host ${JSON.stringify(host)} has the "IPv6:" tag of a mail address's literal: give the address alone, ${JSON.stringify(host.replace(/^(\[?)ipv6:/i, "$1"))}`);
  if (h.startsWith("[") && h.endsWith("]")) {
    h = h.slice(1, -1);
    // "[]" names no host: not the default ("localhost") that an empty host gets.
    if (h === "") throw new TypeError(`no host between the brackets: ${JSON.stringify(host)}`);
  }
  return { host: h || "localhost", port: p || defaultPort };
}
