/**
 * Postfix's way of writing an LMTP destination (`lmtp:unix:/path`, `lmtp:inet:host:port`,
 * `lmtp:host:port`, as in `virtual_transport` or `mailbox_transport`; and `smtp:[host]:port`
 * or `smtp:host:port`, as in `relayhost` and `transport_maps`), which an operator may
 * copy from `main.cf` as a server: recognised, so that `connect()` and the CLI refuse it
 * saying what smtplib takes instead (a socket path, or a host and a port) rather than look it
 * up as a host name or open it as a relative path. Pure.
 * @module
 */

/** Postfix's default LMTP port (the `lmtp` service, 24), for `lmtp:host` with no port. */
export const POSTFIX_LMTP_PORT = 24;

/** The queue directory Postfix's relative `unix:` socket paths are under, by default. */
export const POSTFIX_QUEUE_DIRECTORY = "/var/spool/postfix";

/** The socket path that advice gives as an example when a form names none. */
export const EXAMPLE_SOCKET_PATH = "/run/dovecot/lmtp";
/** The host that advice gives as an example when a form names none. */
export const EXAMPLE_HOST = "mail.example.org";

/**
 * What `target` leaves empty where Postfix's form puts it (`lmtp:unix:`, `lmtp:inet::24`,
 * `smtp:[]:25`): its socket path or its host; `undefined` when it names both it needs.
 */
export function postfixMissing(target: PostfixTarget): "socket path" | "host" | undefined {
  return target.path === "" ? "socket path" : target.host === "" ? "host" : undefined;
}

/**
 * The port `target` names, for advice: the one written; else, none written, Postfix's LMTP
 * port (24) for an `lmtp:` form, and `undefined` for `smtp:[host]` (the protocol's default, as
 * a host alone gets); `null` when it is not known (a service name, or an `inet:` form with none).
 */
export function postfixPort(target: PostfixTarget): number | null | undefined {
  if (target.port !== undefined) return target.port;
  if (target.portGiven === true) return null;
  return target.lmtp ? POSTFIX_LMTP_PORT : target.smtp === true ? undefined : null;
}

/** What a Postfix destination names: a Unix socket path (as written: Postfix's relative ones are under its queue directory), or a host and a port. */
export interface PostfixTarget {
  /** True when it began with `lmtp:` (or named a Unix socket, which smtplib opens for LMTP only). */
  readonly lmtp: boolean;
  /** The socket path of `unix:PATH`. */
  readonly path?: string;
  /** The host of `inet:HOST:PORT` (no brackets; IPv6 as the address alone). */
  readonly host?: string;
  /** The port, when one is given as a number or as the `lmtp` service's name. */
  readonly port?: number;
  /** True when a port was given (as `port`, or as a service name smtplib does not know). */
  readonly portGiven?: boolean;
  /** True for Postfix's SMTP transport, `smtp:[HOST]` or `relay:[HOST]` (as `relayhost` writes it; or without brackets): no port is the protocol's default. */
  readonly smtp?: boolean;
  /** True for `smtp:` or `relay:` and an IPv6 address without brackets, which Postfix takes only in brackets (it could not tell a port from the last group): `host` is all of it. */
  readonly bareIPv6?: boolean;
}

/**
 * An IPv6 address written without brackets (two colons at least, hex digits, dots for an
 * IPv4 tail, a `%zone`): after `smtp:` no host name holds a colon, so this is what such text is.
 */
const BARE_IPV6 = /^[0-9A-Fa-f.]*:[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*(?:%[A-Za-z0-9_.-]+)?$/;

/**
 * `value` read as Postfix's form of a destination: `lmtp:` then `unix:PATH`, `inet:HOST[:PORT]`
 * or `HOST[:PORT]` (`[HOST]` in brackets too), or `unix:PATH` and `inet:HOST[:PORT]` alone,
 * and Postfix's SMTP transport, `smtp:[HOST][:PORT]` or `relay:[HOST][:PORT]`, with the host
 * in brackets (a port never starts with "[": no host:port reads so) or without (Postfix's
 * nexthop looked up by MX: no host name holds ":", nor is an IPv6 address spelt so), or
 * an IPv6 address without brackets (`smtp:2001:db8::1`, which Postfix refuses: `bareIPv6`). The
 * host or path may be empty (`lmtp:inet::24`, `unix:`): the form names none. Undefined for
 * anything else, such as `lmtp:24`, `unix:25` and `smtp:25` (a host named so, with a port),
 * and any value with an "@" (`lmtp:user:password@host`: a user part, which is refused
 * without being shown, never echoed as Postfix's form).
 */
export function parsePostfixTarget(value: string): PostfixTarget | undefined {
  if (value.includes("@")) return undefined;
  // smtp:2001:db8::1: Postfix needs [2001:db8::1] (Wietse Venema, postfix-users: where the
  // port is optional, an IPv6 address goes in brackets); taken whole it would be a host name.
  const bare = /^(?:smtp|relay):(.*)$/i.exec(value);
  if (bare && BARE_IPV6.test(bare[1]!)) return { lmtp: false, smtp: true, host: bare[1]!, portGiven: false, bareIPv6: true };
  const smtp = /^(?:smtp|relay):(?:\[([^\]]*)\]|([^:[\]/]*))(?::(\d{1,5}|[^:/]*))?$/i.exec(value);
  // smtp:25, relay:2525: a host named so and its port (Python's form)
  if (smtp && !(smtp[2] !== undefined && smtp[3] === undefined && /^\d+$/.test(smtp[2]))) {
    const port = smtp[3];
    const number = port === undefined ? undefined : portNumber(port);
    return { lmtp: false, smtp: true, host: untagged(smtp[1]) ?? smtp[2]!, portGiven: port !== undefined, ...(number === undefined ? {} : { port: number }) };
  }
  const lmtp = /^lmtp:/i.test(value);
  const rest = lmtp ? value.slice(5) : value;
  const kind = /^(unix|inet):/i.exec(rest)?.[1]?.toLowerCase();
  const after = kind === undefined ? rest : rest.slice(5);
  // "lmtp:24", "unix:25", "inet:2525": a host name and its port, not Postfix's form ("lmtp:": a host and no port)
  if ((kind === undefined ? /^\d*$/ : /^\d+$/).test(after) || (!lmtp && kind === undefined)) return undefined;
  if (kind === "unix") return { lmtp: true, path: after };
  const bracketed = /^\[([^\]]*)\](?::([^:]*))?$/.exec(after);
  const colons = after.split(":").length - 1;
  const [host, port] = bracketed ? [untagged(bracketed[1])!, bracketed[2]] : colons === 1 ? after.split(":") as [string, string] : [after, undefined];
  const number = port === undefined ? undefined : port.toLowerCase() === "lmtp" ? POSTFIX_LMTP_PORT : portNumber(port);
  return { lmtp, host, portGiven: port !== undefined, ...(number === undefined ? {} : { port: number }) };
}

/**
 * The TCP port `text` writes in decimal, 1 to 65535 (RFC 793 §3.1: 16 bits; 0 names no
 * service), else `undefined`: advice must never name a port that `connect()` or the CLI
 * would then refuse (`lmtp:host:99999` is a port given but not known, as a service name is).
 */
function portNumber(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : undefined;
}

/**
 * A bracketed host without the `IPv6:` tag of an RFC 5321 address literal (`[ipv6:::1]`, as
 * Postfix also reads it): the advice gives the address alone, which `connect()` takes.
 */
function untagged(host: string | undefined): string | undefined {
  return host?.replace(/^ipv6:/i, "");
}
