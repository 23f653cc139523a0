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

import { describeType, describeValue } from "../error-text.js";
import { checkBoolean, checkFunction, checkLocalHostname, checkNumber, checkPort, optionsObject } from "../option-checks.js";

/** Options that are numbers (their ranges are checked where they are read). */
const NUMBERS = ["size", "maxClients", "maxRecipients", "keepBytes"] as const;
/** Options that are functions (the CLI's hooks included). */
const FUNCTIONS = ["onMessage", "onTranscript", "onMessageStart", "onMessageData", "onMessageEnd"] as const;
/** Options that are lists of refusals. */
const REFUSALS = ["refuseSenders", "refuseRecipients", "refuseAfterData"] as const;

/** A key or certificate as Node's TLS takes it from a file's contents: a string or bytes. */
function isPem(value: unknown): boolean {
  return typeof value === "string" || value instanceof Uint8Array;
}

/** `options[key]` when it is absent or an object (not an array, nor `null`), for its own keys to be checked. @throws TypeError */
function nested(options: Readonly<Record<string, unknown>>, key: string): Readonly<Record<string, unknown>> {
  return optionsObject(options[key], key);
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
  // in the greeting and the EHLO reply: a domain, as a client's name (a CR LF in it would be a reply of its own)
  checkLocalHostname(options["name"], "name");
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
    if (auth["methods"] !== undefined && !Array.isArray(auth["methods"])) throw new TypeError(`auth.methods must be an array of mechanism names, got ${describeValue(auth["methods"])}`);
    checkBoolean(auth, "required", "auth.");
    checkBoolean(auth, "allowInsecure", "auth.");
  }
  const tls = nested(options, "tls");
  if (options["tls"] !== undefined && (!isPem(tls["key"]) || !isPem(tls["cert"]))) {
    // without them smtp-server serves its built-in key, which is public; neither is quoted (a key is secret)
    throw new TypeError(`tls needs a key and a cert (each a string or bytes in PEM form), got key ${describeType(tls["key"])} and cert ${describeType(tls["cert"])}`);
  }
}
