/**
 * The interface every SASL mechanism implements (RFC 4954 for SMTP AUTH, RFC 4422 SASL).
 * One small file per mechanism implements it; `registry.ts` lists them in preference order.
 * @module
 */

/** A token, or a function that returns a fresh one (so an expired token can be refreshed). */
export type TokenSource = string | (() => string | Promise<string>);

/** What the caller authenticates with. */
export interface AuthCredentials {
  /** The user name (authentication identity), UTF-8. */
  user: string;
  /** The password, UTF-8; for password mechanisms. */
  password?: string;
  /** An OAuth 2.0 access token, or a function returning one; for XOAUTH2 and OAUTHBEARER. */
  token?: TokenSource;
  /**
   * The authorization identity to act as (RFC 4422 §2), when it differs from `user`; carried
   * by PLAIN, SCRAM-SHA-256 (and -PLUS) and SCRAM-SHA-1 only: `login()` skips every other mechanism when
   * it is set, since they would log in as `user` itself. Empty means none. Most servers
   * refuse any value here unless `user` is an admin.
   */
  authzid?: string;
}

/**
 * {@link AuthCredentials} as `loginWith()` and a pool's `auth` take them: a key set to `null`
 * is one not given (Python's `None`), as for every option.
 */
export interface GivenCredentials {
  /** See {@link AuthCredentials.user}. */
  user: string;
  /** See {@link AuthCredentials.password}. */
  password?: string | null | undefined;
  /** See {@link AuthCredentials.token}. */
  token?: TokenSource | null | undefined;
  /** See {@link AuthCredentials.authzid}. */
  authzid?: string | null | undefined;
}

/**
 * A channel binding (RFC 5056): bytes that name this TLS connection, so that a `-PLUS`
 * SCRAM exchange proves both ends saw the same one (no man in the middle who terminates
 * TLS and opens a second connection could pass the proof on).
 */
export interface ChannelBinding {
  /**
   * The binding type. `tls-exporter` (RFC 9266) only on TLS 1.3: under TLS 1.2 that
   * binding is unsafe without the extended master secret, which Node does not report.
   * `tls-server-end-point` (RFC 5929) on any TLS version, for a server certificate whose
   * signature names one hash. `tls-unique` is never produced (RFC 9266 §1: the triple
   * handshake attack, and it is undefined for TLS 1.3).
   */
  readonly type: ChannelBindingType;
  /**
   * The binding data: for `tls-exporter`, 32 bytes of the TLS exporter, label
   * "EXPORTER-Channel-Binding", empty context; for `tls-server-end-point`, the hash of the
   * server certificate (DER) by its signature's hash function, SHA-256 for MD5 or SHA-1.
   */
  readonly data: Buffer;
}

/** The channel binding types smtplib can produce (see {@link ChannelBinding.type}). */
export type ChannelBindingType = "tls-exporter" | "tls-server-end-point";

/** What a mechanism may know about the connection it runs on. */
export interface AuthContext {
  /** The host name the client connected to (for OAUTHBEARER's `host=`). */
  host: string;
  /** The port the client connected to (for OAUTHBEARER's `port=`). */
  port: number;
  /**
   * The connection's channel binding: for a mechanism that needs one, of its
   * {@link SASLMechanism.channelBindingType}; for any other, the first the connection has,
   * `tls-exporter` (TLS 1.3) else `tls-server-end-point` (SCRAM's gs2 flag `y` says from it
   * that the client could have bound). Absent on a plain link, and when the connection has
   * none of that type (none at all, for a mechanism that needs none).
   */
  channelBinding?: ChannelBinding;
  /**
   * The mechanism names the server advertised, upper-case, when known (`login()` knows
   * them). SCRAM tells the server from them whether it could have bound the channel.
   */
  advertised?: ReadonlySet<string>;
}

/** One running authentication exchange: created per attempt, used once. */
export interface SASLExchange {
  /**
   * The RFC 4954 initial response, sent with the AUTH command when the caller allows it,
   * or `null` for a mechanism that must wait for the server's first challenge.
   */
  initialResponse(): Buffer | null | Promise<Buffer | null>;
  /**
   * Answers one server challenge (already base64-decoded). Throws
   * `SMTPAuthenticationError` with code 334 (the code of the reply that carried it) when
   * the challenge proves the server false (a SCRAM server signature that does not verify)
   * or makes no sense; the exchange loop then cancels with `*` and `login()` stops there
   * rather than fall back to a weaker mechanism.
   */
  respond(challenge: Buffer): Buffer | Promise<Buffer>;
  /**
   * Called once the server has answered 235: throws `SMTPAuthenticationError` with code
   * 235 when the mechanism required something the server never sent (SCRAM's server
   * signature). The server then considers the session authenticated; the caller should
   * close the connection.
   */
  finish?(): void;
  /** Structured error details collected from the server (OAuth's JSON error), if any. */
  readonly errorDetails?: unknown;
}

/** A SASL mechanism: a name and a factory for exchanges. */
export interface SASLMechanism {
  /** The mechanism's name, upper-case, as advertised after `AUTH` (`"SCRAM-SHA-256"`). */
  readonly name: string;
  /**
   * True when the exchange reveals the secret to anyone watching the link (PLAIN, LOGIN,
   * XOAUTH2, OAUTHBEARER): such a mechanism is refused on an unencrypted connection to
   * anything but a loopback address unless the caller opts in.
   */
  readonly revealsSecret: boolean;
  /** What it needs: a password or an OAuth token. */
  readonly needs: "password" | "token";
  /**
   * True for a mechanism that binds the TLS channel (a `-PLUS` one): `login()` skips it
   * on a connection without a {@link ChannelBinding}. Default false.
   */
  readonly needsChannelBinding?: boolean;
  /**
   * With {@link needsChannelBinding}: the binding type it uses, which the connection must
   * have for `login()` to try it. Default `tls-exporter` (TLS 1.3 only).
   */
  readonly channelBindingType?: ChannelBindingType;
  /**
   * True for a mechanism that sends the caller's `authzid` (PLAIN, SCRAM-SHA-256 and
   * -PLUS, SCRAM-SHA-1). One without it cannot run when an authzid is given: it would authenticate as
   * `user` itself, not as the identity asked for. Default false.
   */
  readonly carriesAuthzid?: boolean;
  /** Starts one exchange. Throws `TypeError` when the credentials do not fit. */
  start(credentials: AuthCredentials, context: AuthContext): SASLExchange;
}

/** The exchanges marked by {@link computedLocally}. */
const localExchanges = new WeakSet<SASLExchange>();

/**
 * Marks `exchange` as one whose answers this library computes itself, in bounded work
 * (SCRAM's PBKDF2, at most `MAX_SCRAM_ITERATIONS`): they are not held to the answer
 * timeout, which bounds what a caller's code (an auth object, a token function) may take.
 * Only the connection's close and signal end the wait for them. Returns `exchange`.
 */
export function computedLocally<T extends SASLExchange>(exchange: T): T {
  localExchanges.add(exchange);
  return exchange;
}

/** True for an exchange marked by {@link computedLocally}. */
export function isComputedLocally(exchange: SASLExchange): boolean {
  return localExchanges.has(exchange);
}

/** The errors marked by {@link credentialsUnfit}. */
const unfitErrors = new WeakSet<Error>();

/**
 * Marks `err` (a `TypeError` from a mechanism's `start()`) as saying that this mechanism
 * cannot carry the credentials, which another one may: SCRAM's SASLprep refusing a
 * password that PLAIN sends as it is. `login()` then tries the next mechanism. Returns `err`.
 */
export function credentialsUnfit<E extends Error>(err: E): E {
  unfitErrors.add(err);
  return err;
}

/** True for an error marked by {@link credentialsUnfit}. */
export function isCredentialsUnfit(err: unknown): boolean {
  return err instanceof Error && unfitErrors.has(err);
}

/** The binding type a mechanism that needs one binds with: its own, `tls-exporter` by default. */
export function ownBindingType(mech: SASLMechanism): ChannelBindingType {
  return mech.channelBindingType ?? "tls-exporter";
}
