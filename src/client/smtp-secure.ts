/**
 * STARTTLS and AUTH on top of the shared client state: `starttls()`, `login()`, `auth()`
 * and Python's bound auth objects, with `requireTLS` enforced here.
 * @module
 */

import type * as tls from "node:tls";
import { credentials as boundCredentials } from "../auth/auth-object.js";
import { checkCredential } from "../auth/credentials.js";
import type { AuthCredentials, GivenCredentials } from "../auth/mechanism.js";
import { defaultRegistry, normaliseMechanismName } from "../auth/registry.js";
import { describeType, SMTPAuthenticationError, SMTPException, SMTPNotSupportedError, SMTPResponseException } from "../errors.js";
import { hideInReply, sentSecret } from "../protocol/auth-echo.js";
import { encodeCommand } from "../protocol/commands.js";
import type { SMTPReply } from "../protocol/reply.js";
import {
  authCramMd5Object, authenticate, authLoginObject, authPlainObject, login,
  type AuthIO, type AuthObject, type AuthState,
} from "./authenticate.js";
import type { Conversation } from "./conversation.js";
import type { ClientClassName } from "./options.js";
import { SMTPBase } from "./smtp-base.js";
import { followSignal } from "./abortable.js";
import { checkBoolean, checkKnownKeys, checkTLSOptions, optionsObject, withCheckedContext, withoutNulls } from "../option-checks.js";
import { recheckTLSOptions } from "../tls-taken-keys.js";

/**
 * What to do about a server that does not offer STARTTLS (Python's words say only that):
 * the port may be the wrong one, or something on the path strips the extension.
 */
const NO_STARTTLS_ADVICE = "Look for a port of the server that offers TLS: 587 with STARTTLS, or 465 with SMTP_SSL (TLS from the first byte); a server known to offer STARTTLS that does not here may have it stripped on the path.";

/** {@link NO_STARTTLS_ADVICE} for LMTP, which has no TLS from the first byte: no `SMTP_SSL`, no port 465. */
const LMTP_NO_STARTTLS_ADVICE = "Look for an LMTP port of the server that offers STARTTLS (LMTP has no TLS from the first byte); a server known to offer STARTTLS that does not here may have it stripped on the path.";

/** Options of `login()` and `auth()`. */
export interface LoginOptions {
  /**
   * Send the RFC 4954 initial response with AUTH when the mechanism has one and the AUTH
   * line stays within 512 octets (RFC 4954 §4; a longer one answers the server's empty
   * challenge instead). Default true.
   */
  initialResponseOk?: boolean | null | undefined;
}

/** `options.initialResponseOk` (default true). @throws TypeError for anything but `{ initialResponseOk?: boolean }`. */
function checkLoginOptions(value: unknown): boolean {
  const options = optionsObject(value, "login options");
  checkKnownKeys(options, ["initialResponseOk"], "login option");
  checkBoolean(options, "initialResponseOk");
  return (options as LoginOptions).initialResponseOk ?? true;
}

/**
 * Checks `loginWith()`'s credentials (and a pool's `auth`, `what` naming it): an object with
 * only the keys of `AuthCredentials`, a password or a token, and a token that is a string or a function (the
 * strings are checked by `checkCredential`). The messages name the type of a wrong value,
 * never the value: a string given for the credentials may be the password itself.
 * Returns them without the keys set to `null` (not given).
 * @throws TypeError
 */
export function checkCredentialsShape(value: unknown, what = "credentials"): AuthCredentials {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new TypeError(`${what} must be an object, got ${describeType(value)}`);
  }
  checkKnownKeys(value, ["user", "password", "token", "authzid"], "credentials key", { pass: "Nodemailer's: password" });
  // A key set to null is one not given (Python's None), as for every option.
  const credentials = withoutNulls(value as Record<string, unknown>) as unknown as AuthCredentials;
  const { token } = credentials;
  if (token !== undefined && typeof token !== "string" && typeof token !== "function") {
    throw new TypeError(`token must be a string or a function returning one, got ${describeType(token)}`);
  }
  // Every mechanism needs one or the other: without both, no login could ever succeed, and
  // the server's offer would be blamed ("No suitable authentication method found").
  if (token === undefined && credentials.password === undefined) {
    throw new TypeError(`${what}: a password or a token is needed, and neither was given (an environment variable not set?)`);
  }
  return credentials;
}

/**
 * Why a server on a link in clear may list no AUTH although it has it: many (Postfix with
 * `smtpd_tls_auth_only`, Exim, Dovecot's submission) offer it only once TLS is up. Said
 * when the server offers STARTTLS, so that "not supported" does not read as the server's
 * last word; "" otherwise.
 */
function authAfterTlsHint(conv: Conversation): string {
  if (conv.channel.encrypted || !conv.hasExtn("starttls")) return "";
  return " The server offers STARTTLS, and many servers offer AUTH only over TLS: call starttls() before login() (or set requireTLS).";
}

/**
 * With `requireTLS`, secures `client`'s connection now, as its first mail or AUTH would
 * (EHLO, STARTTLS, EHLO again), taking its call queue; a no-op otherwise or once encrypted.
 * A pool opens its connections with it, so that a TLS failure is a failure to open one.
 * Internal (not exported from the package).
 */
export let secureIfRequiredNow: (client: SMTPSecure) => Promise<void>;

/**
 * For a pool letting go of a connection that has gone: while an aborted call's graceful end
 * is under way on `client`'s connection (its message all written, what the socket still
 * holds going out, within the `dataBlock` timeout: README "Cancelling"), resolves once its
 * socket has closed; `null` otherwise. Unlike `close()`, which gives such an end
 * `CLOSE_GRACE_MS` more at most, it leaves the end to run as it would without `close()`.
 */
export let endingAlone: (client: SMTPSecure) => Promise<void> | null;

/**
 * Checks the strings of credentials whose shape {@link checkCredentialsShape} checked: a
 * user name, and a password and authzid when given, that any mechanism could send (no CR,
 * LF or NUL). `loginWith()` runs it before EHLO or STARTTLS, a pool when it is made. The
 * messages never show the value. @throws TypeError
 */
export function checkCredentialStrings(credentials: AuthCredentials): void {
  checkCredential(credentials.user, "user name");
  if (credentials.password !== undefined) checkCredential(credentials.password, "password");
  if (credentials.authzid !== undefined) checkCredential(credentials.authzid, "authorization identity");
}

/** Adds STARTTLS and AUTH to the base. */
export abstract class SMTPSecure extends SMTPBase {
  /** The class that advice in errors names (`SMTP_SSL` and `LMTP` override): the one the caller used. */
  protected static readonly adviceName: ClientClassName = "SMTP";

  static {
    secureIfRequiredNow = (client) => client.exclusive(() => client.secureIfRequired());
    endingAlone = (client) => client.conversation?.channel.ending() ?? null;
  }

  readonly #authState: AuthState = { challengeCount: 0 };
  readonly #creds = (): { user: string | null; password: string | null } => ({ user: this.user, password: this.password });

  /** Python's `auth_plain`, bound to `user`/`password`. */
  readonly authPlain: AuthObject = authPlainObject(this.#creds);
  /** Python's `auth_login`, bound to `user`/`password`. */
  readonly authLogin: AuthObject = authLoginObject(this.#creds, () => this.#authState.challengeCount);
  /** Python's `auth_cram_md5`, bound to `user`/`password`. */
  readonly authCramMd5: AuthObject = authCramMd5Object(this.#creds);

  /**
   * Upgrades the connection to TLS (RFC 3207). Sends EHLO first if needed; afterwards all
   * greeting state is forgotten and the next command re-runs EHLO. Certificates and host
   * names are verified unless `tls.rejectUnauthorized` is false; `tls` defaults to the
   * constructor's `tls` option.
   * @throws SMTPNotSupportedError when STARTTLS is not advertised; SMTPResponseException
   * for a reply other than 220 (the connection is closed on a 1yz, another 2yz or a 3yz,
   * kept on a 4yz/5yz); SMTPException when already encrypted, for bytes injected
   * after the 220, or for a failed handshake (with a diagnosis and Node's error as cause).
   */
  starttls(tlsOptions?: tls.ConnectionOptions): Promise<SMTPReply> {
    // null is Python's `context=None`: the constructor's `tls`. Anything else not an object
    // is refused before EHLO or STARTTLS is sent.
    return this.exclusive(async () => {
      if (tlsOptions === null) return this.doStarttls(undefined);
      optionsObject(tlsOptions, "tls options");
      checkTLSOptions(tlsOptions);
      return this.doStarttls(tlsOptions);
    });
  }

  /**
   * Logs in with the best mechanism both sides support (strongest first:
   * SCRAM-SHA-256-PLUS over TLS 1.3, SCRAM-SHA-256, SCRAM-SHA-1, CRAM-MD5, PLAIN, LOGIN;
   * XOAUTH2/OAUTHBEARER when a token is given via {@link SMTPSecure.loginWith}).
   * @throws SMTPNotSupportedError (no AUTH), SMTPException (no suitable mechanism, or a
   * password would cross an unencrypted link), SMTPAuthenticationError, SMTPHeloError.
   */
  login(user: string, password: string, options: LoginOptions = {}): Promise<SMTPReply> {
    // Without this, a missing password would read as "no password" and end in "No suitable
    // authentication method found." after EHLO (or STARTTLS, with requireTLS).
    if (typeof password !== "string") {
      const shape = typeof user === "object" && (user as unknown) !== null; // login({ user, pass }): Nodemailer's auth object
      return Promise.reject(new TypeError(shape ? "login(user, password) takes two strings, got an object: credentials as one object go to loginWith({ user, password })" : "password must be a string"));
    }
    return this.loginWith({ user, password }, options);
  }

  /** `login()` with any credentials, e.g. `{ user, token }` for XOAUTH2/OAUTHBEARER. */
  loginWith(given: GivenCredentials, options: LoginOptions = {}): Promise<SMTPReply> {
    return this.exclusive(async () => {
      const initialResponseOk = checkLoginOptions(options);
      const credentials = checkCredentialsShape(given);
      checkCredentialStrings(credentials);
      await this.secureIfRequired();
      await this.greet();
      const conv = this.requireConnection();
      if (!conv.hasExtn("auth")) throw new SMTPNotSupportedError(`SMTP AUTH extension not supported by server.${authAfterTlsHint(conv)}`);
      this.user = credentials.user;
      if (credentials.password !== undefined) this.password = credentials.password;
      return this.closeOnFalseSuccess(conv, login(this.authIO(conv), conv.features.get("auth") ?? "", credentials, {
        initialResponseOk,
        allowInsecure: this.options.allowInsecureAuth ?? false,
        registry: this.options.authRegistry ?? defaultRegistry(),
      }));
    });
  }

  /**
   * A mechanism that catches the server out after a 235 (SCRAM's server signature missing
   * or wrong) throws `SMTPAuthenticationError` with code 235: the server believes the
   * session is authenticated as this user, so the connection must not be used further.
   */
  private async closeOnFalseSuccess(conv: Conversation, exchange: Promise<SMTPReply>): Promise<SMTPReply> {
    try {
      return await exchange;
    } catch (err) {
      if (err instanceof SMTPAuthenticationError && err.smtpCode === 235) conv.channel.destroy(err);
      throw err;
    }
  }

  /**
   * Python's `auth()`: runs one AUTH exchange with `authobject` answering challenges.
   * @throws SMTPAuthenticationError (anything but 235, including 503), SMTPException
   * (a revealing mechanism on an unencrypted link without `allowInsecureAuth`).
   */
  auth(mechanism: string, authobject: AuthObject, options: LoginOptions = {}): Promise<SMTPReply> {
    return this.exclusive(async () => {
      const initialResponseOk = checkLoginOptions(options);
      if (typeof authobject !== "function") throw new TypeError(`authobject must be a function (challenge?: Buffer) => string | null, got ${describeType(authobject)}`);
      // A caller's mistake is refused before anything is sent: before requireTLS's EHLO and STARTTLS too.
      normaliseMechanismName(mechanism);
      // The built-in auth objects: their credentials are checked before anything is sent,
      // and PLAIN's and LOGIN's reveal the password whatever the mechanism is called.
      if (authobject === this.authPlain || authobject === this.authLogin || authobject === this.authCramMd5) boundCredentials(this.#creds);
      await this.secureIfRequired();
      const conv = this.requireConnection();
      return this.closeOnFalseSuccess(conv, authenticate(this.authIO(conv), mechanism, authobject, {
        initialResponseOk,
        allowInsecure: this.options.allowInsecureAuth ?? false,
        state: this.#authState,
        revealsSecret: authobject === this.authPlain || authobject === this.authLogin,
      }));
    });
  }

  /**
   * With `requireTLS`, makes sure the link is encrypted (STARTTLS if offered) before mail or
   * AUTH; after its own STARTTLS, greets again (RFC 3207 §4.2: the client knows nothing of
   * the server until a new EHLO, and Exim refuses an AUTH that this session never advertised).
   */
  protected async secureIfRequired(): Promise<void> {
    if (!this.options.requireTLS) return;
    const conv = this.requireConnection();
    if (conv.channel.encrypted) return;
    await this.greet();
    if (!conv.hasExtn("starttls")) {
      throw new SMTPNotSupportedError(`requireTLS is set but the server does not offer STARTTLS: refusing to continue in clear text (possible downgrade attack). ${conv.dialect === "lmtp" ? LMTP_NO_STARTTLS_ADVICE : NO_STARTTLS_ADVICE}`);
    }
    await this.doStarttls(undefined);
    await this.greet();
  }

  /** STARTTLS without taking the call queue. */
  protected async doStarttls(tlsOptions: tls.ConnectionOptions | undefined): Promise<SMTPReply> {
    let conv = this.requireConnection();
    if (conv.channel.encrypted) throw new SMTPException("The connection is already encrypted (TLS)");
    await this.greet();
    conv = this.requireConnection();
    if (!conv.hasExtn("starttls")) throw new SMTPNotSupportedError(`STARTTLS extension not supported by server. ${conv.dialect === "lmtp" ? LMTP_NO_STARTTLS_ADVICE : NO_STARTTLS_ADVICE}`);
    // The TLS context, before STARTTLS: options changed since they were checked (a key
    // replaced by one that cannot be read) are a TypeError now, not a connection lost after
    // the 220. Handed on as `secureContext`: the handshake does not compare them again.
    const given = tlsOptions ?? this.options.tls ?? {};
    recheckTLSOptions(given);
    const options = withCheckedContext(given);
    // Followed (see `Conversation.pipeline`): after a refusal the next command comes, so a 1yz or 3yz closes the connection.
    const [slot] = conv.pipeline([{ bytes: encodeCommand("STARTTLS"), log: "STARTTLS", sealAfter: true }], false, true);
    const reply = await conv.read(slot!);
    if (reply.code !== 220) {
      const err = new SMTPResponseException(reply.code, reply.message, { command: "STARTTLS" });
      // RFC 3207 gives STARTTLS only 220 to go ahead. Another 2yz ("250 OK") leaves it unknown
      // whether the server now waits for a handshake: the next command in clear could be read
      // as one, so the connection closes (as on a 1yz or 3yz). A 4yz/5yz keeps it, as Python's.
      if (reply.code >= 200 && reply.code < 300) conv.channel.destroy(err);
      throw err;
    }
    if (conv.channel.closed) {
      // The reply queue closes the connection when bytes follow the 220 (RFC 3207 §4.2 is
      // violated): never start a handshake after injected data.
      throw new SMTPException("Connection closed after the STARTTLS 220 reply, before the TLS handshake: data followed the reply (possible response injection) or the server hung up", { command: "STARTTLS" });
    }
    conv.channel.pause();
    // Through a follower: a signal shared by many clients keeps one listener (see watchSignal).
    const own = followSignal(this.options.signal);
    try {
      await conv.channel.upgrade(options, conv.timeout("connect"), own.signal);
    } finally {
      own.release();
    }
    conv.resetGreeting();
    conv.endTransaction();
    return reply;
  }

  /** The I/O the AUTH exchange runs on. */
  protected authIO(conv: Conversation): AuthIO {
    return {
      command: async (line, logAs, secrets) => {
        // A reply that echoes the credentials sent shows them masked, in traces and errors;
        // and so does one that comes after the exchange, up to the next AUTH line or the
        // connection's end (a 421 quoting them, its close's error): no command clears them.
        const sent = sentSecret(line, logAs);
        const hidden = sent === undefined ? secrets : [sent, ...typeof secrets === "string" ? [secrets] : secrets ?? []];
        this.tracer.hidden = hidden;
        return hideInReply(await conv.command({ bytes: encodeCommand(line, "", "ascii"), log: logAs ?? line }), hidden);
      },
      user: this.user,
      encrypted: conv.channel.encrypted,
      loopback: conv.channel.loopback,
      channelBinding: (type = "tls-exporter") => {
        const data = type === "tls-exporter" ? conv.channel.tlsExporterBinding() : conv.channel.tlsServerEndPointBinding();
        return data === null ? null : { type, data };
      },
      host: conv.channel.host,
      port: conv.channel.port,
      maskChallenges: (on) => { this.tracer.maskChallenges = on; },
      signal: conv.channel.closedSignal,
      answerTimeout: conv.timeout("command"),
      close: (reason) => conv.channel.destroy(reason),
      lmtp: conv.dialect === "lmtp",
    };
  }
}
