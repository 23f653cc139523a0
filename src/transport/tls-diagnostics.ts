/**
 * Turns Node's TLS errors into messages that name the host, the likely mistake and the
 * option that fixes it ("this looks like a plain-text port: use starttls()").
 * @module
 */

import * as tls from "node:tls";
import { errorCode, quoted, SMTPException, SMTPServerDisconnected } from "../errors.js";
import { isBuiltContext } from "../option-checks.js";
import { endpoint } from "./endpoint.js";

/** Node error codes meaning "the peer did not speak TLS" (it sent plain text). */
const PLAINTEXT_PEER = new Set([
  "ERR_SSL_WRONG_VERSION_NUMBER",
  "ERR_SSL_PACKET_LENGTH_TOO_LONG",
  "ERR_SSL_HTTP_REQUEST",
  "ERR_SSL_UNKNOWN_PROTOCOL",
  "ERR_SSL_RECORD_LAYER_FAILURE",
]);

/**
 * The code of our own verification error when there is no name to check a certificate
 * against (a Unix socket without `tls.servername`).
 */
export const NO_SERVERNAME = "ERR_SMTPLIB_NO_SERVERNAME";

/** Node error codes of certificate verification failures (OpenSSL's X509_V_ERR_* names). */
const CERT_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "CERT_SIGNATURE_FAILURE",
  "CERT_CHAIN_TOO_LONG",
  "INVALID_CA",
  "INVALID_PURPOSE",
  "PATH_LENGTH_EXCEEDED",
  "UNABLE_TO_GET_CRL",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "HOSTNAME_MISMATCH",
]);

/**
 * Certificate failures that no trusted CA would fix (the certificate's dates, its
 * revocation, subject alternative names Node cannot read): what to say instead of "pass
 * the issuing CA as tls.ca".
 */
const CERT_VALIDITY: ReadonlyMap<string, readonly [what: string, fix: string]> = new Map([
  ["CERT_HAS_EXPIRED", ["has expired", "The server must renew it (unless this machine's clock is wrong)"]],
  ["CERT_NOT_YET_VALID", ["is not valid yet", "Check this machine's clock (or the server's certificate dates)"]],
  ["CERT_REVOKED", ["has been revoked by its issuer", "The server must replace it"]],
  ["ERR_TLS_CERT_ALTNAME_FORMAT", ["has subject alternative names that cannot be read", "The server must replace it"]],
]);

/**
 * Node error codes meaning "no TLS version in common": the server refused every version we
 * offered (its `protocol_version` alert), or chose one we do not allow.
 */
const NO_COMMON_VERSION = new Set([
  "ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION",
  "ERR_SSL_UNSUPPORTED_PROTOCOL",
  "ERR_SSL_NO_PROTOCOLS_AVAILABLE",
  "ERR_SSL_VERSION_TOO_LOW",
]);

/** How to reach a server that signs with SHA-1 or MD5 (TLS 1.0, 1.1) anyway: OpenSSL's security level 0. */
export const LEGACY_FIX = 'For a server that cannot be upgraded, lower it with tls.ciphers: "DEFAULT@SECLEVEL=0" (insecure)';

/** The TLS options a diagnosis reads: whether a CA and a client certificate were given, and the versions allowed. */
export type DiagnosedOptions = Pick<tls.ConnectionOptions, "ca" | "cert" | "pfx" | "minVersion" | "maxVersion" | "secureContext" | "secureProtocol" | "servername">;

/** True when the caller gave their own `secureContext` (not one built here from their options). */
function ownContext(options: DiagnosedOptions): boolean {
  const context = options.secureContext;
  return context !== undefined && context !== null && !isBuiltContext(context);
}

/**
 * The option that sets the TLS versions when `minVersion`/`maxVersion` (else Node's
 * defaults) do not: a caller's own `secureContext` (Node then ignores the other options;
 * its range is not known here), or `secureProtocol`. `undefined` when those two set it.
 */
function versionsSetBy(options: DiagnosedOptions): string | undefined {
  if (ownContext(options)) return "tls.secureContext";
  if (typeof options.secureProtocol === "string") return `tls.secureProtocol (${options.secureProtocol})`;
  return undefined;
}

/** The hint for a server that requires a client certificate. */
const CERT_REQUIRED = "the server requires a client certificate (tls.cert and tls.key)";
/** The hint for a server that refused the client certificate it was given. */
const CERT_REFUSED = "the server refused this client's certificate (tls.cert and tls.key: one the server accepts, with its chain)";

/**
 * TLS alerts by which a server refuses this client's certificate (the only certificate a
 * server checks) or asks for one: received during the handshake, or after it (a TLS 1.3
 * server checks the client's certificate once its side is done). Without a hint, "tlsv1
 * alert unknown ca" reads as if the server's CA were unknown here, and sends the user to
 * `tls.ca`.
 */
const CLIENT_CERT_ALERTS: ReadonlyMap<string, string> = new Map([
  ["ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED", CERT_REQUIRED],
  ["ERR_SSL_TLSV1_ALERT_UNKNOWN_CA", "the server does not trust the issuer of this client's certificate (tls.cert: one issued by a CA the server trusts, with its chain)"],
  ["ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE", CERT_REFUSED],
  ["ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN", CERT_REFUSED],
  ["ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE", "the server cannot use this client's certificate, of its type or key usage (tls.cert and tls.key)"],
  ["ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED", "the server says this client's certificate has expired (tls.cert)"],
  ["ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED", "the server says this client's certificate has been revoked (tls.cert)"],
]);

/**
 * What an alert received during the handshake says about this client's certificate, if
 * anything: {@link CLIENT_CERT_ALERTS}, and a TLS 1.2 server's handshake_failure when no
 * certificate was given (how OpenSSL refuses a client without one there; it also means no
 * cipher suite in common).
 */
function clientCertificateHint(code: string, options: DiagnosedOptions): string | undefined {
  const hint = alertHint(code, options);
  if (hint !== undefined) return hint;
  if (code !== "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE") return undefined;
  // a caller's own context may hold a certificate (Node then ignores tls.cert and tls.pfx)
  const own = ownContext(options);
  const certGiven = (options.cert !== undefined && options.cert !== null) || (options.pfx !== undefined && options.pfx !== null);
  if (certGiven && !own) return undefined;
  const [cert, ciphers] = own ? ["in the tls.secureContext given", "the tls.secureContext given sets those"] : ["tls.cert and tls.key", "tls.ciphers"];
  return `the server accepts nothing this client offered: it may require a client certificate (${cert}), or share no cipher suite with it (${ciphers})`;
}

/**
 * The {@link CLIENT_CERT_ALERTS} hint for the alert `code`, if any, as it applies to
 * `options`: with a caller's own `secureContext`, Node ignores `tls.cert` and `tls.key` (the
 * context holds the client's certificate, if any), so the hint names the context instead.
 */
function alertHint(code: string, options: DiagnosedOptions): string | undefined {
  const hint = CLIENT_CERT_ALERTS.get(code);
  if (hint === undefined || !ownContext(options)) return hint;
  return hint.replace(/\(tls\.cert(?: and tls\.key)?(?=[:)])/, "(in the tls.secureContext given");
}

/**
 * What a TLS error says, without OpenSSL's dump: its `reason` ("tlsv1 alert protocol
 * version") rather than a message that carries the library's source file, line and a
 * newline ("...:error:0A00042E:SSL routines:...rec_layer_s3.c:1601:SSL alert number 70").
 */
function reasonOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const { reason } = err as { reason?: unknown };
  return typeof reason === "string" && reason !== "" ? reason : err.message.trim();
}

/** Where the TLS was being set up, for the message. */
export type TLSMode = "implicit" | "starttls";

/** True for a TLS handshake error (Node's) that means the peer answered in plain text, not TLS. */
export function answeredInPlainText(err: unknown): boolean {
  return PLAINTEXT_PEER.has(errorCode(err)) || /wrong version number|packet length too long|unknown protocol/i.test(reasonOf(err));
}

/**
 * Wraps a TLS handshake error in an `SMTPException` whose message says what went wrong
 * and how to fix it; Node's error stays in `cause`. `options` are the TLS options the
 * handshake ran with: with `ca` given, an untrusted chain means that CA is not the one that
 * issued the server's certificate; `minVersion`/`maxVersion` (else Node's defaults) are
 * the versions named when the two ends have none in common, unless a caller's own
 * `secureContext` or `secureProtocol` sets them: that option is named instead; with `servername`
 * given, a certificate for another name says that it is the name to change.
 */
export function describeTLSError(err: unknown, host: string, port: number, mode: TLSMode, options: DiagnosedOptions = {}): SMTPException {
  const code = errorCode(err);
  const reason = reasonOf(err);
  const caGiven = options.ca !== undefined && options.ca !== null;
  const where = endpoint(host, port);
  if (answeredInPlainText(err)) {
    const hint = mode === "implicit"
      ? "this looks like a plain-text SMTP port (such as 25 or 587): connect with SMTP and call starttls() instead of SMTP_SSL"
      : "the server sent plain text instead of starting TLS after agreeing to STARTTLS (a broken server, or data injected after its reply)";
    return new SMTPException(`TLS handshake with ${where} failed: ${hint} (${code || reason})`, { cause: err });
  }
  if (code === NO_SERVERNAME) {
    return new SMTPException(
      `TLS certificate of ${where} cannot be verified: there is no host name to check it against. Set tls.servername to the name the certificate carries, or (insecure) tls.rejectUnauthorized: false`,
      { cause: err },
    );
  }
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID" || code === "HOSTNAME_MISMATCH") {
    // the name checked is tls.servername when given (not the host): advise changing it, not setting it
    const servername = typeof options.servername === "string" && options.servername !== "" ? options.servername : undefined;
    // Node's reason for an IP address and a certificate with none ends in an empty list ("...list: ")
    const said = reason.replace(/^(IP: \S+ is not in the cert's list):\s*$/, "$1 (it names no IP address)");
    const fix = servername === undefined
      ? `does not match the host name: ${said}. Connect with the name the certificate carries, or set tls.servername to it`
      // a Unix socket has no host name to check without it (see NO_SERVERNAME)
      : `does not match tls.servername (${servername}): ${said}. Set tls.servername to a name the certificate carries${host.startsWith("/") ? "" : ` (or leave it out to check ${quoted(host)})`}`;
    return new SMTPException(`TLS certificate of ${where} ${fix}`, { cause: err });
  }
  const validity = CERT_VALIDITY.get(code);
  if (validity !== undefined) {
    const [what, fix] = validity;
    return new SMTPException(`TLS certificate of ${where} ${what}: ${reason} (${code}). ${fix}, or (insecure) set tls.rejectUnauthorized: false`, { cause: err });
  }
  if (CERT_CODES.has(code)) {
    // A caller's own context holds the CAs (Node then ignores tls.ca): the advice names it.
    const fix = ownContext(options)
      ? "The tls.secureContext given did not verify it: give one whose CAs (ca) include the one that issued the server's certificate chain"
      : caGiven ? "The CA given as tls.ca did not verify it: give the CA that issued the server's certificate chain" : "Pass the issuing CA as tls.ca";
    return new SMTPException(`TLS certificate verification failed for ${where}: ${reason} (${code}). ${fix}, or (insecure) tls.rejectUnauthorized: false`, { cause: err });
  }
  if (code === "ECONNRESET" || code === "EPIPE" || /socket disconnected|ECONNRESET/i.test(reason)) {
    return new SMTPServerDisconnected(`Connection to ${where} closed during the TLS handshake: ${reason}`, { cause: err });
  }
  if (code === "ERR_SSL_LEGACY_SIGALG_DISALLOWED_OR_UNSUPPORTED") {
    // What a client whose tls.minVersion was lowered for a TLS 1.0/1.1 server gets next (OpenSSL 3's security level 1)
    return new SMTPException(`TLS handshake with ${where} failed: the server signs its handshake with SHA-1 or MD5 (as TLS 1.0 and 1.1 do), which OpenSSL refuses at its default security level (${reason}, ${code}). ${LEGACY_FIX}`, { cause: err });
  }
  const certHint = clientCertificateHint(code, options);
  if (certHint !== undefined) return new SMTPException(`TLS handshake with ${where} failed: ${certHint} (${reason}, ${code})`, { cause: err });
  if (NO_COMMON_VERSION.has(code)) {
    const setBy = versionsSetBy(options);
    const range = `${options.minVersion ?? tls.DEFAULT_MIN_VERSION} to ${options.maxVersion ?? tls.DEFAULT_MAX_VERSION}`;
    const fix = setBy === undefined
      ? `this client allows ${range}. Set tls.minVersion or tls.maxVersion to a version the server speaks (a server that speaks only TLS 1.0 or 1.1 is outdated: lower tls.minVersion only if it cannot be upgraded, and give tls.ciphers: "DEFAULT@SECLEVEL=0" with it, without which OpenSSL refuses those versions)`
      : `this client allows the versions that ${setBy} allows. Give one that allows a version the server speaks (a server that speaks only TLS 1.0 or 1.1 is outdated: allow those only if it cannot be upgraded)`;
    return new SMTPException(`TLS handshake with ${where} failed: the server and this client have no TLS version in common (${reason}, ${code}): ${fix}`, { cause: err });
  }
  return new SMTPException(`TLS handshake with ${where} failed: ${reason}${code ? ` (${code})` : ""}`, { cause: err });
}

/**
 * The error for a connection the server ended with a TLS alert after the handshake (a
 * TLS 1.3 server checks the client's certificate only then, so a server that requires one
 * completes the handshake and then sends `certificate_required`, or an alert refusing the
 * one it was given, such as `unknown_ca`: both name `tls.cert`, or the caller's own
 * `tls.secureContext` when `options`, the TLS options in use, hold one); `null` when `err`
 * is not such an alert. Without it the close reads as "closed before its greeting" or "closed".
 */
export function describeTLSAlert(err: Error | undefined, host: string, port: number, options: DiagnosedOptions = {}): SMTPServerDisconnected | null {
  const code = errorCode(err);
  if (err === undefined || !/^ERR_SSL_\w*ALERT/.test(code)) return null;
  const what = reasonOf(err);
  const about = alertHint(code, options);
  const hint = about === undefined ? "" : `: ${about}`;
  return new SMTPServerDisconnected(`Connection to ${endpoint(host, port)} closed by the server with a TLS alert (${what}, ${code})${hint}`, { cause: err });
}

/**
 * The message for a plain-text client that reached what looks like an implicit-TLS port.
 * For LMTP (`lmtp`), which has no implicit TLS (no LMTP class or port speaks TLS from the
 * first byte), the advice is STARTTLS on an LMTP port, not SMTP_SSL, which speaks SMTP.
 */
export function implicitTLSPortMessage(host: string, port: number, lmtp = false): string {
  const advice = lmtp
    ? "this looks like an implicit-TLS port, and smtplib speaks LMTP over TLS only with STARTTLS: connect to an LMTP port of the server that offers STARTTLS, with requireTLS: true"
    : "this looks like an implicit-TLS port (such as 465): use SMTP_SSL";
  return `${endpoint(host, port)} sent no greeting but completes a TLS handshake: ${advice}`;
}

/**
 * The message for a client that reached a port whose server sends no greeting and answers
 * with plain text that is no SMTP reply (`answer`, its first line): an HTTP server's
 * "HTTP/1.1 400 Bad Request", say. No greeting will come: the host or port is wrong.
 */
export function notSMTPPortMessage(host: string, port: number, answer: string): string {
  return `${endpoint(host, port)} sent no greeting, and answered a second connection with ${notSMTPVerdict(answer)}`;
}

/**
 * The message for an `SMTP_SSL` client whose handshake the server answered in plain text
 * that is no SMTP reply (`answer`, its first line, as a second connection saw it; `code`,
 * Node's error code): not a plain-text SMTP port, where `describeTLSError` sends the
 * caller, but no SMTP server at all (an HTTP server).
 */
export function notSMTPTLSMessage(host: string, port: number, answer: string, code: string): string {
  return `TLS handshake with ${endpoint(host, port)} failed: it answered in plain text, ${notSMTPVerdict(answer)} (${code})`;
}

/** `answer`, a server's line that is no SMTP reply, quoted as the messages above quote it (the server's words in them). */
export function quotedAnswer(answer: string): string {
  return quoted(answer, 80);
}

/** `answer` quoted, and what it says of the server: it is no SMTP reply, so check the host and port. */
function notSMTPVerdict(answer: string): string {
  const what = /^HTTP\/\d/.test(answer) ? "an HTTP server, not an SMTP server" : "not an SMTP server";
  return `${quotedAnswer(answer)}, which is no SMTP reply: this looks like ${what}. Check the host and port`;
}
