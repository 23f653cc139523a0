/**
 * The SCRAM engine (RFC 5802) shared by SCRAM-SHA-1 (./scram-sha-1.ts) and SCRAM-SHA-256
 * and its PLUS form (./scram-sha-256.ts, which tells how channel binding is chosen): one
 * exchange, parametrised by the hash. It checks every server message before any work
 * (nonce, salt, iteration count within bounds), prepares names and passwords by SASLprep,
 * verifies the server's signature, and fails an exchange that ends without one.
 * @module
 */

import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import { serverSaid } from "../error-text.js";
import { describeValue, SMTPAuthenticationError, SMTPException } from "../errors.js";
import { checkCredential, checkPassword, checkUser, saslName } from "./credentials.js";
import { computedLocally, credentialsUnfit, type ChannelBindingType } from "./mechanism.js";
import type { AuthContext, AuthCredentials, SASLExchange, SASLMechanism } from "./mechanism.js";
import { saslprep } from "./saslprep.js";
import { checkBoolean, checkFunction, checkKnownKeys, checkNumber, optionsObject, withoutNulls } from "../option-checks.js";
import type { Checked } from "../checked.js";

const pbkdf2Async = promisify(pbkdf2);

/**
 * Highest iteration count we compute, refused before any PBKDF2: a hostile server could
 * otherwise ask for 2^31 rounds and pin a threadpool thread for hours (RFC 5802 §9 warns of
 * this). RFC 7677 §4 asks for at least 4096, which is what Dovecot, Cyrus SASL and
 * PostgreSQL use by default (MongoDB 15,000); OWASP's 2023 advice for PBKDF2-HMAC-SHA256
 * storage is 600,000, which an administrator may follow. 10^6 admits all of them and costs
 * about 0.25 s of one core per login; the earlier 10^7 cost 2-3 s, with no server known to
 * need it. Our own choice, not an RFC limit.
 */
export const MAX_SCRAM_ITERATIONS = 1_000_000;

/**
 * Lowest iteration count we accept by default (RFC 5802 §5.1 for SCRAM-SHA-1 and RFC 7677 §4
 * for SCRAM-SHA-256: it SHOULD be at least 4096),
 * refused before any PBKDF2 and before the client proof is sent. The proof lets whoever
 * chose the salt and count test password guesses offline at the cost of that many
 * iterations each: a server offering 1, or someone impersonating it on a link where SCRAM
 * runs without TLS, would make that thousands of times cheaper. Dovecot refuses to store
 * fewer; MongoDB's drivers refuse fewer too. {@link ScramOptions.minIterations} lowers it.
 */
export const MIN_SCRAM_ITERATIONS = 4096;

/** A nonce is printable ASCII without `,` (RFC 5802 §7 `printable`). */
const NONCE = /^[\x21-\x2b\x2d-\x7e]+$/;

/** A SCRAM family (RFC 5802 §4: `SCRAM-` and the hash's name): what tells SCRAM-SHA-1 from SCRAM-SHA-256. */
export interface ScramVariant {
  /** The mechanism's name without `-PLUS`: `SCRAM-SHA-1`, `SCRAM-SHA-256`. */
  readonly name: string;
  /** The hash, as `node:crypto` names it. */
  readonly hash: "sha1" | "sha256";
  /** The hash's output length in bytes, PBKDF2's derived key length (RFC 5802 §2.2 `Hi()`). */
  readonly keyLength: number;
  /** The RFC section that asks for at least 4096 iterations, named when fewer are refused. */
  readonly minIterationsRfc: string;
  /** Whether this library makes the PLUS form (options `plus` and `channelBinding`). */
  readonly plus: boolean;
}

/** Options for `createScramSha256Mechanism` (and, without `plus` and `channelBinding`, `createScramSha1Mechanism`). */
export interface ScramOptions {
  /** Returns the client nonce; for tests only. Default: 18 random bytes, base64. */
  nonce?: (() => string) | null | undefined;
  /** Make SCRAM-SHA-256-PLUS (channel binding required) instead of SCRAM-SHA-256. Default false. */
  plus?: boolean | null | undefined;
  /**
   * With `plus`: the binding type. Default `tls-exporter` (TLS 1.3 only); with
   * `tls-server-end-point`, any TLS version whose server certificate's signature names one
   * hash (see ./scram-sha-256.ts for why that is not the default).
   */
  channelBinding?: ChannelBindingType | null | undefined;
  /**
   * Derives the salted password (PBKDF2 with the mechanism's hash: HMAC-SHA256 and 32 bytes,
   * HMAC-SHA1 and 20); for tests only (to watch or hold the derivation). Default:
   * `node:crypto`'s `pbkdf2`, in libuv's threadpool, which may take any time; a function
   * given here is held to the `command` timeout, as any answer of a caller's code is (the
   * exchange is then cancelled with `*`).
   */
  pbkdf2?: ((password: Buffer, salt: Buffer, iterations: number) => Promise<Buffer>) | null | undefined;
  /**
   * The lowest iteration count accepted, an integer from 1 to {@link MAX_SCRAM_ITERATIONS}.
   * Default {@link MIN_SCRAM_ITERATIONS} (4096, RFC 5802 §5.1, RFC 7677 §4): lower it only
   * for a server known to store fewer.
   */
  minIterations?: number | null | undefined;
}

/**
 * Checks {@link ScramOptions} for `variant`: `plus: "yes"` would quietly make a mechanism
 * without channel binding, `channelBinding: "tls-unique"` one that labelled another
 * binding's bytes with that name, `minIterations: 0` one that took any count, and `plus`
 * for a variant without a PLUS form one that did not bind. Returns them without the
 * `null`s. @throws TypeError, RangeError
 */
function checkScramOptions(value: unknown, variant: ScramVariant): Checked<ScramOptions> {
  const given = optionsObject(value, "SCRAM options");
  const known = variant.plus ? ["nonce", "plus", "channelBinding", "pbkdf2", "minIterations"] : ["nonce", "pbkdf2", "minIterations"];
  checkKnownKeys(given, known, "SCRAM option");
  // An option set to null is one not given, as for every option.
  const options = withoutNulls(given);
  checkBoolean(options, "plus");
  checkFunction(options, "nonce");
  checkFunction(options, "pbkdf2");
  const min = options["minIterations"];
  if (min !== undefined) {
    checkNumber(min, "minIterations");
    if (!Number.isInteger(min) || min < 1 || min > MAX_SCRAM_ITERATIONS) {
      throw new RangeError(`minIterations must be an integer from 1 to ${MAX_SCRAM_ITERATIONS}, got ${min}`);
    }
  }
  const binding = options["channelBinding"];
  if (binding === undefined) return options as Checked<ScramOptions>;
  if (binding !== "tls-exporter" && binding !== "tls-server-end-point") {
    throw new TypeError(`channelBinding must be "tls-exporter" or "tls-server-end-point", got ${describeValue(binding)}`);
  }
  if (options["plus"] !== true) throw new TypeError(`channelBinding applies only with plus: true (${variant.name}-PLUS)`);
  return options as Checked<ScramOptions>;
}

/** Throws the mechanism's `SMTPAuthenticationError` (code of the reply that carried the fault). */
function fail(name: string, message: string, code = 334, serverText = ""): never {
  throw serverSaid(new SMTPAuthenticationError(code, `${name}: ${message}`), serverText);
}

/** Splits `a=x,b=y` into its attributes, in order. */
function attributes(message: string): [string, string][] {
  return message.split(",").map((part) => [part.slice(0, 2), part.slice(2)]);
}

/**
 * Parses server-first-message (RFC 5802 §7); fails on anything malformed or hostile, an
 * iteration count below `minIterations` or above {@link MAX_SCRAM_ITERATIONS} included.
 */
function parseServerFirst(name: string, message: string, clientNonce: string, minIterations: number, rfc: string): { nonce: string; salt: Buffer; iterations: number } {
  const [r, s, i] = attributes(message);
  if (r?.[0] === "m=") fail(name, "the server requires an extension we do not support");
  if (r?.[0] !== "r=" || s?.[0] !== "s=" || i?.[0] !== "i=") fail(name, "malformed server-first-message");
  if (!r[1].startsWith(clientNonce) || r[1].length === clientNonce.length || !NONCE.test(r[1])) {
    fail(name, "the server nonce does not extend ours");
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(s[1]) || s[1].length % 4 !== 0) fail(name, "malformed salt");
  if (!/^[1-9][0-9]{0,9}$/.test(i[1])) fail(name, "unacceptable iteration count");
  if (Number(i[1]) > MAX_SCRAM_ITERATIONS) fail(name, `unacceptable iteration count ${i[1]}: at most ${MAX_SCRAM_ITERATIONS} is computed`);
  if (Number(i[1]) < minIterations) fail(name, `unacceptable iteration count ${i[1]}: at least ${minIterations} is required (${rfc}; minIterations lowers it)`);
  return { nonce: r[1], salt: Buffer.from(s[1], "base64"), iterations: Number(i[1]) };
}

/**
 * `value` by SASLprep; its refusal (a TAB, mixed right-to-left text) is marked as credentials
 * SCRAM cannot carry, which PLAIN, LOGIN and CRAM-MD5 send as they are (see `credentialsUnfit`).
 */
function prepared(value: string, what: string): string {
  try {
    return saslprep(value, what);
  } catch (err) {
    // Not the loader's error (the library missing): only a refusal of the text is a TypeError.
    throw err instanceof TypeError ? credentialsUnfit(err) : err;
  }
}

/** What one mechanism made by {@link createScramMechanism} gives each of its exchanges. */
interface ScramSetup {
  readonly variant: ScramVariant;
  /** The binding type for the PLUS form, `null` for plain SCRAM. */
  readonly plus: ChannelBindingType | null;
  readonly pbkdf2: NonNullable<ScramOptions["pbkdf2"]>;
  readonly minIterations: number;
}

/** One SCRAM exchange: client-first, client-final, then the server's proof. */
class ScramExchange implements SASLExchange {
  readonly #user: string;
  readonly #password: string;
  readonly #gs2Header: string;
  /** RFC 5802 `cbind-input`: the gs2 header, then the binding data for PLUS. */
  readonly #cbindInput: Buffer;
  readonly #clientNonce: string;
  /** The mechanism's name (`SCRAM-SHA-256-PLUS`, `SCRAM-SHA-1`, ...), for error messages. */
  readonly #name: string;
  readonly #setup: ScramSetup;
  #step = 0;
  #expectedSignature: Buffer | null = null;
  #verified = false;

  constructor(credentials: AuthCredentials, nonce: string, context: AuthContext, setup: ScramSetup) {
    const { plus, variant } = setup;
    const plusName = `${variant.name}-PLUS`;
    const binding = context.channelBinding;
    if (plus !== null && binding?.type !== plus) {
      throw new SMTPException(`${plusName} needs a channel binding: ${plus === "tls-exporter" ? "a TLS 1.3 connection (RFC 9266 tls-exporter)" : "a TLS connection whose server certificate's signature names one hash (RFC 5929 tls-server-end-point)"}`);
    }
    this.#user = prepared(checkUser(credentials), "user name");
    // RFC 5802 §5.1: `n=` is a saslname, 1 character or more; a client SHOULD abort on an empty one.
    if (this.#user === "") throw credentialsUnfit(new TypeError("user name is empty: SCRAM needs one (RFC 5802 §5.1)"));
    this.#password = prepared(checkPassword(credentials), "password");
    const authzid = credentials.authzid === undefined ? "" : checkCredential(credentials.authzid, "authorization identity");
    const flag = plus !== null ? `p=${plus}` : binding !== undefined && context.advertised !== undefined && !context.advertised.has(plusName) ? "y" : "n";
    this.#gs2Header = authzid === "" ? `${flag},,` : `${flag},a=${saslName(prepared(authzid, "authorization identity"))},`;
    const header = Buffer.from(this.#gs2Header, "utf8");
    this.#cbindInput = plus !== null ? Buffer.concat([header, binding!.data]) : header;
    if (!NONCE.test(nonce)) throw new TypeError("a SCRAM nonce must be printable ASCII without ','");
    this.#clientNonce = nonce;
    this.#name = plus !== null ? plusName : variant.name;
    this.#setup = setup;
  }

  get #clientFirstBare(): string {
    return `n=${saslName(this.#user)},r=${this.#clientNonce}`;
  }

  initialResponse(): Buffer {
    return Buffer.from(this.#gs2Header + this.#clientFirstBare, "utf8");
  }

  async respond(challenge: Buffer): Promise<Buffer> {
    this.#step += 1;
    const text = challenge.toString("utf8");
    if (this.#step === 1) return this.#clientFinal(text);
    if (this.#step === 2) return this.#verify(text);
    return fail(this.#name, "unexpected extra challenge from the server");
  }

  async #clientFinal(serverFirst: string): Promise<Buffer> {
    const { variant: { hash, minIterationsRfc }, minIterations } = this.#setup;
    const { nonce, salt, iterations } = parseServerFirst(this.#name, serverFirst, this.#clientNonce, minIterations, minIterationsRfc);
    // Not interruptible once started: the exchange loop races it with the connection
    // (AuthIO.signal), so a login aborted meanwhile rejects at once, not when it ends.
    const salted = await this.#setup.pbkdf2(Buffer.from(this.#password, "utf8"), salt, iterations);
    const withoutProof = `c=${this.#cbindInput.toString("base64")},r=${nonce}`;
    const authMessage = `${this.#clientFirstBare},${serverFirst},${withoutProof}`;
    const hmac = (key: Buffer, data: string): Buffer => createHmac(hash, key).update(data, "utf8").digest();
    const clientKey = hmac(salted, "Client Key");
    const signature = hmac(createHash(hash).update(clientKey).digest(), authMessage);
    const proof = Buffer.alloc(clientKey.length);
    for (let n = 0; n < proof.length; n++) proof[n] = clientKey[n] ^ signature[n];
    this.#expectedSignature = hmac(hmac(salted, "Server Key"), authMessage);
    return Buffer.from(`${withoutProof},p=${proof.toString("base64")}`, "utf8");
  }

  #verify(serverFinal: string): Buffer {
    const [first] = attributes(serverFinal);
    if (first?.[0] === "e=") fail(this.#name, `the server reported an error: ${first[1]}`, 334, first[1]);
    if (first?.[0] !== "v=" || !/^[A-Za-z0-9+/]+={0,2}$/.test(first[1])) fail(this.#name, "malformed server-final-message");
    const got = Buffer.from(first[1], "base64");
    const expected = this.#expectedSignature ?? fail(this.#name, "server-final-message before server-first");
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
      fail(this.#name, "the server signature does not verify: the server does not know the password");
    }
    this.#verified = true;
    return Buffer.alloc(0);
  }

  finish(): void {
    if (!this.#verified) fail(this.#name, "the server accepted without proving it knows the password (no server signature)", 235);
  }
}

/**
 * Makes a mechanism of the SCRAM family `variant`, or its PLUS form with `options.plus`
 * (for a variant that has one; binding type `options.channelBinding`, default
 * `tls-exporter`). `options.nonce` fixes the client nonce (for test vectors only),
 * `options.minIterations` the lowest iteration count accepted (default 4096). Throws
 * `TypeError`/`RangeError` for options it cannot take. See `createScramSha256Mechanism`
 * for what its exchanges throw.
 */
export function createScramMechanism(variant: ScramVariant, given: ScramOptions): SASLMechanism {
  const options = checkScramOptions(given, variant);
  const makeNonce = options.nonce ?? (() => randomBytes(18).toString("base64"));
  const plus = options.plus === true ? options.channelBinding ?? "tls-exporter" : null;
  const { keyLength, hash } = variant;
  const pbkdf2 = options.pbkdf2 ?? ((password, salt, iterations) => pbkdf2Async(password, salt, iterations, keyLength, hash));
  const setup: ScramSetup = { variant, plus, pbkdf2, minIterations: options.minIterations ?? MIN_SCRAM_ITERATIONS };
  return Object.freeze({
    name: plus !== null ? `${variant.name}-PLUS` : variant.name,
    revealsSecret: false,
    needs: "password" as const,
    needsChannelBinding: plus !== null,
    ...(plus !== null ? { channelBindingType: plus } : {}),
    carriesAuthzid: true,
    // With our own PBKDF2 (within MAX_SCRAM_ITERATIONS) its answers are our own computation,
    // not held to the answer timeout; a caller's pbkdf2 is the caller's code, which is.
    start: (credentials: AuthCredentials, context: AuthContext): SASLExchange => {
      const exchange = new ScramExchange(credentials, makeNonce(), context, setup);
      return options.pbkdf2 === undefined ? computedLocally(exchange) : exchange;
    },
  });
}
