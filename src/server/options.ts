/**
 * Options of the debugging server (their translation into smtp-server's is
 * `smtp-server-options.ts`: the public declarations do not reach smtp-server's types).
 * @module
 */
import type { Checked } from "../checked.js";
import { DEFAULT_DEBUG_MAX_CLIENTS, DEFAULT_MAX_RECIPIENTS } from "../constants.js";
import { describeValue } from "../error-text.js";
import { checkKnownKeys, keysOf, optionsObject, withoutNulls, type AllKeys } from "../option-checks.js";
import { checkDebugServerTypes } from "./option-types.js";
import type { DebugServerHooks, ReceivedMessage } from "./debug-server.js";
import type { TranscriptEntry } from "./transcript.js";

/** A refusal: the address it applies to and, optionally, the reply to give. */
export interface Refusal {
  /** Compared case-insensitively with the envelope address (without `<>`). */
  readonly address: string;
  /** Reply code, 400 to 599; default 550 (a 421 makes smtp-server close the connection). */
  readonly code?: number | null | undefined;
  /**
   * Reply text, one line (no control character, 499 octets at most); default names the
   * address. Give no enhanced status code: smtp-server puts its own (from the reply code) in
   * front while ENHANCEDSTATUSCODES is advertised.
   */
  readonly message?: string | null | undefined;
}

/** Which ESMTP extensions the server advertises. */
export interface DebugServerExtensions {
  /** RFC 2920; default true. */
  readonly pipelining?: boolean | null | undefined;
  /** RFC 6152; default true. */
  readonly eightBitMime?: boolean | null | undefined;
  /** RFC 6531; default true. */
  readonly smtpUtf8?: boolean | null | undefined;
  /** RFC 2034 (codes like `2.1.5` in replies); default true. */
  readonly enhancedStatusCodes?: boolean | null | undefined;
  /** RFC 3461; default false. */
  readonly dsn?: boolean | null | undefined;
  /** RFC 8689, advertised on TLS connections only; default false. */
  readonly requireTls?: boolean | null | undefined;
  /** Whether SIZE is advertised when `size` is set; default true. */
  readonly size?: boolean | null | undefined;
  /**
   * RFC 3030 CHUNKING (BDAT), added to smtp-server here; default false, so what a client sends
   * is DATA unless asked. BINARYMIME is offered with it (`BODY=BINARYMIME` taken, the message
   * then only over BDAT: DATA gets 503).
   * A BDAT whose size cannot be read gets 501 and the connection is closed (its octets cannot
   * be skipped); one otherwise malformed (`BDAT 5 LAST` ended by CR CR LF) gets 501, its octets
   * read and dropped and its transaction failed until RSET; a chunk that takes the message past `size` gets 552 and ends the transaction;
   * a BDAT after HELO (CHUNKING is offered to EHLO only) gets 503, its octets read and dropped.
   */
  readonly chunking?: boolean | null | undefined;
  /** STARTTLS accepted but not advertised (with `tls.mode` "starttls"); default false. */
  readonly hideStarttls?: boolean | null | undefined;
}

/** SASL mechanisms smtp-server implements. */
export type DebugAuthMethod = "PLAIN" | "LOGIN" | "CRAM-MD5" | "XOAUTH2";

/** AUTH settings: which users exist and how they may log in. */
export interface DebugServerAuth {
  /** User name -> password (for XOAUTH2: the access token). */
  readonly users: Readonly<Record<string, string>>;
  /** Advertised mechanisms, at least one, each once (in any case); default PLAIN, LOGIN, CRAM-MD5. */
  readonly methods?: readonly DebugAuthMethod[] | null | undefined;
  /** Refuse MAIL until the client has logged in; default false. */
  readonly required?: boolean | null | undefined;
  /** Allow AUTH before STARTTLS when STARTTLS is on offer; default false. */
  readonly allowInsecure?: boolean | null | undefined;
}

/** TLS for the server: implicit (TLS from the first byte, like port 465) or STARTTLS. */
export interface DebugServerTls {
  readonly key: string | Buffer;
  readonly cert: string | Buffer;
  /** Default "starttls". */
  readonly mode?: "implicit" | "starttls" | null | undefined;
}

/**
 * Options of {@link startDebugServer}; everything is optional, and an option set to `null`
 * (here, in `tls`, `auth`, `extensions` and a {@link Refusal}) is one not given, as the client's.
 */
export interface DebugServerOptions {
  /** Interface to listen on; default `127.0.0.1` (loopback only). */
  readonly host?: string | null | undefined;
  /** Port; default 0 (a free port, read it back from the result). */
  readonly port?: number | null | undefined;
  /**
   * A Unix socket to listen on, in place of `host` and `port` (as LMTP servers such as
   * Dovecot's listen): the server's `host` is then the path and its `port` 0, so
   * `LMTP.connect(server.host)` reaches it. The socket is made with the process's umask
   * (any local user may connect unless its directory forbids it) and removed on `close()`.
   * A file already at the path is not replaced: EADDRINUSE (remove a stale socket first).
   */
  readonly path?: string | null | undefined;
  /** Speak LMTP (RFC 2033): LHLO, one reply per recipient after DATA. */
  readonly lmtp?: boolean | null | undefined;
  /** Name in the greeting and EHLO reply: a domain or an address literal, 255 octets at most; default `smtplib-debug`. */
  readonly name?: string | null | undefined;
  /** Without `tls` there is no STARTTLS (smtp-server's built-in key is public). */
  readonly tls?: DebugServerTls | null | undefined;
  readonly extensions?: DebugServerExtensions | null | undefined;
  /** Without `auth` the AUTH command is disabled. */
  readonly auth?: DebugServerAuth | null | undefined;
  /**
   * Largest message accepted, in bytes (SIZE, RFC 1870, advertised unless `extensions.size` is
   * false); larger ones get 552 5.3.4. 0: no limit. Not given: 32 MiB
   * (aiosmtpd's default), enforced but not advertised, so that one
   * message's memory is bounded while a client's MAIL goes out as to a server without SIZE.
   */
  readonly size?: number | null | undefined;
  /** Senders refused at MAIL FROM. */
  readonly refuseSenders?: readonly (string | Refusal)[] | null | undefined;
  /** Recipients refused at RCPT TO. */
  readonly refuseRecipients?: readonly (string | Refusal)[] | null | undefined;
  /**
   * Recipients accepted at RCPT but refused after the data: in LMTP mode only that
   * recipient's reply is an error; in SMTP mode the whole message is refused.
   */
  readonly refuseAfterData?: readonly (string | Refusal)[] | null | undefined;
  /**
   * Most clients connected at once; one more is told "421 Too many connected clients" and
   * closed (smtp-server's `maxClients`; the transcript says who was refused). Default: 100
   * (as `smtplib serve`). With `size` it bounds the memory that messages in
   * transit can take (each is held whole while it arrives).
   */
  readonly maxClients?: number | null | undefined;
  /**
   * Most recipients of one transaction; a RCPT past it gets "452 Too many recipients" (RFC
   * 5321 §4.5.3.1.10; §4.5.3.1.8 asks a server to take at least 100). Default 1000, so a
   * client cannot grow an envelope without bound.
   */
  readonly maxRecipients?: number | null | undefined;
  /** Idle time before smtp-server drops a client, ms (1 to 2^31 - 1); default 60 000. */
  readonly socketTimeout?: number | null | undefined;
  /** How long `close()` waits for clients before a 421, ms (0, at once, to 2^31 - 1); default 500. */
  readonly closeTimeout?: number | null | undefined;
  /**
   * How long after a client connects (after the TLS handshake, with implicit TLS) the 220
   * greeting is sent, ms (0 to 2^31 - 1); default 0, at once. A pause shows whether a client
   * waits for the greeting (one that talks first gets "421 You talk too soon", as
   * smtp-server's 100 ms pause did) and how it handles a slow one.
   */
  readonly greetingDelay?: number | null | undefined;
  /**
   * Called once per accepted message, before it is added to `messages`; a rejection of its
   * promise (or a throw) becomes a 451 reply, and the message is then not added.
   */
  readonly onMessage?: ((message: ReceivedMessage) => void | Promise<void>) | null | undefined;
  /**
   * Called for every transcript line as it happens (for live output). What it throws is
   * thrown again on its own, as an uncaught exception (which a test runner reports); the
   * session goes on.
   */
  readonly onTranscript?: ((entry: TranscriptEntry) => void) | null | undefined;
}

/** What the server holds of what it received (`smtplib serve` holds next to nothing). */
export interface DebugServerRetention {
  /**
   * Keep received messages in `messages` (default true: the list grows without bound, so a
   * long-running server may not want to). Each message is held whole while it arrives (unless `keepBytes` is given);
   * `size` bounds it.
   */
  readonly keepMessages?: boolean | null | undefined;
  /**
   * Keep at most this many bytes of each message's data (default: all). The rest is read and
   * counted ({@link ReceivedMessage.size}) but not held, so a server that shows only the
   * start of each message (`smtplib serve --print-max`) holds no more than that of it.
   */
  readonly keepBytes?: number | null | undefined;
  /** Keep transcript lines in `transcript` (default true; `onTranscript` is called either way). */
  readonly keepTranscript?: boolean | null | undefined;
}

/**
 * The options as the server reads them: without their `null`s, nor those of `tls`, `auth`
 * and `extensions` (see {@link withoutNullOptions}). Internal.
 */
export type ReadOptions = Checked<Omit<DebugServerOptions & DebugServerRetention, "tls" | "auth" | "extensions">> & {
  readonly tls?: Checked<DebugServerTls> | undefined;
  readonly auth?: Checked<DebugServerAuth> | undefined;
  readonly extensions?: Checked<DebugServerExtensions> | undefined;
};

/**
 * A copy of `given` without the options set to `null` (or `undefined`), at its top and in
 * `tls`, `auth` and `extensions`: `null` is one not given, as in the client's options (a
 * `tls: null` read as given made the server crash on `null.mode`).
 * @throws TypeError for options that are not an object, an unknown key there, a `tls.mode` other than
 *   "implicit" or "starttls", or an option of the wrong type (see `checkDebugServerTypes`); RangeError for a port out of range.
 */
export function withoutNullOptions<T extends DebugServerOptions & DebugServerRetention>(given: T): ReadOptions & Omit<T, keyof ReadOptions> {
  const options = withoutNulls(optionsObject(given, "debug server options"));
  // a misspelt option (`tsl`, `auth.user`) would be dropped unseen: the server run without it
  checkKnownKeys(options, KNOWN_OPTIONS[""], "debug server option");
  for (const key of ["tls", "auth", "extensions"] as const) {
    const nested = options[key];
    if (typeof nested === "object" && nested !== null) checkKnownKeys(options[key] = withoutNulls(nested as Record<string, unknown>), KNOWN_OPTIONS[key], `${key} option`);
  }
  const mode = (options["tls"] as { mode?: unknown } | undefined)?.mode;
  if (mode !== undefined && mode !== "implicit" && mode !== "starttls") {
    throw new TypeError(`tls.mode must be "implicit" (TLS from the first byte) or "starttls" (the default), got ${describeValue(mode)}`);
  }
  checkDebugServerTypes(options);
  return options as ReadOptions & Omit<T, keyof ReadOptions>;
}

/** The keys of the options, and of `tls`, `auth` and `extensions` (hooks of the CLI's `serve` included), from their types (see `AllKeys`). */
const KNOWN_OPTIONS = {
  "": keysOf({
    host: true, port: true, path: true, lmtp: true, name: true, tls: true, extensions: true, auth: true, size: true, refuseSenders: true,
    refuseRecipients: true, refuseAfterData: true, maxClients: true, maxRecipients: true, socketTimeout: true, closeTimeout: true,
    greetingDelay: true,
    onMessage: true, onTranscript: true, keepMessages: true, keepBytes: true, keepTranscript: true, onMessageStart: true,
    onMessageData: true, onMessageEnd: true,
  } satisfies AllKeys<DebugServerOptions & DebugServerRetention & DebugServerHooks>),
  tls: keysOf({ key: true, cert: true, mode: true } satisfies AllKeys<DebugServerTls>),
  auth: keysOf({ users: true, methods: true, required: true, allowInsecure: true } satisfies AllKeys<DebugServerAuth>),
  extensions: keysOf({
    pipelining: true, eightBitMime: true, smtpUtf8: true, enhancedStatusCodes: true, dsn: true, requireTls: true, size: true,
    chunking: true, hideStarttls: true,
  } satisfies AllKeys<DebugServerExtensions>),
};

/**
 * Normalises the refusal list of option `name` into a lookup by lower-cased address.
 * @throws TypeError for an entry that is neither an address nor a refusal with one (`null`);
 *   RangeError for a code that is not a 4xx or 5xx reply code: smtp-server sends any
 *   (a 250 "refusal" tells the client the recipient was taken, yet the message goes without it).
 */
export function refusalMap(name: string, list: readonly (string | Refusal)[] | undefined): Map<string, Refusal> {
  const map = new Map<string, Refusal>();
  for (const item of list ?? []) {
    const refusal = typeof item === "string" ? { address: item } : item as Refusal | null;
    if (typeof refusal !== "object" || refusal === null || typeof refusal.address !== "string") {
      throw new TypeError(`${name}: each entry must be an address or a refusal ({ address, code, message }), got ${describeValue(refusal === null || typeof refusal !== "object" ? refusal : refusal.address)}`);
    }
    const { code } = refusal;
    if (code !== undefined && code !== null && !(Number.isInteger(code) && code >= 400 && code <= 599)) {
      throw new RangeError(`${name}: the code of a refusal must be a 4xx or 5xx reply code, got ${String(code)} for ${refusal.address}`);
    }
    map.set(refusal.address.toLowerCase(), refusal);
  }
  return map;
}

/** An Error that smtp-server turns into a reply with `responseCode`. */
export function refusalError(refusal: Refusal, fallback: string): Error & { responseCode: number } {
  return Object.assign(new Error(refusal.message ?? fallback), { responseCode: refusal.code ?? 550 });
}

/**
 * The first MAIL FROM (`rcpt` false) or RCPT TO (`rcpt` true) parameter in `args` that is not
 * one of an extension the server advertised to `session` (none after HELO) (RFC 5321 §4.1.1.11 answers it 555), or undefined.
 * smtp-server takes any parameter, so a client using an extension it was not offered
 * (`serve --hide smtputf8`) would otherwise not be seen to.
 */
export function unsupportedParam(options: ReadOptions, session: { readonly secure: boolean; readonly openingCommand?: unknown }, rcpt: boolean, args: Readonly<Record<string, unknown>> | false): string | undefined {
  // after HELO nothing was advertised
  if (String(session.openingCommand).toUpperCase() === "HELO") return Object.keys(args === false ? {} : args)[0];
  const secure = session.secure;
  const ext = options.extensions ?? {};
  const dsn = ext.dsn ?? false;
  const allowed = rcpt ? [...(dsn ? ["NOTIFY", "ORCPT"] : [])] : [
    ...((options.size ?? 0) > 0 && (ext.size ?? true) ? ["SIZE"] : []),
    // BODY=8BITMIME with 8BITMIME, BODY=BINARYMIME with CHUNKING (see enableChunking)
    ...((ext.eightBitMime ?? true) || ext.chunking === true ? ["BODY"] : []),
    ...((ext.smtpUtf8 ?? true) ? ["SMTPUTF8"] : []),
    ...(dsn ? ["RET", "ENVID"] : []),
    ...((ext.requireTls ?? false) && secure ? ["REQUIRETLS"] : []),
    ...(options.auth ? ["AUTH"] : []),
  ];
  const body = args === false || typeof args.BODY !== "string" ? undefined : args.BODY.toUpperCase();
  // with 8BITMIME hidden, BODY is there for BINARYMIME only
  if (body !== undefined && body !== "BINARYMIME" && !(ext.eightBitMime ?? true)) return `BODY=${body}`;
  return Object.keys(args === false ? {} : args).find((key) => !allowed.includes(key.toUpperCase()));
}

/**
 * The limits of `options` with their defaults: most recipients of a transaction, most
 * clients at once (both at least 1), and the bytes of each message kept (Infinity: all).
 * @throws RangeError for a limit that is not a whole number in range.
 */
export function checkedLimits(options: ReadOptions): { maxRecipients: number; maxClients: number; keepBytes: number } {
  const maxRecipients = options.maxRecipients ?? DEFAULT_MAX_RECIPIENTS;
  const maxClients = options.maxClients ?? DEFAULT_DEBUG_MAX_CLIENTS;
  for (const [name, value] of [["maxRecipients", maxRecipients], ["maxClients", maxClients]] as const) {
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a whole number of at least 1, got ${String(value)}`);
  }
  const keepBytes = options.keepBytes ?? Infinity;
  if (keepBytes !== Infinity && (!Number.isSafeInteger(keepBytes) || keepBytes < 0)) {
    throw new RangeError(`keepBytes must be a whole number of at least 0, got ${String(keepBytes)}`);
  }
  return { maxRecipients, maxClients, keepBytes };
}
