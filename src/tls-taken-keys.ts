/**
 * TLS options the client never takes from `tls`: what it sets itself (where to connect, the
 * socket, its timeouts and signal), options of a TLS server, and context options next to a
 * caller's own `secureContext`. Node's `tls.connect` would drop some without a word (for
 * STARTTLS, over the socket already open, every socket option), let others override the
 * client's (`localAddress` over `sourceAddress`, `onread` taking the replies away), and
 * ignore the rest. No I/O.
 * @module
 */

import { checkALPNProtocols } from "./tls-alpn.js";
import { checkKnownTLSKeys, CONTEXT_KEYS } from "./tls-known-keys.js";

/** Connecting to the whole address list of a name or picking one: the client's to do. */
const ADDRESS_ADVICE = "give the address to connect() as the host (with tls.servername for the name the certificate is checked against), or open the socket yourself with the socketFactory option";

/** The client's own `timeout` and `timeouts.connect`, which bound connecting and every TLS handshake. */
const TIMEOUT_ADVICE = "use the client's timeout option (or timeouts.connect), which bounds connecting and the TLS handshake";

/** A TLS server's option: a client has no use for it. */
const SERVER_ADVICE = "it is a TLS server's option, which a client does not use";

/**
 * The keys refused in `tls`, each with what to use instead. The client sets these itself, or
 * Node's client never reads them: given, each was ignored or overrode the client's own.
 */
const NOT_TAKEN: Readonly<Record<string, string>> = {
  host: "the client connects to the host given to connect() (the name the certificate is checked against is tls.servername)",
  port: "the client connects to the port given to connect()",
  path: "a Unix socket path goes to connect() as the host (LMTP)",
  socket: "give the client a socket already connected through the socketFactory option",
  lookup: ADDRESS_ADVICE,
  family: ADDRESS_ADVICE,
  hints: ADDRESS_ADVICE,
  autoSelectFamily: ADDRESS_ADVICE,
  autoSelectFamilyAttemptTimeout: ADDRESS_ADVICE,
  localAddress: "use the client's sourceAddress option, sourceAddress: { host, port }",
  localPort: "use the client's sourceAddress option, sourceAddress: { host, port }",
  noDelay: "the client turns Nagle's algorithm off on every TCP connection itself",
  keepAlive: "open the socket with TCP keep-alive yourself through the socketFactory option",
  keepAliveInitialDelay: "open the socket with TCP keep-alive yourself through the socketFactory option",
  allowHalfOpen: "the client ends its connections itself",
  onread: "the client reads the socket itself (replies read elsewhere would never reach it)",
  signal: "use the client's signal option, which also ends the call in flight with its reason",
  timeout: TIMEOUT_ADVICE,
  handshakeTimeout: TIMEOUT_ADVICE,
  requestOCSP: "the client reads no OCSP response: nothing would check the one requested",
  requestCert: "a TLS client always asks for the server's certificate; tls.rejectUnauthorized says whether it must be verified",
  isServer: SERVER_ADVICE,
  server: SERVER_ADVICE,
  SNICallback: SERVER_ADVICE,
  ALPNCallback: SERVER_ADVICE,
  pskIdentityHint: SERVER_ADVICE,
  ticketKeys: SERVER_ADVICE,
  sessionTimeout: SERVER_ADVICE,
  sessionIdContext: SERVER_ADVICE,
};

/** The keys of {@link NOT_TAKEN}: refused with their own advice, so never as unknown. */
const NOT_TAKEN_KEYS: readonly string[] = Object.keys(NOT_TAKEN);

/**
 * Refuses a key of `options` (the TLS options named `what`) that the client would not take:
 * see {@link NOT_TAKEN}, a key none of Node's TLS client options (a misspelling, see
 * `checkKnownTLSKeys`), and a context option next to a `secureContext`. A key of
 * {@link NOT_TAKEN} set to `null` or `undefined` is one not given; an unknown key is refused
 * whatever its value. The message says what to use instead, never the value.
 * @throws TypeError
 */
export function checkTakenTLSKeys(options: Readonly<Record<string, unknown>>, what: string): void {
  const given = (key: string): boolean => options[key] !== undefined && options[key] !== null;
  for (const key of Object.keys(options)) {
    if (Object.hasOwn(NOT_TAKEN, key) && given(key)) throw new TypeError(`${what}.${key} is not taken: ${NOT_TAKEN[key]!}`);
  }
  checkKnownTLSKeys(options, what, NOT_TAKEN_KEYS);
  if (!given("secureContext")) return;
  const ignored = CONTEXT_KEYS.find(given);
  if (ignored !== undefined) {
    throw new TypeError(`${what}.${ignored} would be ignored next to ${what}.secureContext (Node uses a context as it is): build the context with it, tls.createSecureContext({ ${ignored}, ... }), or leave ${what}.secureContext out`);
  }
}

/**
 * Checks again, at connecting or STARTTLS, what of `tls` may change after the options were
 * checked (the object is the caller's): a key the client would not take or that Node does
 * not know (see {@link checkTakenTLSKeys}) and an `ALPNProtocols` that would abort the process in Node's
 * TLS code (see `checkALPNProtocols`). The context options are checked again where the
 * context is made (`withCheckedContext`). @throws TypeError
 */
export function recheckTLSOptions(options: object): void {
  const given = options as Readonly<Record<string, unknown>>;
  checkTakenTLSKeys(given, "tls");
  checkALPNProtocols(given["ALPNProtocols"], "tls");
}
