/**
 * The types of the debugging server's options, checked when it starts: a caller without a
 * type checker (plain JavaScript, a parsed config) gets a TypeError naming the option, as the
 * client's options give, not a server that starts and then does something else than asked
 * (`lmtp: "false"` served LMTP, `refuseSenders: "a@x.org"` refused each of its characters,
 * `tls: {}` served smtp-server's built-in, public key) or crashes the process later
 * (`onTranscript: "x"` threw an uncaught TypeError at the first transcript line).
 * Pure: no I/O.
 * @module
 */

import { describeType, describeValue, quoted } from "../error-text.js";
import { checkBoolean, checkFunction, checkLocalHostname, checkNumber, checkPort, optionsObject } from "../option-checks.js";
import { isDomainSyntax } from "../protocol/domain.js";
import type { DebugAuthMethod } from "./options.js";

/** Options that are numbers (their ranges are checked where they are read). */
const NUMBERS = ["size", "maxClients", "maxRecipients", "keepBytes"] as const;
/** Options that are functions (the CLI's hooks included). */
const FUNCTIONS = ["onMessage", "onTranscript", "onMessageStart", "onMessageData", "onMessageEnd"] as const;
/** Options that are lists of refusals. */
const REFUSALS = ["refuseSenders", "refuseRecipients", "refuseAfterData"] as const;

/** The mechanisms smtp-server implements: it would advertise any other name, then answer its AUTH 504. */
const AUTH_METHODS: readonly DebugAuthMethod[] = ["PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2"];

/**
 * Checks `auth.methods`: at least one name (smtp-server offers LOGIN and PLAIN for none), each
 * a mechanism of {@link AUTH_METHODS} in any case (smtp-server upper-cases them), once, and
 * with no whitespace or control character (a CR LF would be a line of its own in the EHLO
 * reply, a space another mechanism). @throws TypeError
 */
function checkAuthMethods(methods: unknown): void {
  if (methods === undefined || methods === null) return;
  if (!Array.isArray(methods)) throw new TypeError(`auth.methods must be an array of mechanism names, got ${describeValue(methods)}`);
  const known = AUTH_METHODS.join(", ");
  if (methods.length === 0) throw new TypeError(`auth.methods names no mechanism (smtp-server would offer LOGIN and PLAIN): name one or more of ${known}, or leave auth.methods out for PLAIN, LOGIN and CRAM-MD5`);
  const seen = new Set<string>();
  for (const method of methods as unknown[]) {
    if (typeof method !== "string") throw new TypeError(`auth.methods: each entry must be a mechanism name, got ${describeValue(method)}`);
    // eslint-disable-next-line no-control-regex
    if (/[\s\u0000-\u001f\u007f]/.test(method)) throw new TypeError(`auth.methods: ${quoted(method, 40)} is no mechanism name: it holds whitespace or a control character (the EHLO reply's AUTH line would carry it); known: ${known}`);
    const name = method.toUpperCase();
    if (!(AUTH_METHODS as readonly string[]).includes(name)) throw new TypeError(`auth.methods: unknown mechanism ${quoted(method, 40)} (the server would offer it and refuse it); known: ${known}`);
    if (seen.has(name)) throw new TypeError(`auth.methods names ${name} twice`);
    seen.add(name);
  }
}

/** The longest Unix socket path, in bytes, the system takes (its `sun_path` less the NUL). */
const MAX_SOCKET_PATH = process.platform === "darwin" ? 103 : 107;

/**
 * Checks `path` (a Unix socket to listen on): a string that names a file (not empty, no NUL
 * byte, at most {@link MAX_SOCKET_PATH} bytes), and neither `host` nor `port` beside it (which
 * would be dropped unseen). @throws TypeError; RangeError for a path too long
 */
function checkSocketPath(options: Readonly<Record<string, unknown>>): void {
  const path = options["path"];
  if (path === undefined) return;
  if (typeof path !== "string" || path === "" || path.includes("\0")) {
    throw new TypeError(`path must name a Unix socket file (a string, not empty, with no NUL byte), got ${describeValue(path)}`);
  }
  // sun_path holds 108 bytes on Linux, 104 on macOS, NUL included: libuv cut a longer path
  // short, so the socket was made under another name and left behind on close
  const bytes = Buffer.byteLength(path);
  if (bytes > MAX_SOCKET_PATH) throw new RangeError(`path is ${bytes} bytes long; a Unix socket's path holds at most ${MAX_SOCKET_PATH}: use a shorter one`);
  const beside = ["host", "port"].filter((key) => options[key] !== undefined);
  if (beside.length > 0) throw new TypeError(`path (a Unix socket) and ${beside.join(" and ")} (a TCP address) cannot go together: give one or the other`);
}

/** RFC 5321 §4.5.3.1.2: a domain has 255 octets at most. */
const MAX_NAME = 255;

/** An address literal (`[192.0.2.1]`, `[IPv6:::1]`, RFC 5321 §4.1.3), by its brackets and printable ASCII within. */
const ADDRESS_LITERAL = /^\[[!-Z^-~]+\]$/;

/**
 * Checks `name` (in the greeting and the EHLO reply, RFC 5321 §4.3.1, §4.1.1.1): as a client's
 * name (a string without whitespace or control characters, ASCII), then a domain or an
 * address literal of 255 octets at most, so that no greeting is odd (`220  ESMTP`, `220 -.
 * ESMTP`) and none passes the 512 octets of a reply line (RFC 5321 §4.5.3.1.5).
 * @throws TypeError; RangeError for an empty or longer name
 */
function checkServerName(value: unknown): void {
  const name = checkLocalHostname(value, "name");
  if (name === null) return;
  if (name.length === 0 || name.length > MAX_NAME) throw new RangeError(`name must be a domain of 1 to ${MAX_NAME} octets (RFC 5321 §4.5.3.1.2), got ${name.length}; leave it out for smtplib-debug`);
  if (!isDomainSyntax(name) && !ADDRESS_LITERAL.test(name)) throw new TypeError(`name must be a domain (letters, digits and hyphens in dot-separated labels of 63 octets at most, none starting or ending with a hyphen) or an address literal ([192.0.2.1]), got ${quoted(name, 80)}`);
}

/** A key or certificate as Node's TLS takes it from a file's contents: a string or bytes. */
function isPem(value: unknown): boolean {
  return typeof value === "string" || value instanceof Uint8Array;
}

/** `options[key]` when it is absent or an object (not an array, nor `null`), for its own keys to be checked. @throws TypeError */
function nested(options: Readonly<Record<string, unknown>>, key: string): Readonly<Record<string, unknown>> {
  return optionsObject(options[key], key);
}

/**
 * The longest refusal text: a reply line has 512 octets at most, CRLF included (RFC 5321
 * §4.5.3.1.5), after the code and smtp-server's enhanced status code (`556 5.1.10 `, its longest).
 */
const MAX_REFUSAL_TEXT = 512 - "556 5.1.10 ".length - 2;

/**
 * A refusal's text, sent as one reply line: no control character (smtp-server would make a CR
 * LF a space without a word, the line the caller wrote not the one sent) and
 * {@link MAX_REFUSAL_TEXT} octets at most. @throws TypeError; RangeError for a longer text
 */
function checkRefusalText(message: string, key: string): void {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(message)) throw new TypeError(`${key}: the message of a refusal is one reply line, without CR, LF or another control character, got ${quoted(message, 80)}`);
  const octets = Buffer.byteLength(message, "utf8");
  if (octets > MAX_REFUSAL_TEXT) throw new RangeError(`${key}: the message of a refusal has ${octets} octets, over the ${MAX_REFUSAL_TEXT} a reply line leaves it (RFC 5321 §4.5.3.1.5: 512 with the code and CRLF)`);
}

/** Checks a refusal list's shape: an array (its entries are checked by `refusalMap`), each refusal's code a number and message a string. @throws TypeError */
function checkRefusals(options: Readonly<Record<string, unknown>>, key: string): void {
  const list = options[key];
  if (list === undefined) return;
  if (!Array.isArray(list)) throw new TypeError(`${key} must be an array of addresses or refusals ({ address, code, message }), got ${describeValue(list)}`);
  for (const entry of list as unknown[]) {
    if (typeof entry !== "object" || entry === null) continue; // a string, or refused by refusalMap naming the entry
    const { code, message } = entry as { code?: unknown; message?: unknown };
    if (code !== undefined && code !== null) checkNumber(code, `${key}: the code of a refusal`);
    if (message !== undefined && message !== null && typeof message !== "string") {
      throw new TypeError(`${key}: the message of a refusal must be a string, got ${describeValue(message)}`);
    }
    if (typeof message === "string") checkRefusalText(message, key);
  }
}

/**
 * Checks the type of each option the debugging server takes (`options` without its nulls,
 * its keys known): a TypeError naming the first that has the wrong type. Ranges (a port
 * above 65535, a `maxClients` of 0) are RangeErrors, here for the port and where the others
 * are read.
 * @throws TypeError, RangeError
 */
export function checkDebugServerTypes(options: Readonly<Record<string, unknown>>): void {
  if (options["host"] !== undefined && typeof options["host"] !== "string") throw new TypeError(`host must be a string, got ${describeValue(options["host"])}`);
  if (options["port"] !== undefined) checkPort(options["port"], "port");
  checkSocketPath(options);
  // in the greeting and the EHLO reply: a domain, as a client's name (a CR LF in it would be a reply of its own)
  checkServerName(options["name"]);
  for (const key of ["lmtp", "keepMessages", "keepTranscript"]) checkBoolean(options, key);
  for (const key of NUMBERS) if (options[key] !== undefined) checkNumber(options[key], key);
  for (const key of FUNCTIONS) checkFunction(options, key);
  for (const key of REFUSALS) checkRefusals(options, key);
  const extensions = nested(options, "extensions");
  for (const key of Object.keys(extensions)) checkBoolean(extensions, key, "extensions.");
  const auth = nested(options, "auth");
  if (options["auth"] !== undefined) {
    const users = auth["users"];
    if (typeof users !== "object" || users === null || Array.isArray(users)) {
      throw new TypeError(`auth.users must be an object of user names and their passwords, got ${describeValue(users)}`);
    }
    for (const [user, password] of Object.entries(users)) {
      // not quoted: it is a password
      if (typeof password !== "string") throw new TypeError(`auth.users: the password of ${JSON.stringify(user)} must be a string, got ${password === null ? "null" : typeof password}`);
    }
    checkAuthMethods(auth["methods"]);
    checkBoolean(auth, "required", "auth.");
    checkBoolean(auth, "allowInsecure", "auth.");
  }
  const tls = nested(options, "tls");
  if (options["tls"] !== undefined && (!isPem(tls["key"]) || !isPem(tls["cert"]))) {
    // without them smtp-server serves its built-in key, which is public; neither is quoted (a key is secret)
    throw new TypeError(`tls needs a key and a cert (each a string or bytes in PEM form), got key ${describeType(tls["key"])} and cert ${describeType(tls["cert"])}`);
  }
}
