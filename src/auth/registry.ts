/**
 * The registry of SASL mechanisms `login()` chooses from, in order of preference
 * (strongest first). Callers may add their own mechanisms or reorder the defaults.
 * @module
 */

import { cramMd5Mechanism } from "./cram-md5.js";
import { loginMechanism } from "./login.js";
import type { AuthContext, AuthCredentials, SASLMechanism } from "./mechanism.js";
import { oauthBearerMechanism } from "./oauthbearer.js";
import { plainMechanism } from "./plain.js";
import { scramSha1Mechanism } from "./scram-sha-1.js";
import { scramSha256Mechanism, scramSha256PlusMechanism } from "./scram-sha-256.js";
import { xoauth2Mechanism } from "./xoauth2.js";
import { checkKnownKeys, optionsObject, withoutNulls } from "../option-checks.js";
import { describeValue } from "../errors.js";

/** A SASL mechanism name (RFC 4422 §3.1): 1 to 20 of `A-Z`, `0-9`, `-`, `_`. */
const MECHANISM_NAME = /^[A-Z0-9_-]{1,20}$/;

/**
 * Checks and upper-cases a SASL mechanism name. Throws `TypeError` when it is not an
 * RFC 4422 name (which also keeps CR, LF, NUL and spaces out of the AUTH command).
 */
export function normaliseMechanismName(name: string): string {
  const upper = typeof name === "string" ? name.toUpperCase() : "";
  if (!MECHANISM_NAME.test(upper)) throw new TypeError("not a SASL mechanism name (RFC 4422 §3.1: 1-20 of A-Z 0-9 - _)");
  return upper;
}

/**
 * Checks that `value` looks like a {@link SASLMechanism} (an object with a `start`
 * function; its name is checked by {@link normaliseMechanismName}): one without `start`
 * would be taken, and fail only inside a later `login()`. @throws TypeError
 */
function checkMechanism(value: unknown): void {
  const mechanism = optionsObject(value, "a SASL mechanism");
  if (value === undefined || typeof mechanism["start"] !== "function") {
    throw new TypeError(`a SASL mechanism must be an object with a start() function, got ${describeValue(value)}`);
  }
}

/** Where {@link AuthRegistry.register} puts a mechanism. */
export interface RegisterOptions {
  /** Insert just before this mechanism (case-insensitive); it must be registered. */
  before?: string | null | undefined;
}

/**
 * An ordered, extensible set of SASL mechanisms. Names are compared case-insensitively;
 * iteration order is preference order, most preferred first.
 */
export class AuthRegistry implements Iterable<SASLMechanism> {
  readonly #mechanisms: SASLMechanism[] = [];

  /** Makes a registry holding `mechanisms`, in that order of preference. */
  constructor(mechanisms: Iterable<SASLMechanism> = []) {
    if (mechanisms === null || typeof (mechanisms as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== "function") {
      throw new TypeError(`mechanisms must be an iterable of SASL mechanisms, got ${describeValue(mechanisms)}`);
    }
    for (const mechanism of mechanisms) this.register(mechanism);
  }

  /**
   * Adds a mechanism. Without `before` (or with `before` naming itself), one that replaces
   * a mechanism of the same name keeps that one's place, and a new one goes last (least preferred). Returns `this`.
   * Throws `TypeError` for an invalid name and `RangeError` when `before` is not registered.
   */
  register(mechanism: SASLMechanism, given: RegisterOptions = {}): this {
    checkMechanism(mechanism);
    checkKnownKeys(optionsObject(given, "register options"), ["before"], "register option");
    // `before: null` is not given, as for every option.
    const options = withoutNulls(given as Record<string, unknown>) as { before?: string };
    const name = normaliseMechanismName(mechanism.name);
    const entry: SASLMechanism = mechanism.name === name ? mechanism : Object.freeze({
      name,
      revealsSecret: mechanism.revealsSecret,
      needs: mechanism.needs,
      needsChannelBinding: mechanism.needsChannelBinding,
      channelBindingType: mechanism.channelBindingType,
      carriesAuthzid: mechanism.carriesAuthzid,
      start: (credentials: AuthCredentials, context: AuthContext) => mechanism.start(credentials, context),
    });
    const existing = this.#indexOf(name);
    if (options.before !== undefined) {
      if (this.#indexOf(options.before) < 0) throw new RangeError(`no mechanism ${normaliseMechanismName(options.before)} to insert before`);
    }
    // Before itself is where it is: removed first, it would have no place to go before.
    if (options.before !== undefined && existing !== this.#indexOf(options.before)) {
      if (existing >= 0) this.#mechanisms.splice(existing, 1);
      this.#mechanisms.splice(this.#indexOf(options.before), 0, entry);
    } else if (existing >= 0) {
      this.#mechanisms[existing] = entry;
    } else {
      this.#mechanisms.push(entry);
    }
    return this;
  }

  /** Removes a mechanism by name (case-insensitive); true when one was removed. */
  unregister(name: string): boolean {
    const index = this.#indexOf(name);
    if (index >= 0) this.#mechanisms.splice(index, 1);
    return index >= 0;
  }

  /** The mechanism of that name (case-insensitive), or `undefined`. */
  get(name: string): SASLMechanism | undefined {
    const index = this.#indexOf(name);
    return index >= 0 ? this.#mechanisms[index] : undefined;
  }

  /** True when a mechanism of that name (case-insensitive) is registered. */
  has(name: string): boolean {
    return this.#indexOf(name) >= 0;
  }

  /** The registered names, upper-case, most preferred first. */
  names(): string[] {
    return this.#mechanisms.map((m) => m.name);
  }

  /** The mechanisms, most preferred first. */
  [Symbol.iterator](): Iterator<SASLMechanism> {
    return [...this.#mechanisms][Symbol.iterator]();
  }

  #indexOf(name: string): number {
    const upper = typeof name === "string" ? name.toUpperCase() : "";
    return this.#mechanisms.findIndex((m) => m.name === upper);
  }
}

/**
 * A new registry with the built-in mechanisms, strongest first: OAUTHBEARER, XOAUTH2
 * (both used only when a token is given), SCRAM-SHA-256-PLUS (used only over TLS 1.3),
 * SCRAM-SHA-256, SCRAM-SHA-1, CRAM-MD5, PLAIN, LOGIN.
 * Each call returns a fresh registry, so changing one affects no other connection.
 */
export function defaultRegistry(): AuthRegistry {
  return new AuthRegistry([
    oauthBearerMechanism,
    xoauth2Mechanism,
    scramSha256PlusMechanism,
    scramSha256Mechanism,
    scramSha1Mechanism,
    cramMd5Mechanism,
    plainMechanism,
    loginMechanism,
  ]);
}
