/**
 * The usage error for a URL given as a server (`smtps://host`, Nodemailer's form), saying what
 * to give instead: the `host:port` the URL names, with the flags its scheme means, fitted to
 * the flags given so that the advice, followed, parses. Pure.
 * @module
 */
import { InvalidArgumentError } from "commander";
import { EXAMPLE_HOST, EXAMPLE_SOCKET_PATH, postfixMissing, POSTFIX_QUEUE_DIRECTORY, postfixPort, type PostfixTarget } from "../protocol/postfix-target.js";
import { tlsFlagAdvice } from "./cli-wording.js";


/** The flags that change what a URL given as a server should become (see `urlRefusal`). */
export interface UrlAdviceFlags {
  readonly lmtp?: boolean;
  readonly ssl?: boolean;
  readonly starttls?: boolean;
  readonly requireTls?: boolean;
  /** False for a command that does not log in (`probe`, which has no `--user`): a user part is left out, not moved. */
  readonly login?: boolean;
  /** The TLS-only flags: without a TLS mode (`--ssl` left out as advised), each is a usage error. */
  readonly caFile?: string;
  readonly insecure?: boolean;
  readonly servername?: string;
}

/** The TLS-only flags given (`--ca-file`, `--insecure`, `--servername`): each needs a TLS mode. */
export function tlsOnlyFlags(flags: UrlAdviceFlags): string[] {
  return [
    ...flags.caFile === undefined ? [] : ["--ca-file"],
    ...flags.insecure === true ? ["--insecure"] : [],
    ...flags.servername === undefined ? [] : ["--servername"],
  ];
}

/**
 * The advice to leave out `--ssl` for LMTP (which has no implicit TLS: `why` says so), when
 * TLS-only flags (`only`, see {@link tlsOnlyFlags}) were given with it: "without --ssl" alone,
 * followed, is another usage error ("--ca-file applies to TLS only"), so the advice names all
 * there is to change: `--require-tls` (STARTTLS) instead of `--ssl`, or, for no TLS, those
 * flags left out too. Undefined when none was given (plain "without --ssl" works then).
 */
export function lmtpInsteadOfSsl(only: readonly string[], why: string): string | undefined {
  if (only.length === 0) return undefined;
  return `--require-tls instead of --ssl (${why}, and ${needTls(only, ["--ssl", ...only])})`;
}

/** Where a user and password in a server value go: `--user` and `--password-env`, or nowhere for a command that does not log in. */
export function userAdvice(flags: UrlAdviceFlags): string {
  return flags.login === false
    ? "probe does not log in: leave the user and password out (a command line is readable by every local user)"
    : "a user goes in --user and a password in an environment variable named by --password-env (a command line is readable by every local user)";
}

/**
 * The advice for TLS-only flags (`only`, see {@link tlsOnlyFlags}) given without a TLS mode,
 * to follow other advice that names none (`--lmtp` for a socket path or an `lmtp://` URL): a
 * TLS mode to add (`modes`, as "with" or "and" would follow), or, for no TLS, those flags left out; so that the advice,
 * followed, does not meet "--ca-file applies to TLS only". Empty when none was given.
 */
export function tlsModeFor(only: readonly string[], modes: string): string {
  if (only.length === 0) return "";
  return `${modes} (${needTls(only, only)})`;
}

/** "`only` need(s) TLS; or, for no TLS, without `left`": the way out with no TLS named too. */
function needTls(only: readonly string[], left: readonly string[]): string {
  return `${listed(only)} ${only.length === 1 ? "needs" : "need"} TLS; or, for no TLS, without ${listed(left)}`;
}

/** `names` as a list in words: "a", "a and b", "a, b and c". */
function listed(names: readonly string[]): string {
  return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(", ")} and ${names.at(-1)!}`;
}

/**
 * The reason a URL given as a server is refused, with the `host:port` to give instead and the
 * flags to give with it, such that the command then works with the flags already given:
 * `smtps` is `--ssl` (default port 465; instead of a `--starttls`/`--require-tls` given, which
 * conflicts with it); `lmtp` is `--lmtp` (not with `--ssl`: smtplib has no LMTP over implicit
 * TLS, so `--lmtp --ssl` is a usage error). TLS from the first byte for LMTP (`lmtps`, or
 * `smtps` with `--lmtp`) gets the advice LMTP's errors give: an LMTP port of the server that
 * offers STARTTLS, with `--require-tls`; neither `--ssl` nor the URL's port (which speaks TLS
 * from the first byte). Also where a user and password in it go.
 */
export function urlRefusal(value: string, scheme: string, flags: UrlAdviceFlags): InvalidArgumentError {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  const kind = scheme.toLowerCase();
  // An "@" the parse did not take as the user part's end (a password with a "/" or "#"
  // unencoded): the host it found may be part of the user's, so none is named.
  const misread = url !== undefined && url.username === "" && url.password === "" && value.includes("@");
  const host = misread ? "" : hostOf(url);
  const user = value.includes("@")
    ? `; ${userAdvice(flags)}`
    : "";
  const noSsl = flags.ssl === true ? ", without --ssl" : "";
  if (kind === "lmtps" || (kind === "smtps" && flags.lmtp === true)) {
    // the URL's port speaks TLS from the first byte, which LMTP here cannot: not named
    const what = kind === "lmtps" ? "lmtps:// is LMTP over TLS from the first byte, which smtplib does not speak: it speaks" : "smtps:// is TLS from the first byte, and smtplib speaks";
    const give = `${flags.lmtp === true ? "" : "--lmtp and "}--require-tls${flags.starttls === true ? " (instead of --starttls)" : ""}${noSsl}`;
    return new InvalidArgumentError(`a URL, not host[:port]: ${what} LMTP over TLS only with STARTTLS (--ssl is SMTP only): give ${host === "" ? "HOST" : host}:PORT, an LMTP port of the server that offers STARTTLS, with ${give}${user}`);
  }
  const secure = kind === "smtps";
  const port = url?.port || (secure ? "465" : "");
  // lmtp:///var/run/dovecot/lmtp: no host, a Unix socket's path (taken whole with --lmtp)
  const socket = kind === "lmtp" && host === "" && !misread ? socketPathOf(url) : "";
  const target = socket !== "" ? socket : host === "" ? "HOST[:PORT]" : port === "" ? host : `${host}:${port}`;
  return new InvalidArgumentError(`a URL, not host[:port]: give ${giveWith(kind, target, flags)}${user}`);
}

/**
 * `target` (a `host[:port]` or a socket path) with the flags to give with it for `kind`, the
 * scheme it came as: `smtps` is `--ssl` (instead of a `--starttls`/`--require-tls` given);
 * `lmtp` (or any other with `--lmtp` given) is `--lmtp`, without `--ssl` (or, with a TLS-only flag, `--require-tls` instead of
 * it); a TLS-only flag given with no TLS mode gets one to add, or is to be left out. So the
 * advice, followed with the flags already given, parses.
 */
function giveWith(kind: string, target: string, flags: UrlAdviceFlags): string {
  const secure = kind === "smtps";
  // --ssl instead of a --starttls/--require-tls given (see tlsFlagAdvice)
  const ssl = tlsFlagAdvice("--ssl", flags.starttls === true ? "starttls" : flags.requireTls === true ? "require-tls" : undefined);
  // lmtp:// is --lmtp, over TLS with STARTTLS only: --ssl is SMTP only (so with --lmtp given
  // for smtp:// or inet:host:port, whose "give host:port" would otherwise meet "--lmtp --ssl")
  const asLmtp = kind === "lmtp" || (!secure && flags.lmtp === true);
  const lmtp = !asLmtp ? [] : [
    ...flags.lmtp === true ? [] : ["with --lmtp"],
    ...flags.ssl === true ? ["without --ssl (smtplib speaks LMTP over TLS only with STARTTLS: --require-tls)"] : [],
  ];
  // --ssl with a TLS-only flag: "without --ssl" alone would leave that flag without a TLS mode
  const instead = asLmtp && flags.ssl === true ? lmtpInsteadOfSsl(tlsOnlyFlags(flags), "smtplib speaks LMTP over TLS only with STARTTLS") : undefined;
  if (instead !== undefined) lmtp.splice(0, lmtp.length, `with ${flags.lmtp === true ? "" : "--lmtp and "}${instead}`);
  // no TLS mode given nor advised, with a TLS-only flag: name one, or leaving the flag out
  const noMode = !secure && flags.ssl !== true && flags.starttls !== true && flags.requireTls !== true;
  const mode = noMode ? tlsModeFor(tlsOnlyFlags(flags), asLmtp ? "--require-tls or --starttls" : "--require-tls, --starttls or --ssl") : "";
  const withMode = mode === "" ? "" : lmtp.length === 0 ? ` with ${mode}` : `, and ${mode}`;
  return `${target}${secure ? ` with ${ssl}` : lmtp.length === 0 ? "" : ` ${lmtp.join(", ")}`}${withMode}`;
}

/**
 * A URL's host as the operator typed it, to give as `host[:port]`: `smtps`, `lmtp` and the
 * other mail schemes are not special to the URL parser, which keeps their host
 * percent-encoded (`bücher.example` is `b%C3%BCcher.example`, a name no DNS lookup finds).
 * Empty (not named) when it does not decode, or decodes to what would read as another value
 * (a "/" is a socket path, an "@" a user part, a ":" a port; whitespace, a control character).
 */
function hostOf(url: URL | undefined): string {
  if (url === undefined) return "";
  let host: string;
  try {
    host = decodeURIComponent(url.hostname);
  } catch {
    return "";
  }
  // An IPv6 address in brackets as the URL has it; not one a percent-encoded "[" made.
  // eslint-disable-next-line no-control-regex
  return url.hostname.startsWith("[") || !/[/@:[\]\s\u0000-\u001f\u007f]/.test(host) ? host : "";
}

/** An `lmtp:` URL's path, when it has no host: the Unix socket it names, as typed; empty otherwise. */
function socketPathOf(url: URL | undefined): string {
  if (url === undefined || url.host !== "" || url.pathname.length < 2 || !url.pathname.startsWith("/")) return "";
  try {
    const path = decodeURIComponent(url.pathname);
    // eslint-disable-next-line no-control-regex
    return /[\u0000-\u001f\u007f]/.test(path) ? "" : path;
  } catch {
    return "";
  }
}

/**
 * The usage error for Postfix's form of an LMTP destination given as a server
 * (`lmtp:unix:/path`, `lmtp:inet:host:port`: see `parsePostfixTarget`), with the socket path or
 * `host:port` to give instead and the flags to give with it (see {@link giveWith}). A relative
 * `unix:` path is Postfix's, under its queue directory: given as the path there by default.
 * No port: Postfix's default for LMTP, 24.
 */
export function postfixRefusal(target: PostfixTarget, flags: UrlAdviceFlags): InvalidArgumentError {
  let give: string;
  let note = "";
  // lmtp:inet::24, unix: (nothing where the host or the path goes): said so, and the form to give with an example
  const none = postfixMissing(target);
  if (target.path !== undefined) {
    const relative = !target.path.startsWith("/");
    give = target.path === "" ? `the socket's path (such as ${EXAMPLE_SOCKET_PATH})` : relative ? `${POSTFIX_QUEUE_DIRECTORY}/${target.path.replace(/^\.\//, "")}` : target.path;
    if (relative && target.path !== "") note = ` (Postfix's unix: paths are under its queue directory, ${POSTFIX_QUEUE_DIRECTORY} by default: postconf -h queue_directory says where)`;
  } else {
    const host = target.host === undefined || target.host === "" ? EXAMPLE_HOST : target.host.includes(":") ? `[${target.host}]` : target.host;
    // smtp:[host] with no port: the protocol's default port, as host alone gives it
    const port = postfixPort(target);
    give = port === undefined ? host : `${host}:${port ?? "PORT"}`;
    if (none !== undefined) give = `the server's host${port === undefined ? "" : " and port"} (such as ${give})`;
  }
  const names = none === undefined ? "" : `, and it names no ${none}`;
  // smtp:2001:db8::1: Postfix itself takes an IPv6 address only in brackets, as host:port does here
  if (target.bareIPv6 === true) note = ` (an IPv6 address goes in brackets, in Postfix's form as in host:port: it cannot tell a port from the last group)`;
  return new InvalidArgumentError(`Postfix's form of ${target.lmtp ? "an LMTP destination" : "a destination"}, not host[:port] or a socket path${names}: give ${giveWith(target.lmtp ? "lmtp" : "smtp", give, flags)}${note}`);
}
