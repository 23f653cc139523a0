/**
 * The AUTH exchange (RFC 4954) written against a small I/O interface, so it needs no
 * socket: Python's `SMTP.auth()` and `SMTP.login()` with our fixes (API.md, "Python
 * behaviours we fix"). `SMTP` binds these to its connection.
 * @module
 */

import type { AuthObject, AuthState } from "../auth/auth-object.js";
import { decodeChallenge, decodeLoginPrompt, encodeAuthAnswer } from "../auth/base64.js";
import { isComputedLocally, isCredentialsUnfit, ownBindingType, type AuthCredentials, type ChannelBinding, type ChannelBindingType, type SASLMechanism } from "../auth/mechanism.js";
import { AuthRegistry, defaultRegistry, normaliseMechanismName } from "../auth/registry.js";
import { MAX_AUTH_CHALLENGES, MAX_COMMAND_LINE_BYTES } from "../constants.js";
import { escapeControl, hungUp, serverSaid, serverTextIn, SMTPAuthenticationError, SMTPException, SMTPServerDisconnected, timeoutUnitHint } from "../errors.js";
import { ExchangeSecrets, type Secrets } from "../protocol/auth-echo.js";
import { splitMechanisms } from "../protocol/ehlo.js";
import { isIncomplete, type SMTPReply } from "../protocol/reply.js";
import { answerWithin, TIMED_OUT } from "./auth-answer.js";

export { authCramMd5Object, authLoginObject, authPlainObject } from "../auth/auth-object.js";
export type { AuthObject, AuthState, CredentialsGetter } from "../auth/auth-object.js";

/** What the AUTH exchange needs from a connection. */
export interface AuthIO {
  /** Sends one command line (no CRLF) and resolves to its reply. `logAs` is what traces show instead of the line (credentials masked), e.g. "AUTH PLAIN ****" or "****"; `secrets`, the exchange's credentials that its reply, as traced and returned, must show masked (a server may echo them). */
  command(line: string, logAs?: string, secrets?: Secrets): Promise<SMTPReply>;
  /** The user name the built-in auth objects send (`SMTP.user`): not masked where a reply echoes it. */
  readonly user?: string | null;
  /** True while TLS is active. */
  readonly encrypted: boolean;
  /** True when the peer is 127.0.0.0/8, ::1 or a Unix socket. */
  readonly loopback: boolean;
  /** The host connected to (for messages and OAUTHBEARER). */
  readonly host: string;
  /** The port connected to (for OAUTHBEARER). */
  readonly port: number;
  /**
   * The connection's channel binding of `type` (default `tls-exporter`, TLS 1.3 only), or
   * `null`; absent means none.
   */
  channelBinding?(type?: ChannelBindingType): ChannelBinding | null;
  /** Shows the server's 334 challenges in traces by their length only while `on` (see `Tracer.maskChallenges`). */
  maskChallenges?(on: boolean): void;
  /**
   * Aborts once the exchange cannot go on (the connection closed: the client's `signal`,
   * `close()`, a failure): a mechanism's answer still being computed (SCRAM's PBKDF2, a
   * token function) is then not waited for, and the exchange rejects with its reason.
   */
  readonly signal?: AbortSignal;
  /**
   * How long an answer (the auth object's, a mechanism's, a token function's) may take, in
   * ms: the `command` timeout; not SCRAM's, the library's own computation (see
   * `computedLocally`). Absent: no limit but {@link signal}.
   */
  readonly answerTimeout?: number;
  /**
   * Closes the connection with `reason`: called when the server answers the `*` that
   * cancels an exchange with anything but a refusal, which leaves the session in a state
   * the client cannot know.
   */
  close?(reason: Error): void;
  /** True for LMTP, which has no implicit TLS: advice names STARTTLS only, never SMTP_SSL. */
  readonly lmtp?: boolean;
}

/** Options of {@link authenticate} and {@link authenticateWith}. */
export interface AuthenticateOptions {
  /** Send the RFC 4954 initial response with the AUTH command when there is one and the line stays within 512 octets (RFC 4954 §4). Default true. */
  initialResponseOk?: boolean;
  /** Allow a password- or token-revealing mechanism on an unencrypted, non-loopback link. Default false. */
  allowInsecure?: boolean;
  /** Python's `_auth_challenge_count`, kept up to date for `authLoginObject`. */
  state?: AuthState;
  /** True when the auth object reveals the password whatever the mechanism is called (`authPlain`, `authLogin`). */
  revealsSecret?: boolean;
  /** The mechanisms the server advertised (upper-case), when known: given to the mechanism (SCRAM's gs2 flag). */
  advertised?: ReadonlySet<string>;
}

/** Options of {@link login}. */
export interface MechanismChoiceOptions extends AuthenticateOptions {
  /** The mechanisms to choose from, in preference order. Default: `defaultRegistry()`. */
  registry?: AuthRegistry;
}

/** Replies to AUTH that ask for TLS first: 530 ("Must issue a STARTTLS command first"), RFC 4954 §6's 538. */
const ENCRYPTION_REQUIRED: readonly number[] = [530, 538];

/** The names that reveal the password or token to anyone watching the link. */
const REVEALING = new Set(["PLAIN", "LOGIN", "XOAUTH2", "OAUTHBEARER"]);

/** True when mechanism `name` sends a reusable secret (by its name, or as it declares). */
function revealsSecret(name: string, declared = false): boolean {
  return declared || REVEALING.has(name);
}

/** True when a revealing mechanism may not run: a plain-text link, not loopback, not allowed. */
function insecureLink(io: AuthIO, opts: AuthenticateOptions): boolean {
  return !opts.allowInsecure && !io.encrypted && !io.loopback;
}

function insecureRefusal(io: AuthIO, names: string[]): SMTPException {
  const list = names.join(", ");
  const tls = io.lmtp === true ? "starttls() (smtplib speaks LMTP over TLS only with STARTTLS)" : "starttls() or SMTP_SSL";
  return new SMTPException(`Refusing AUTH ${list} to ${escapeControl(io.host)}: the connection is not encrypted, and ${list} would reveal ` +
    `the password or token to anyone on the path. Use ${tls}, or set allowInsecureAuth: true to allow it.`);
}

/**
 * RFC 4954 §4: a `*` line cancels the exchange; the server MUST answer it with 501. Any
 * answer below 400 closes the connection: another 334 means the server still waits for an
 * answer (it would take the next command for one), a 2xx that it logged the client in
 * after all.
 */
async function cancel(io: AuthIO, secrets?: Secrets): Promise<SMTPReply> {
  const reply = await io.command("*", "*", secrets);
  if (reply.code < 400) {
    io.close?.(new SMTPServerDisconnected(`Connection closed: the server answered the cancelled AUTH exchange ("*") with ${reply.code}, not 501 (RFC 4954 §4)`));
  }
  return reply;
}

/** The error of an initial response that did not come in time: nothing was sent, the connection stays. */
function noInitialResponse(mech: string, io: AuthIO, what: string): SMTPException {
  return new SMTPException(`AUTH ${mech}: ${what} did not come within ${io.answerTimeout} ms (the command timeout)${timeoutUnitHint(io.answerTimeout)}; nothing was sent`);
}

interface Exchange {
  mechanism: string;
  /** False when the answers are the library's own bounded computation (see `computedLocally`): no answer timeout. */
  bounded: boolean;
  revealsSecret: boolean;
  authobject: AuthObject;
  details: () => unknown;
  /** Words of the exchange that are no secret (the user name, the authzid): see `ExchangeSecrets`. */
  shown: ReadonlyArray<string | null | undefined>;
}

/** True when the caller asks to act as another identity (an empty authzid is none). */
function wantsAuthzid(creds: AuthCredentials): boolean {
  return creds.authzid !== undefined && creds.authzid !== "";
}

/** The loop shared by `authenticate` and `authenticateWith`. */
async function run(io: AuthIO, ex: Exchange, opts: AuthenticateOptions): Promise<{ reply: SMTPReply; command: string }> {
  const mech = ex.mechanism;
  if (ex.revealsSecret && insecureLink(io, opts)) throw insecureRefusal(io, [mech]);
  // SCRAM's server messages (salt, iterations, the signature v=) would let a transcript's
  // reader test password guesses offline: traces show their length only.
  const masked = /^SCRAM-/i.test(mech);
  if (masked) io.maskChallenges?.(true);
  try {
    return await exchange(io, ex, opts, mech);
  } finally {
    if (masked) io.maskChallenges?.(false);
  }
}

/** The AUTH command and its challenges, for {@link run}. */
async function exchange(io: AuthIO, ex: Exchange, opts: AuthenticateOptions, mech: string): Promise<{ reply: SMTPReply; command: string }> {
  const state = opts.state ?? { challengeCount: 0 };
  // An answer is raced with the connection: one that comes after it has gone (SCRAM's
  // PBKDF2 in the threadpool, up to a fraction of a second; a token function that hangs)
  // is dropped unsent, and a late failure of it is handled there, not left unhandled.
  // It is held to the command timeout too, as every other step of the exchange is, unless
  // it is our own computation (SCRAM's PBKDF2): not the server's delay, nor the caller's.
  const answerOf = (challenge?: Buffer): Promise<Buffer | string | null | typeof TIMED_OUT> => answerWithin(ex.authobject(challenge), io, ex.bounded);
  const initial = (opts.initialResponseOk ?? true) ? await answerOf() : null;
  if (initial === TIMED_OUT) throw noInitialResponse(mech, io, "the auth object's initial response");
  let command = `AUTH ${mech}`;
  let reply: SMTPReply;
  const encoded = initial === null ? null : encodeAuthAnswer(initial) || "="; // RFC 4954 §4: "=" is an empty initial response
  // Every credential sent so far is masked where a reply echoes it (as sent or decoded).
  const secrets = new ExchangeSecrets([...ex.shown, io.host, String(io.port)]);
  if (encoded !== null) secrets.add(encoded);
  // RFC 4954 §4: an initial response that would make the AUTH line longer than SMTP allows
  // MUST NOT be sent on it; it answers the server's first (empty) challenge instead.
  let deferred = encoded !== null && command.length + 1 + encoded.length + 2 > MAX_COMMAND_LINE_BYTES ? encoded : null;
  if (encoded !== null && deferred === null) {
    command = `AUTH ${mech} ****`;
    state.challengeCount = 1;
    reply = await io.command(`AUTH ${mech} ${encoded}`, command, secrets.list);
  } else {
    state.challengeCount = 0;
    reply = await io.command(command, command, secrets.list);
  }
  const fail = (code: number, text: string, details: unknown = ex.details()): SMTPAuthenticationError =>
    new SMTPAuthenticationError(code, text, { command, details });
  for (let challenges = 1; reply.code === 334; challenges++) {
    if (challenges > MAX_AUTH_CHALLENGES) {
      const r = await cancel(io, secrets.list);
      throw fail(r.code, `AUTH ${mech} cancelled after ${MAX_AUTH_CHALLENGES} challenges without an outcome; server: ${r.message}`);
    }
    state.challengeCount += 1;
    const text = reply.lines.length > 0 ? reply.lines.join("") : reply.message;
    // LOGIN's prompts are never read (answered by position): one in plain text is taken.
    const challenge = mech === "LOGIN" ? decodeLoginPrompt(text) : decodeChallenge(text);
    if (challenge === null) {
      const r = await cancel(io, secrets.list);
      throw fail(r.code, `AUTH ${mech} cancelled: the server's challenge is not valid base64; server: ${r.message}`);
    }
    let answer: string | typeof TIMED_OUT;
    try {
      const given = deferred ?? await answerOf(challenge);
      answer = given === TIMED_OUT ? given : deferred ?? encodeAuthAnswer(given);
      deferred = null;
    } catch (err) {
      // The connection has gone (the error is then its reason: the signal's, the close's):
      // no `*` can be sent.
      if (io.signal?.aborted === true) throw err;
      await cancel(io, secrets.list);
      if (err instanceof SMTPAuthenticationError && err.command === undefined) throw serverSaid(fail(err.smtpCode, err.smtpError, err.details ?? ex.details()), ...serverTextIn(err));
      throw err;
    }
    if (answer === TIMED_OUT) {
      const r = await cancel(io, secrets.list);
      throw fail(r.code, `AUTH ${mech} cancelled: no answer to the server's challenge came within ${io.answerTimeout} ms (the command timeout)${timeoutUnitHint(io.answerTimeout)}; server: ${r.message}`);
    }
    secrets.add(answer);
    reply = await io.command(answer, "****", secrets.list);
  }
  // A 1yz (another reply follows) or a 3yz but 334 (the server reads what follows as input):
  // client and server are out of step, so the connection goes (RFC 4954 §4 gives neither).
  if (isIncomplete(reply.code)) io.close?.(new SMTPServerDisconnected(`Connection closed: the server answered ${command} with ${reply.code}, a reply AUTH never takes`));
  // 503 ("already authenticated", or "bad sequence") is not success: Python's bug.
  if (reply.code !== 235) throw fail(reply.code, reply.message);
  return { reply, command };
}

/**
 * Python's `SMTP.auth()`: runs `AUTH mechanism` with `authobject` answering the
 * challenges, and resolves to the 235 reply. The name is upper-cased; answers are sent as
 * UTF-8, then base64; traces show `AUTH MECH ****` and `****` instead of credentials.
 *
 * Throws `TypeError` for a name that is not an RFC 4422 mechanism name or an auth object
 * that returns something else than a string, Buffer or null; `SMTPException` (before
 * anything is sent) for PLAIN, LOGIN, XOAUTH2 or OAUTHBEARER on an unencrypted link to a
 * non-loopback host unless `allowInsecure`; `SMTPAuthenticationError` for any final reply
 * but 235 (503 included), more than five challenges or a challenge that is not base64
 * (both cancelled with `*` first; LOGIN's prompts, which are answered by position, may come
 * in plain text, see `decodeLoginPrompt`). An error thrown by the auth object while answering a
 * challenge cancels the exchange and is rethrown. An answer that does not come within
 * `io.answerTimeout` (the `command` timeout) is `SMTPException` for the initial response
 * (nothing sent), or for a challenge `SMTPAuthenticationError` once `*` has cancelled the
 * exchange. Errors never hold credentials.
 */
export async function authenticate(io: AuthIO, mechanism: string, authobject: AuthObject, opts: AuthenticateOptions = {}): Promise<SMTPReply> {
  const name = normaliseMechanismName(mechanism);
  const ex = { mechanism: name, bounded: true, revealsSecret: revealsSecret(name, opts.revealsSecret), authobject, details: () => undefined, shown: [io.user] };
  return (await run(io, ex, opts)).reply;
}

/**
 * Runs a registry mechanism through the same exchange as {@link authenticate}. The
 * initial response is computed before anything is sent (and given to the server's first
 * challenge when `initialResponseOk` is false), so credential errors come first; the
 * mechanism's `finish()` runs after 235. Throws as `authenticate` does, plus `TypeError`
 * from `mech.start()` or, before anything is sent, for an `authzid` given to a mechanism
 * that cannot carry it (see {@link SASLMechanism.carriesAuthzid}); an
 * `SMTPAuthenticationError` carries the mechanism's `errorDetails` (the OAuth error JSON)
 * as `details`.
 */
export async function authenticateWith(io: AuthIO, mech: SASLMechanism, creds: AuthCredentials, opts: AuthenticateOptions = {}): Promise<SMTPReply> {
  const name = normaliseMechanismName(mech.name);
  const reveals = revealsSecret(name, mech.revealsSecret);
  // Checked before start() (which validates the credentials), so the refusal comes first.
  if (reveals && insecureLink(io, opts)) throw insecureRefusal(io, [name]);
  if (wantsAuthzid(creds) && mech.carriesAuthzid !== true) throw new TypeError(`${name} cannot carry an authorization identity (authzid)`);
  const binding = bindingFor(io, mech);
  const exchange = mech.start(creds, {
    host: io.host,
    port: io.port,
    ...(binding === null ? {} : { channelBinding: binding }),
    ...(opts.advertised === undefined ? {} : { advertised: opts.advertised }),
  });
  // Raced with the connection and the command timeout, as each answer is (see exchange): a
  // token function may hang. Not our own computation (SCRAM's): that may take longer.
  const bounded = !isComputedLocally(exchange);
  const initial = await answerWithin(exchange.initialResponse(), io, bounded);
  if (initial === TIMED_OUT) throw noInitialResponse(name, io, "the initial response (a token function's, say)");
  let initialGiven = false;
  const authobject: AuthObject = (challenge?: Buffer) => {
    // RFC 4954 §4: without an initial response on the AUTH line, the first challenge asks for it.
    if (challenge === undefined || (!initialGiven && initial !== null)) {
      initialGiven = true;
      return initial;
    }
    return exchange.respond(challenge);
  };
  const { reply, command } = await run(io, { mechanism: name, bounded, revealsSecret: reveals, authobject, details: () => exchange.errorDetails, shown: [creds.user, creds.authzid] }, opts);
  try {
    exchange.finish?.();
  } catch (err) {
    if (err instanceof SMTPAuthenticationError) throw serverSaid(new SMTPAuthenticationError(err.smtpCode, err.smtpError, { command }), ...serverTextIn(err));
    throw err;
  }
  return reply;
}

/**
 * The binding `mech` is given: of its type when it needs one (default `tls-exporter`); else
 * `tls-exporter` or `tls-server-end-point`, so SCRAM's gs2 flag says `y` when the client could bind.
 */
function bindingFor(io: AuthIO, mech: SASLMechanism): ChannelBinding | null {
  if (mech.needsChannelBinding === true) return io.channelBinding?.(ownBindingType(mech)) ?? null;
  return io.channelBinding?.("tls-exporter") ?? io.channelBinding?.("tls-server-end-point") ?? null;
}

/**
 * Python's `SMTP.login()` given the server's `AUTH` keyword value: tries each advertised
 * mechanism (names compared case-insensitively) in the registry's order of preference,
 * skipping token mechanisms without a token, password ones without a password,
 * channel-binding ones (SCRAM-SHA-256-PLUS) on a connection without a binding (only TLS
 * 1.3 has one), ones that cannot carry the caller's `authzid` when one is given (all but
 * PLAIN and SCRAM: they would log in as `user` itself), revealing ones on an insecure link unless `allowInsecure`
 * (and on any unencrypted one once the server answered an AUTH with 530 or 538, TLS required),
 * and ones that cannot carry the credentials (SCRAM, for a password SASLprep refuses). Resolves
 * to the 235 reply.
 *
 * Throws the last `SMTPAuthenticationError` when every attempt failed (with the close as
 * `cause` when the connection closed after a refusal; a 421, or a
 * mechanism's own refusal of the server such as a bad SCRAM signature, stops at once); `SMTPException` "No suitable authentication method found." when nothing fits (naming
 * the channel-binding mechanisms skipped for want of a binding, if any), or
 * one naming the host and `allowInsecureAuth` when only the insecure link stood in the
 * way; `TypeError` for malformed credentials, or for credentials no offered mechanism could
 * carry (SCRAM's, when it was the only one); and whatever the connection throws.
 * The caller checks that the server has the AUTH extension at all.
 */
export async function login(io: AuthIO, advertised: string, creds: AuthCredentials, opts: MechanismChoiceOptions = {}): Promise<SMTPReply> {
  const offered = new Set(splitMechanisms(advertised));
  const insecure = insecureLink(io, opts);
  // Set once the server refused an AUTH in clear for want of TLS (530, 538): no mechanism
  // after that may write the password or token in clear (it would be refused all the same).
  let tlsDemanded = false;
  const refusedAsInsecure: string[] = [];
  const unbound: SASLMechanism[] = [];
  let lastError: SMTPAuthenticationError | undefined;
  let unfit: unknown;
  for (const mech of opts.registry ?? defaultRegistry()) {
    if (!offered.has(mech.name)) continue;
    if ((mech.needs === "token" ? creds.token : creds.password) === undefined) continue;
    if (mech.needsChannelBinding === true && bindingFor(io, mech) === null) {
      unbound.push(mech);
      continue;
    }
    if (wantsAuthzid(creds) && mech.carriesAuthzid !== true) continue;
    if (revealsSecret(mech.name, mech.revealsSecret) && (insecure || tlsDemanded)) {
      refusedAsInsecure.push(mech.name);
      continue;
    }
    try {
      return await authenticateWith(io, mech, creds, { ...opts, advertised: offered });
    } catch (err) {
      // Credentials this mechanism cannot carry (a password SCRAM's SASLprep refuses),
      // refused before anything was sent: the next mechanism may carry them (PLAIN does).
      if (isCredentialsUnfit(err)) {
        unfit ??= err;
        continue;
      }
      // 421 closes the connection; 334/235 mean the mechanism caught the server failing
      // to prove itself (SCRAM): never fall back to a weaker mechanism that hands it a secret.
      // Nor after a failed channel-bound exchange, however it was refused: its failure may
      // be a man in the middle's TLS, and a weaker mechanism would be relayed through it.
      // Nor once the exchange closed the connection (a reply AUTH never takes, to it or to "*").
      if (lastError !== undefined && hungUp(err)) throw refusalThenClose(lastError, err);
      if (!(err instanceof SMTPAuthenticationError) || [421, 334, 235].includes(err.smtpCode) || mech.needsChannelBinding === true || io.signal?.aborted === true) throw err;
      lastError = err;
      if (ENCRYPTION_REQUIRED.includes(err.smtpCode) && !io.encrypted) tlsDemanded = true;
    }
  }
  if (lastError !== undefined) throw lastError;
  // Encrypted, the link would let PLAIN carry what SCRAM could not: that fix first.
  if (refusedAsInsecure.length > 0) throw insecureRefusal(io, refusedAsInsecure);
  if (unfit !== undefined) throw unfit;
  throw new SMTPException(`No suitable authentication method found.${unboundNote(unbound)}`);
}

/**
 * A server that refuses the credentials and hangs up at once: its close is often seen only
 * once the next mechanism's AUTH is written (in the same tick as the refusal, it is not yet
 * read), and that attempt then fails with the close. The refusal is the outcome, as when
 * the close is seen in time: the last refusal, with the close as `cause`.
 */
function refusalThenClose(refusal: SMTPAuthenticationError, closed: SMTPServerDisconnected): SMTPAuthenticationError {
  const again = new SMTPAuthenticationError(refusal.smtpCode, refusal.smtpError, { command: refusal.command, details: refusal.details, cause: closed });
  return serverSaid(again, ...serverTextIn(refusal));
}

/**
 * Why the channel-binding mechanisms both sides offer were not tried: without it, "No
 * suitable authentication method found." contradicts a list that names them on both sides.
 */
function unboundNote(mechanisms: readonly SASLMechanism[]): string {
  if (mechanisms.length === 0) return "";
  const types = [...new Set(mechanisms.map(ownBindingType))].map((type) => (type === "tls-exporter" ? "tls-exporter: TLS 1.3 only" : type));
  const names = mechanisms.map((m) => m.name).join(", ");
  return ` ${names} ${mechanisms.length === 1 ? "was" : "were"} not tried: ${mechanisms.length === 1 ? "it needs" : "they need"} a channel binding this connection lacks (${types.join("; ")}).`;
}
