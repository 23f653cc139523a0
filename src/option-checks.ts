/**
 * Checks of the option objects a caller passes (the client's, a call's, `login()`'s): a
 * caller without a type checker gets a TypeError or RangeError that names the option,
 * before anything is sent, never a crash deep inside or a value silently taken for another
 * (`allowInsecureAuth: "false"` is not `true`, `requireTls` is not `requireTLS`). No I/O.
 * @module
 */

// The default export for the calls, which tests instrument (tls.createSecureContext); the
// types by name, so that the declarations need no default import (esModuleInterop).
import { isIP } from "node:net";
import tls from "node:tls";
import type { ConnectionOptions, SecureContext, SecureContextOptions } from "node:tls";
import { domainToASCII } from "node:url";
import { didYouMean } from "./did-you-mean.js";
import { describeValue } from "./errors.js";
import { isAscii } from "./protocol/commands.js";
import { checkALPNProtocols } from "./tls-alpn.js";
import { checkTakenTLSKeys } from "./tls-taken-keys.js";

/**
 * `value` as an options object: `undefined` is none (`{}`); `null`, an array or anything
 * that is not an object is a TypeError naming `what`.
 */
export function optionsObject(value: unknown, what: string): Readonly<Record<string, unknown>> {
  if (value === undefined) return {};
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new TypeError(`${what} must be an object, got ${describeValue(value)}`);
  }
  return value as Record<string, unknown>;
}

/**
 * A copy of `options` without the keys whose value is `null` or `undefined`: `null` is
 * Python's `None`, "not given" (`localHostname: null`, `tls: null`), never a value that a
 * later `options.x !== undefined` would take for one.
 */
export function withoutNulls(options: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== null && v !== undefined));
}

/**
 * Every key of `T` (optional ones included), each once, as an object literal's type: with
 * `satisfies AllKeys<T>`, the compiler refuses a literal that misses a key of `T` or has one
 * `T` lacks, so that a list of known option keys (see {@link keysOf}) cannot fall behind its
 * interface (an option added there and not to the list would be refused as unknown).
 */
export type AllKeys<T> = Readonly<Record<keyof T, true>>;

/** The keys of `known` (an {@link AllKeys} literal), in its order, typed as `T`'s keys. */
export function keysOf<T extends object>(known: T): (keyof T & string)[] {
  return Object.keys(known) as (keyof T & string)[];
}

/**
 * Refuses a key of `options` that is not in `known`, as Python refuses an unexpected
 * keyword argument: a misspelt option (`requireTls`, `sigal`) would otherwise be ignored
 * without a word, and with it the protection the caller asked for. The message names the
 * key meant when one is near (`timout`: did you mean "timeout"?, see `didYouMean`); `hints`
 * says what to do instead of an option known elsewhere (Nodemailer's `secure`, `auth`).
 * @throws TypeError
 */
export function checkKnownKeys(options: object, known: readonly string[], what: string, hints: Readonly<Record<string, string>> = {}): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const hint = Object.hasOwn(hints, key) ? ` (${hints[key]!})` : didYouMean(key, known);
    throw new TypeError(`unknown ${what} ${JSON.stringify(key)}${hint}; known: ${known.join(", ")}`);
  }
}

/**
 * Checks that `options[key]` is absent (`undefined` or `null`: the option's default) or a
 * boolean. @throws TypeError
 */
export function checkBoolean(options: Readonly<Record<string, unknown>>, key: string, prefix = ""): void {
  const value = options[key];
  if (value !== undefined && value !== null && typeof value !== "boolean") {
    throw new TypeError(`${prefix}${key} must be true or false, got ${describeValue(value)}`);
  }
}

/** Checks that `options[key]` is absent (`undefined` or `null`) or a function. @throws TypeError */
export function checkFunction(options: Readonly<Record<string, unknown>>, key: string, prefix = ""): void {
  const value = options[key];
  if (value !== undefined && value !== null && typeof value !== "function") {
    throw new TypeError(`${prefix}${key} must be a function, got ${describeValue(value)}`);
  }
}

/** TLS options that do not go into the TLS context (checked above, or read by `tls.connect` alone). */
const NOT_CONTEXT_KEYS = new Set(["servername", "checkServerIdentity", "rejectUnauthorized", "session", "ALPNProtocols", "minDHSize"]);

/** The TLS contexts built here from a caller's options (not a caller's own `secureContext`). */
const builtContexts = new WeakSet<SecureContext>();

/**
 * True when `context` was built here from the caller's TLS options (`minVersion`,
 * `maxVersion` and the rest are then what it uses), not given by the caller as their own.
 */
export function isBuiltContext(context: SecureContext): boolean {
  return builtContexts.has(context);
}

/**
 * The TLS context {@link checkTLSOptions} built from an options object, with a copy of the
 * values it was built from (see {@link snapshot}): used only while the object still holds those values.
 */
const checkedContexts = new WeakMap<object, { readonly context: SecureContext; readonly values: Readonly<Record<string, unknown>> }>();

/** The options in `options` that go into a TLS context: not {@link NOT_CONTEXT_KEYS}, without `null`s. */
function contextEntries(options: Readonly<Record<string, unknown>>): [string, unknown][] {
  return Object.entries(withoutNulls(options)).filter(([key]) => !NOT_CONTEXT_KEYS.has(key));
}

/** A copy of bytes (a Buffer, any typed array) that an option held: they may be changed in place. */
class BytesCopy {
  constructor(readonly bytes: Buffer) {}
}

/** How deep a context option nests (`key: [{ pem: Buffer }]`): deeper is not reused. */
const SNAPSHOT_DEPTH = 4;

/**
 * A copy of the context options in `options` (those not in {@link NOT_CONTEXT_KEYS}, without
 * `null`s) deep enough to tell a change made in place later: an array (`ca`), a plain object
 * (`{ pem, passphrase }`) and bytes (a `Buffer` key) are copied; strings, numbers and other
 * objects are kept as they are (compared by identity). `undefined` when they nest too deep.
 */
function snapshot(options: Readonly<Record<string, unknown>>): Record<string, unknown> | undefined {
  const copy = (value: unknown, depth: number): unknown => {
    if (typeof value !== "object" || value === null) return value;
    if (depth > SNAPSHOT_DEPTH) throw new RangeError("too deep");
    if (ArrayBuffer.isView(value)) return new BytesCopy(Buffer.from(Buffer.from(value.buffer, value.byteOffset, value.byteLength)));
    if (Array.isArray(value)) return value.map((v) => copy(v, depth + 1));
    if (!isPlainObject(value)) return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copy(v, depth + 1)]));
  };
  try {
    return Object.fromEntries(contextEntries(options).map(([key, value]) => [key, copy(value, 0)]));
  } catch {
    return undefined;
  }
}

/** True when `now` holds what `then` (from {@link snapshot}) copied: same bytes, same items, same keys. */
function sameAsSnapshot(now: unknown, then: unknown): boolean {
  if (then instanceof BytesCopy) {
    return ArrayBuffer.isView(now) && then.bytes.equals(Buffer.from(now.buffer, now.byteOffset, now.byteLength));
  }
  if (Array.isArray(then)) {
    return Array.isArray(now) && now.length === then.length && then.every((item, i) => sameAsSnapshot(now[i], item));
  }
  if (typeof then === "object" && then !== null && isPlainObject(then)) {
    if (typeof now !== "object" || now === null || !isPlainObject(now) || ArrayBuffer.isView(now) || Array.isArray(now)) return false;
    const keys = Object.keys(then);
    return Object.keys(now).length === keys.length && keys.every((k) => Object.hasOwn(now, k) && sameAsSnapshot((now as Record<string, unknown>)[k], (then as Record<string, unknown>)[k]));
  }
  return now === then;
}

/** An object made by `{ ... }` (or with no prototype): not a class instance such as a KeyObject. */
function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * The TLS context for `options`: the one built from them before (by {@link checkTLSOptions}
 * or an earlier call) while none of the values that go into it has changed since, not even
 * in place (a `ca` array, the bytes of a `key`); else one built now, and kept for the next
 * connection. `undefined` when the options make none (a caller's own `secureContext`, or no
 * option that goes into a context): `tls.connect` then does as it would.
 * @throws TypeError, with Node's error as `cause`, for options it cannot build a context
 * from (changed since the check: a key replaced by one that cannot be read).
 */
function checkedContext(options: ConnectionOptions): SecureContext | undefined {
  const checked = checkedContexts.get(options);
  if (checked !== undefined && unchanged(options as Record<string, unknown>, checked.values)) return checked.context;
  const built = buildContext(options as Record<string, unknown>, "tls");
  if (built === undefined) checkedContexts.delete(options);
  else if (built.values !== undefined) checkedContexts.set(options, { context: built.context, values: built.values });
  return built?.context;
}

/**
 * `options` for `tls.connect`, with {@link checkedContext} as `secureContext` (Node would
 * build the same context again, 0.2 to 1 ms, per client and per STARTTLS). The options that
 * do not go into a context (`servername`, `checkServerIdentity`, `rejectUnauthorized`, ...)
 * apply as they are now. @throws TypeError as `checkedContext` does.
 */
export function withCheckedContext(options: ConnectionOptions): ConnectionOptions {
  const context = checkedContext(options);
  return context === undefined ? options : { ...options, secureContext: context };
}

/** True when the context options in `options` are those `values` (from {@link snapshot}) copied. */
function unchanged(options: Readonly<Record<string, unknown>>, values: Readonly<Record<string, unknown>>): boolean {
  const now = contextEntries(options);
  if (now.length !== Object.keys(values).length) return false;
  return now.every(([key, value]) => Object.hasOwn(values, key) && sameAsSnapshot(value, values[key]));
}

/**
 * The TLS context `options` make, with a {@link snapshot} of the values it was made from
 * (`undefined` when they nest too deep to copy); `undefined` when they make none: a
 * caller's own `secureContext` is used as it is (Node ignores the options that would make
 * one), and options with nothing that goes into a context (the usual case: no tls options
 * at all) leave it to Node. @throws TypeError, with Node's error as `cause`.
 */
function buildContext(options: Readonly<Record<string, unknown>>, what: string): { context: SecureContext; values: Record<string, unknown> | undefined } | undefined {
  if (options["secureContext"] !== undefined && options["secureContext"] !== null) return undefined;
  const given = withoutNulls(options);
  if (Object.keys(given).every((key) => NOT_CONTEXT_KEYS.has(key))) return undefined;
  try {
    const context = tls.createSecureContext(given as SecureContextOptions);
    builtContexts.add(context);
    return { context, values: snapshot(options) };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // Node's type error quotes the value ("Received type number (20251201)"): for a key, a
    // PFX or a passphrase (read from a configuration file as a number) that is the secret,
    // so the message keeps its type only, and Node's error, which has it, is not the cause.
    // eslint-disable-next-line preserve-caught-error -- its message holds the secret
    if (SECRET_OPTION.test(message)) throw new TypeError(`${what} options cannot make a TLS context: ${message.replace(/ \(.*\)$/s, "")}`);
    throw new TypeError(`${what} options cannot make a TLS context: ${message}`, { cause: err });
  }
}

/** Node's type error about a TLS option that holds a secret or key material (see {@link buildContext}). */
const SECRET_OPTION = /^The "options\.(?:key|pfx|passphrase)" property .* Received type \w+ \(/s;

/** What no host name holds: whitespace (Unicode's too) or a control character (C0, DEL, C1). */
// eslint-disable-next-line no-control-regex
export const NOT_IN_A_NAME = /[\s\u0000-\u001f\u007f-\u009f]/u;

/**
 * Checks the `tls` options that this library reads or that Node applies only once the
 * socket exists, where a wrong type would fail after connecting had begun or crash the
 * process in the middle of the handshake: `servername` a string, `checkServerIdentity` a
 * function (`null` for either: not given); `servername` no bracketed address (`"[::1]"`); no
 * option the client sets itself or would not take (see `checkTakenTLSKeys`). The others make the TLS context, which Node
 * builds in `tls.connect`: for STARTTLS only after the server's 220, which a bad cipher
 * list or key would then cost the connection. So it is built here, and kept for the
 * connection to use (see {@link checkedContext}).
 * @throws TypeError, with Node's error as `cause` for options it cannot build a context from.
 */
export function checkTLSOptions(value: unknown, what = "tls"): void {
  const options = optionsObject(value, what);
  checkTakenTLSKeys(options, what);
  const name = options["servername"];
  if (name !== undefined && name !== null && typeof name !== "string") {
    throw new TypeError(`${what}.servername must be a string, got ${describeValue(name)}`);
  }
  // Sent as SNI in the handshake's first bytes: a name never holds whitespace or a control character (CR/LF injection).
  if (typeof name === "string" && NOT_IN_A_NAME.test(name)) {
    throw new TypeError(`${what}.servername must be a host name, without whitespace or control characters: ${JSON.stringify(name.slice(0, 80))}`);
  }
  // SNI and the certificate check take its A-labels (RFC 6066 §3): a non-ASCII name with none
  // (a lone surrogate, a character no domain holds) was sent as it is, a lone surrogate as U+FFFD
  if (typeof name === "string" && !isAscii(name) && domainToASCII(name) === "") {
    throw new TypeError(`${what}.servername is no internationalised domain name (it has no A-label form to send as SNI): ${JSON.stringify(name.slice(0, 80))}`);
  }
  // No host name holds a bracket; an address in brackets ("[::1]", as in a URL or an address
  // literal) is no IP address to Node, which would send it as SNI.
  if (typeof name === "string" && /[[\]]/.test(name)) throw new TypeError(`${what}.servername ${JSON.stringify(name.slice(0, 80))} is in brackets${bracketedServerNameAdvice(name)}`);
  checkFunction(options, "checkServerIdentity", `${what}.`);
  checkConnectOptions(options, what);
  // A caller's own secureContext is used as it is: Node ignores ca then (see buildContext).
  if (options["secureContext"] === undefined || options["secureContext"] === null) checkCa(options["ca"], what);
  const built = buildContext(options, what);
  if (built?.values !== undefined) checkedContexts.set(options, { context: built.context, values: built.values });
}

/** Node's class of TLS contexts (`tls.createSecureContext()` makes one), which `secureContext` must be. */
const SecureContextClass = (tls as unknown as { SecureContext?: abstract new (...args: never[]) => SecureContext }).SecureContext;

/**
 * Checks the TLS options that `tls.connect` reads only once the socket exists, outside the
 * context: for STARTTLS after the server's 220, where a wrong type failed the handshake with
 * the command sent and the connection lost ("Must give a Buffer as first argument", or an
 * assertion of Node's own for a `minDHSize` string). `null` for any: not given.
 * @throws TypeError; RangeError for a `minDHSize` that is not positive.
 */
function checkConnectOptions(options: Readonly<Record<string, unknown>>, what: string): void {
  const { ALPNProtocols: alpn, session, minDHSize, secureContext } = options;
  checkALPNProtocols(alpn, what);
  if (session !== undefined && session !== null && !ArrayBuffer.isView(session)) throw new TypeError(`${what}.session must be bytes (a Buffer from a session event), got ${describeValue(session)}`);
  if (minDHSize !== undefined && minDHSize !== null) {
    checkNumber(minDHSize, `${what}.minDHSize`);
    if (!(minDHSize > 0)) throw new RangeError(`${what}.minDHSize must be a positive number of bits, got ${minDHSize}`);
  }
  // (a Node without the class exported checks nothing here rather than fail every caller)
  if (secureContext !== undefined && secureContext !== null && SecureContextClass !== undefined && !(secureContext instanceof SecureContextClass)) {
    throw new TypeError(`${what}.secureContext must be a context made by tls.createSecureContext(), got ${describeValue(secureContext)}`);
  }
  checkBoolean(options, "rejectUnauthorized", `${what}.`);
}

/**
 * Why a `servername` with a bracket is refused, after "... is in brackets": the address to
 * give instead when it holds one (`"[::1]"`, `"[IPv6:::1]"`), else that no host name holds
 * brackets. Shared by `tls.servername` and the CLI's `--servername`.
 */
export function bracketedServerNameAdvice(name: string): string {
  const inner = name.replace(/^\[(?:IPv6:)?|\]$/gi, "");
  return isIP(inner) !== 0 ? `: give the address without brackets, ${JSON.stringify(inner)} (no SNI is sent for an IP address; the certificate is checked against it)` : ": a host name holds no brackets";
}

/** What OpenSSL reads a CA certificate from; Node passes over anything else in `ca` without a word. */
const PEM_CERTIFICATE = /-----BEGIN (TRUSTED |X509 )?CERTIFICATE-----/;

/**
 * Checks that each string or bytes of a `ca` option holds a PEM certificate. Node ignores
 * what is not PEM (a DER `.cer` file, a key, an empty string) and then trusts no CA at all,
 * so every handshake would fail with advice to give the CA as `tls.ca`, which the caller
 * did. Other types are left to Node's own check. @throws TypeError
 */
function checkCa(value: unknown, what: string): void {
  const items: readonly unknown[] = Array.isArray(value) ? value : [value];
  items.forEach((item, i) => {
    const text = typeof item === "string" ? item : ArrayBuffer.isView(item) ? Buffer.from(item.buffer, item.byteOffset, item.byteLength).toString("latin1") : undefined;
    if (text === undefined || PEM_CERTIFICATE.test(text)) return;
    const name = `${what}.ca${Array.isArray(value) ? `[${i}]` : ""}`;
    throw new TypeError(`${name} holds no PEM certificate (-----BEGIN CERTIFICATE-----), and Node would ignore it and trust no CA: a DER file (.der, .cer) converts with "openssl x509 -inform der -in ca.der -out ca.pem"`);
  });
}

/**
 * Checks that `value` is a number (`name` names it in the message): a string such as
 * `"4"` is a TypeError, never read as one, nor reported as a range error that shows `4`.
 * @throws TypeError
 */
export function checkNumber(value: unknown, name: string): asserts value is number {
  if (typeof value !== "number") throw new TypeError(`${name} must be a number, got ${describeValue(value)}`);
}

/** A URL's scheme at the start of a host (`smtps://`, as Nodemailer takes a server): refused as a host by `connect()` and the CLI's server flags. */
export const URL_SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/**
 * Checks a TCP port (`name` names it in the message): a number (a string such as `"25"` is
 * a TypeError, not read as one), an integer from 0 to 65535.
 * @throws TypeError, RangeError
 */
export function checkPort(value: unknown, name: string): number {
  checkNumber(value, name);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new RangeError(`${name} must be an integer from 0 to 65535, got ${value}`);
  return value;
}

/**
 * Checks that `value` is absent (`undefined` or `null`) or an `AbortSignal` (`what` names
 * it): anything else would fail later with an unrelated message, or, when falsy (`0`,
 * `""`), quietly mean no signal at all. @throws TypeError
 */
export function checkSignal(value: unknown, what: string): void {
  if (value !== undefined && value !== null && !(value instanceof AbortSignal)) {
    throw new TypeError(`${what} must be an AbortSignal, got ${describeValue(value)}`);
  }
}

/**
 * A name for HELO/EHLO/LHLO, as given to the constructor, set on `localHostname` or passed
 * to `helo()`/`ehlo()`: a string without whitespace, CR, LF, NUL or any other control character
 * (RFC 5321 §4.1.1.1: a domain or an address literal) and ASCII (an IDN as A-labels), or `null`/`undefined` for
 * the computed one.
 * @throws TypeError
 */
export function checkLocalHostname(name: unknown, what = "localHostname"): string | null {
  if (name === null || name === undefined) return null;
  if (typeof name !== "string") throw new TypeError(`${what} must be a string, got ${describeValue(name)}`);
  if (/[\r\n\0\s]/.test(name)) throw new TypeError(`${what} must not contain whitespace, CR, LF or NUL`);
  // Nor any other control character (ESC, DEL, ...): no domain or address literal holds one
  // (RFC 5321 §4.1.2), and a server would log it raw. The name is not quoted: it is unprintable.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new TypeError(`${what} must not contain control characters (a domain or an address literal has none)`);
  // EHLO takes no SMTPUTF8 (RFC 6531 §3.7.1: A-labels there); the wire check would say
  // only that non-ASCII text "needs an SMTPUTF8 transaction", which EHLO never is in.
  if (!isAscii(name)) {
    const aLabel = domainToASCII(name);
    throw new TypeError(`${what} must be ASCII: give an internationalised name in its A-label (punycode) form${aLabel ? `, ${JSON.stringify(aLabel)}` : ""}`);
  }
  return name;
}
