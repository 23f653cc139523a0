/**
 * What `send` and `probe` share: client options from the command line, the client class
 * (SMTP, SMTP_SSL or LMTP), the STARTTLS policy of --starttls/--require-tls, and the
 * mapping of library errors to messages and exit codes.
 * @module
 */
import { statSync } from "node:fs";
import type { ConnectionOptions } from "node:tls";
import { LMTP_PORT, SMTP_PORT, SMTP_SSL_PORT } from "../constants.js";
import { quoteaddr } from "../protocol/address.js";
import {
  AuthRegistry, defaultRegistry, LMTP, SMTP, SMTP_SSL, SMTPAuthenticationError, SMTPException, SMTPRecipientsRefused, SMTPResponseException,
  SMTPSenderRefused, SMTPDataError, SMTPServerDisconnected, SMTPConnectError, SMTPHeloError, SMTPNotSupportedError, SMTPTimeoutError,
} from "../index.js";
import { MAX_REPLY_LINE_BYTES } from "../constants.js";
import { errorCode, escapeControl, isClosing421 } from "../errors.js";
import { CLOSED_BY_421, serverTextIn } from "../error-text.js";
import { LINE_TOO_LONG } from "../protocol/reply.js";
import type { ConnectTarget, TlsMode } from "./args.js";
import { cliAdvice } from "./cli-wording.js";
import { ExitCode, type ExitCodeValue } from "./exit-codes.js";
import { readFlagFile } from "./flag-file.js";
import { lmtpInsteadOfSsl, tlsOnlyFlags } from "./url-advice.js";

/** A connected client of any of the three classes. */
export type Client = SMTP;

/**
 * Prints one line to `stream` with control characters escaped: what the CLI prints holds
 * server text (replies, capabilities, certificate names), which must never reach the
 * terminal raw (escape sequences could rewrite the screen or the window title).
 */
export function lineWriter(stream: NodeJS.WritableStream): (text: string) => void {
  return (text) => void stream.write(`${escapeControl(text)}\n`);
}

/**
 * Node TLS options from --ca-file and --insecure.
 * @throws TypeError (exit 2, usage) naming --ca-file when the file cannot be read or holds no PEM certificate.
 */
export async function tlsOptions(target: ConnectTarget): Promise<ConnectionOptions> {
  return {
    ...(target.caFile === undefined ? {} : { ca: await readCaFile(target.caFile) }),
    ...(target.insecure ? { rejectUnauthorized: false } : {}),
    ...(target.servername === undefined ? {} : { servername: target.servername }),
  };
}

async function readCaFile(path: string): Promise<string> {
  const text = (await readFlagFile("--ca-file", path, TypeError)).toString("utf8");
  // Node ignores what is not PEM: the handshake would then fail with advice to pass the CA
  // as --ca-file, which the user just did (a DER file, a key, the wrong file).
  if (!/-----BEGIN (TRUSTED |X509 )?CERTIFICATE-----/.test(text)) {
    throw new TypeError(`--ca-file ${path}: no PEM certificate in it (-----BEGIN CERTIFICATE-----)`);
  }
  return text;
}

/**
 * `address` (an envelope address as given: `bob@x.test`, `Bob <bob@x.test>`, `<bob@x.test>`)
 * as MAIL and RCPT carried it, `<bob@x.test>`: what the output names, one form whatever the
 * form given (it printed `<Bob <bob@x.test>>` and `<<bob@x.test>>`).
 */
export function pathOf(address: string): string {
  try {
    return quoteaddr(address);
  } catch {
    return `<${address}>`;
  }
}

/** `send`'s switches for the extensions and mechanisms it may use (probe uses none). */
export interface ExtensionSwitches {
  readonly pipelining?: boolean;
  readonly chunking?: boolean;
  /** The only SASL mechanisms to log in with, in order; empty or absent: the default registry. */
  readonly authMechanisms?: readonly string[];
}

/** A registry of just `names` (built-in mechanisms), in that order. */
function registryOf(names: readonly string[]): AuthRegistry {
  const all = defaultRegistry();
  return new AuthRegistry(names.map((name) => {
    const mechanism = all.get(name);
    if (mechanism === undefined) throw new TypeError(`--auth-mech ${name}: no such mechanism`);
    return mechanism;
  }));
}

/** A new, unconnected client of the class the target asks for. */
export async function newClient(target: ConnectTarget & ExtensionSwitches, debugLevel: 0 | 1 | 2, debugOutput: (line: string) => void): Promise<Client> {
  const options = {
    tls: await tlsOptions(target),
    debugLevel,
    debugOutput,
    requireTLS: target.tlsMode === "require-tls" || target.tlsMode === "ssl",
    ...(target.timeout === undefined ? {} : { timeout: target.timeout }),
    ...(target.localHostname === undefined ? {} : { localHostname: target.localHostname }),
    ...(target.pipelining === false ? { pipelining: false } : {}),
    ...(target.chunking === false ? { chunking: false } : {}),
    ...(target.authMechanisms?.length ? { authRegistry: registryOf(target.authMechanisms) } : {}),
  };
  if (target.tlsMode === "ssl") return new SMTP_SSL(options);
  return target.lmtp ? new LMTP(options) : new SMTP(options);
}

/** What to do when --require-tls finds no STARTTLS (--ssl goes instead of it: the two exclude each other). */
const NO_STARTTLS_ADVICE = "look for a port of the server that offers TLS (587 with --require-tls, or 465 with --ssl instead of --require-tls)";
/** That advice for `--lmtp`: LMTP has no implicit TLS (`--ssl` is a usage error with it). */
const NO_STARTTLS_ADVICE_LMTP = "look for an LMTP port of the server that offers STARTTLS (smtplib speaks LMTP over TLS only with STARTTLS; --ssl is SMTP only), or reach it by a local Unix socket";

/**
 * Applies --starttls (upgrade when offered, else warn and go on in clear) or --require-tls
 * (upgrade or fail). Sends EHLO first when needed.
 * @returns whether STARTTLS was used.
 * @throws SMTPException when --require-tls and the server offers no STARTTLS.
 */
export async function applyStarttls(client: Client, target: ConnectTarget, warn: (text: string) => void): Promise<boolean> {
  if (target.tlsMode !== "starttls" && target.tlsMode !== "require-tls") return false;
  await client.ehloOrHeloIfNeeded();
  if (!client.hasExtn("starttls")) {
    if (target.tlsMode === "require-tls") throw new SMTPException(`the server does not offer STARTTLS and --require-tls was given: ${target.lmtp ? NO_STARTTLS_ADVICE_LMTP : NO_STARTTLS_ADVICE}`);
    warn("smtplib: warning: the server does not offer STARTTLS; continuing WITHOUT encryption");
    return false;
  }
  await client.starttls();
  await client.ehloOrHeloIfNeeded();
  return true;
}

/** Connects (greeting read) and applies the STARTTLS policy. */
export async function connectClient(target: ConnectTarget & ExtensionSwitches, debugLevel: 0 | 1 | 2, stderr: (text: string) => void): Promise<Client> {
  const client = await newClient(target, debugLevel, stderr);
  try {
    await client.connect(target.host, target.port);
    await applyStarttls(client, target, stderr);
    return client;
  } catch (err) {
    // RFC 5321 §4.1.1.10: QUIT before closing a session still open (EHLO refused, no STARTTLS
    // with --require-tls), not a connection dropped mid-session
    if (client.connected) await quitWithin(client);
    client.close();
    throw err;
  }
}

/** How long `send` and `probe` wait for the reply to QUIT: what they report is known by then. */
export const QUIT_WAIT_MS = 5_000;

/**
 * QUIT, waiting at most `ms` for its reply (not the command timeout, minutes by default).
 * Never throws: the session's outcome is known already.
 * @returns the reply as `code text` (its first line), or why none came.
 */
export async function quitWithin(client: Client, ms = QUIT_WAIT_MS): Promise<string> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<string>((resolve) => { timer = setTimeout(() => resolve(`no reply (none within ${ms / 1000} s)`), ms); });
  const reply = client.quit().then(
    (r) => `${r.code} ${r.message.split("\n")[0]}`,
    () => "no reply (the server closed the connection)",
  );
  try {
    return await Promise.race([reply, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * One line saying what went wrong, with the SMTP reply when there is one (the library's
 * advice worded as CLI flags, fitted to `tlsMode`: see {@link cliAdvice}; the server's words
 * kept as they came). Given whether `--lmtp` was used, a greeting command the server does not
 * know (500, 502) gets a hint at the other protocol: an LMTP server refuses EHLO and HELO, an
 * SMTP server LHLO (over a Unix socket, `socket`, LMTP only: SMTP goes over TCP).
 */
export function describeError(err: unknown, lmtp?: boolean, tlsMode?: TlsMode, socket = false): string {
  const said = cliAdvice(describeLibraryError(err), [...serverWords(err), ...serverTextIn(err)], tlsMode);
  return said + (lmtp === undefined ? "" : protocolHint(err, lmtp, tlsMode, socket));
}

/** {@link describeError}'s line for `err` on a connection to `target` (its protocol, TLS mode, a socket path), then {@link connectHint}'s. */
export function describeTargetError(err: unknown, target: ConnectTarget): string {
  return describeError(err, target.lmtp, target.tlsMode, target.host.includes("/")) + connectHint(err, target);
}

/**
 * The server's own words in {@link describeLibraryError}'s line for `err`, in the forms they
 * may take there (a reply's code and text; in the error's message, control characters
 * escaped), which no wording may change; none when it has none. A challenge (334) the library
 * gave up on is its own words, the server's after "; server: ". (The server's words that a
 * library message quotes in its own, the library marks: `serverTextIn`.)
 */
function serverWords(err: unknown): string[] {
  const closed = closing421(err);
  if (closed !== undefined) return [`${closed.code} ${closed.message}`, `${closed.code} ${escapeControl(closed.message)}`];
  if (err instanceof SMTPServerDisconnected && err.message.startsWith(`${CLOSED_BY_421}421 `)) return [err.message.slice(CLOSED_BY_421.length)];
  if (!(err instanceof SMTPResponseException) || err.smtpCode < 0) return [];
  if (err.smtpCode !== 334) return [`${err.smtpCode} ${err.smtpError}`, `${err.smtpCode} ${escapeControl(err.smtpError)}`.trimEnd()];
  const at = err.smtpError.indexOf("; server: ");
  return at < 0 ? [] : [err.smtpError.slice(at)];
}

/**
 * What to try when no connection could be made, judged from the target as given (to follow
 * {@link describeError}'s line): a host name that DNS does not know but that names a Unix
 * socket in the current directory (`--lmtp --server lmtp` where `./lmtp` was meant: a name
 * without a slash is a host name; not with --ssl, which --lmtp refuses), or a refused connection to a port left out (the
 * protocol's default was tried, where a submission server listens on 587), or a Unix socket
 * path refused (a file that is no socket, or a socket that no server listens on, as one left
 * by a server that stopped: both ECONNREFUSED), or one this user may not use (EACCES).
 * Empty otherwise.
 */
export function connectHint(err: unknown, target: ConnectTarget): string {
  if (!(err instanceof SMTPConnectError)) return "";
  const code = errorCode(err.cause);
  // a Unix socket path: a file that is no socket, or a socket no server listens on, both refuse
  if (target.host.includes("/")) {
    // connect(2) on a Unix socket needs write permission on it (Dovecot's, Postfix's private/ ones are not for everyone)
    if (code === "EACCES") return " (this user may not use that socket: run as one its permissions allow, such as its owner or a member of its group)";
    if (code !== "ECONNREFUSED") return "";
    return isSocket(target.host) ? " (no server listens on that socket: is it running?)" : ` (${target.host} is not a Unix socket)`;
  }
  if ((code === "ENOTFOUND" || code === "EAI_AGAIN") && isSocket(target.host)) {
    const instead = target.tlsMode === "ssl" ? lmtpInsteadOfSsl(tlsOnlyFlags(target), "LMTP has no implicit TLS") : undefined;
    const ssl = instead !== undefined ? `, with ${instead}` : target.tlsMode === "ssl" ? ", without --ssl" : "";
    return ` (./${target.host} is a Unix socket: give its path with a slash, ./${target.host}${target.lmtp ? "" : ", and --lmtp"}${ssl})`;
  }
  // port 0: none given, or 0 given (the default, as in Python), so not "no port was given"
  if (code === "ECONNREFUSED" && target.port === 0) {
    const port = target.tlsMode === "ssl" ? SMTP_SSL_PORT : target.lmtp ? LMTP_PORT : SMTP_PORT;
    return ` (port ${port}, the default, was tried: give host:port${port === SMTP_PORT ? ", such as port 587 for mail submission" : ""})`;
  }
  return "";
}

/** True when `path` names a Unix socket. */
function isSocket(path: string): boolean {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
}

function protocolHint(err: unknown, lmtp: boolean, tlsMode: TlsMode | undefined, socket: boolean): string {
  if (!(err instanceof SMTPHeloError) || (err.smtpCode !== 500 && err.smtpCode !== 502)) return "";
  // a Unix socket path without --lmtp is a usage error: smtplib speaks SMTP over TCP only
  if (lmtp && socket) return " (the server does not know LHLO: if it speaks SMTP, smtplib reaches it over TCP only: give its host:port, without --lmtp)";
  if (lmtp) return " (the server does not know LHLO: if it speaks SMTP, leave out --lmtp)";
  // an LMTP server over implicit TLS: --lmtp --ssl is a usage error (no LMTP over implicit TLS)
  if (tlsMode === "ssl") return " (the server knows neither EHLO nor HELO: if it speaks LMTP, smtplib reaches it over TLS only with STARTTLS (--ssl is SMTP only): give --lmtp and --require-tls, without --ssl, at an LMTP port of the server that offers STARTTLS)";
  return " (the server knows neither EHLO nor HELO: if it speaks LMTP, give --lmtp)";
}

/**
 * The 421 that ended the session (RFC 5321 §3.8: the server is closing the connection), as
 * the error's own reply (greeting, AUTH, MAIL, DATA, the end of data) or as a recipient's
 * reply that stopped the transaction (RCPT, or LMTP's replies after the data); undefined
 * when there is none.
 */
function closing421(err: unknown): { readonly code: number; readonly message: string } | undefined {
  if (isClosing421(err)) return { code: err.smtpCode, message: err.smtpError };
  return err instanceof SMTPRecipientsRefused ? [...err.recipients.values()].find((r) => r.code === 421) : undefined;
}

/**
 * True for the library's error about a reply the conversation cannot go on from, on which it
 * closed the connection: a plain `SMTPResponseException` (each refusal has its own class),
 * such as the parser's 500 "Line too long." (the server's line, not a server's 500) or a 354
 * to RCPT. Nothing was refused; STARTTLS's refusal aside (see {@link isStarttlsRefusal}).
 */
function isBrokenReply(err: unknown): err is SMTPResponseException {
  return err?.constructor === SMTPResponseException && !isStarttlsRefusal(err);
}

/** True for the server's refusal of STARTTLS (`--starttls`, `--require-tls`): a TLS failure. */
function isStarttlsRefusal(err: unknown): err is SMTPResponseException {
  return err instanceof SMTPResponseException && err.command === "STARTTLS";
}

/**
 * A reply to the message that refuses nothing, after which it may have been delivered
 * (`SMTPDataError` whose `delivery` is "unknown"): a 2yz that came before the server had
 * all of it, a 1yz/3yz to its end of data, which the end of data never takes, or a 2yz
 * other than 250 to the whole message.
 */
function acceptedEarly(err: unknown): err is SMTPDataError {
  return err instanceof SMTPDataError && err.delivery === "unknown";
}

function describeLibraryError(err: unknown): string {
  const closed = closing421(err);
  if (closed !== undefined) return `the server closed the connection: ${closed.code} ${closed.message}`;
  if (isStarttlsRefusal(err)) return `STARTTLS refused: ${err.smtpCode} ${err.smtpError}`;
  if (err instanceof SMTPRecipientsRefused) return `every recipient was refused (${err.recipients.size})`;
  if (isBrokenReply(err) && err.smtpCode === 500 && err.smtpError.startsWith(LINE_TOO_LONG)) {
    // What follows the parser's text: after the end of data, that the message may have been delivered.
    const after = err.smtpError.slice(LINE_TOO_LONG.length);
    return `the server sent a reply line longer than ${MAX_REPLY_LINE_BYTES} bytes (${err.name}: 500 ${LINE_TOO_LONG}); the connection was closed${after}`;
  }
  if (isBrokenReply(err) && err.smtpCode > 0 && err.smtpCode < 400 && err.command !== undefined) {
    return `the server answered ${err.command} with ${err.smtpCode} ${err.smtpError}, a reply that completes nothing (${err.name}); the connection was closed`;
  }
  // The library says "waiting for the reply to the greeting": say what happened, and which
  // flag bounds the wait (without it: probe 30 s, send RFC 5321 §4.5.3.2.1's 5 minutes).
  if (err instanceof SMTPTimeoutError && err.phase === "greeting") return `${err.name}: the server sent no greeting within ${err.timeout / 1000} s (--timeout sets the limit, in ms)`;
  // any other wait (connecting, a reply, writing the message) is bounded by that flag too
  if (err instanceof SMTPTimeoutError) return `${err.name}: ${err.message} (--timeout sets the limit, in ms)`;
  if (err instanceof SMTPSenderRefused) return `sender ${pathOf(err.sender)} refused: ${err.smtpCode} ${err.smtpError}`;
  // a sink that answers 250 to everything: "SMTPAuthenticationError: 250 2.0.0 Ok" alone reads as a success
  // (a 334 is a challenge that the mechanism refused, which its message explains)
  if (err instanceof SMTPAuthenticationError && err.smtpCode >= 200 && err.smtpCode < 400 && err.smtpCode !== 235 && err.smtpCode !== 334) {
    return `${err.name}: ${err.smtpCode} ${err.smtpError} (not a login: only 235 confirms one)`;
  }
  if (acceptedEarly(err)) {
    // No cause: the connection stayed, on a 2yz other than 250 to the whole message (see `finish`).
    if (err.cause === undefined) return `${err.name}: ${err.message} (a 2yz to the end of data, which the server took, though not the 250 smtplib requires)`;
    const why = err.smtpCode >= 200 && err.smtpCode < 300 ? "the server answered before it had all of the message" : "a reply the end of data never takes";
    return `${err.name}: ${err.message} (${why}; the connection was closed)`;
  }
  // -1 is the library's (and Python's) code for "no reply": no connection, or text that is not SMTP.
  if (err instanceof SMTPResponseException) return `${err.name}: ${err.smtpCode < 0 ? "" : `${err.smtpCode} `}${err.smtpError}`;
  if (err instanceof Error) {
    // trimmed: OpenSSL's messages end with a newline, which would be printed escaped ("\n)")
    const causeText = err.cause instanceof Error ? err.cause.message.trim() : "";
    // not repeated when the message has it already, or names its code ("cannot read it (ENOENT)")
    const code = errorCode(err.cause);
    // ... or Node's `reason`, which a TLS diagnosis quotes (its message would repeat it: "...: Host: x. is not in the cert's altnames")
    const { reason } = (err.cause ?? {}) as { reason?: unknown };
    const said = err.message.includes(causeText) || (code !== "" && err.message.includes(`(${code})`))
      || (typeof reason === "string" && reason !== "" && err.message.includes(reason));
    const cause = causeText !== "" && !said ? ` (${causeText})` : "";
    // a usage error (a --ca-file that cannot be used: exit 2) reads as the others do, without "TypeError: "
    const plain = err.name === "Error" || err instanceof TypeError || err instanceof RangeError;
    return `${plain ? "" : `${err.name}: `}${err.message}${cause}`;
  }
  return String(err);
}

/** Where `send` was when an error came: an error's exit code may depend on it. */
export type SendPhase = "connect" | "auth" | "send";

/**
 * The exit code for an error (see ./exit-codes.ts), thrown in `phase` when known. A 421 (the
 * server closing the connection), a reply that is not SMTP (code -1) or that the conversation
 * cannot go on from (a line too long to read, a 354 to RCPT) and a refused STARTTLS are 5,
 * whenever they come. While
 * logging in, no AUTH, no mechanism both sides can use (over this link) or a refusal is 6,
 * not 5 (connection failure); a lost connection stays 5. While sending, a server without
 * an extension the message needs (SMTPUTF8 for a non-ASCII address) cannot take it, as if
 * it had refused it: 4.
 */
export function exitCodeFor(err: unknown, phase?: SendPhase): ExitCodeValue {
  // the server went away, whatever it was asked: not a refusal of the message nor of the login
  if (closing421(err) !== undefined || isStarttlsRefusal(err)) return ExitCode.UNAVAILABLE;
  // -1: no valid reply (text that is not SMTP, or none): the connection is closed, nothing was refused
  if (err instanceof SMTPResponseException && err.smtpCode < 0) return ExitCode.UNAVAILABLE;
  if (phase === "auth" && (err instanceof SMTPNotSupportedError || err?.constructor === SMTPException)) return ExitCode.AUTH;
  if (phase === "send" && err instanceof SMTPNotSupportedError) return ExitCode.REFUSED;
  if (err instanceof SMTPAuthenticationError) return ExitCode.AUTH;
  // A 2yz before the server had all of the message, or a 1yz/3yz (or a 2yz but 250) to its end, refuses nothing: it may have been delivered (5, as a close after the data).
  if (acceptedEarly(err)) return ExitCode.UNAVAILABLE;
  if (err instanceof SMTPRecipientsRefused || err instanceof SMTPSenderRefused || err instanceof SMTPDataError) return ExitCode.REFUSED;
  if (err instanceof SMTPServerDisconnected || err instanceof SMTPConnectError || err instanceof SMTPHeloError) return ExitCode.UNAVAILABLE;
  // Any other SMTPResponseException is a plain one: a reply the conversation could not go on
  // from (see isBrokenReply), on which the connection closed; nothing was refused.
  if (err instanceof SMTPException) return ExitCode.UNAVAILABLE;
  if (err instanceof TypeError || err instanceof RangeError) return ExitCode.USAGE;
  const code = errorCode(err);
  if (/^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE)$/.test(code)) return ExitCode.UNAVAILABLE;
  return ExitCode.FAILURE;
}
