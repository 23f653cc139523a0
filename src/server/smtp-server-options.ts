/**
 * The debugging server's options translated into smtp-server's: a module apart from
 * `options.ts`, whose declarations are public (`smtplib/debug-server`), so that those do not
 * import smtp-server's types, which a user's project does not have (`@types/smtp-server`
 * is a development dependency here).
 * @module
 */
import type { SMTPServerOptions } from "smtp-server";
import { checkMilliseconds } from "../constants.js";
import { describeValue } from "../error-text.js";
import type { ReadOptions } from "./options.js";

/**
 * The part of smtp-server's options that follows from ours (handlers are added by the caller).
 * @throws TypeError for an `auth.methods` entry that is not a name (`null`); TypeError, RangeError for a `socketTimeout` or `closeTimeout` that is not a number of
 *   milliseconds a timer takes; RangeError for a `size` that is not a whole number of bytes.
 */
export function toSmtpServerOptions(options: ReadOptions): SMTPServerOptions {
  // smtp-server advertises it as given: "SIZE Infinity", "SIZE -1", "SIZE 1.5" (RFC 1870: digits)
  if (options.size !== undefined && !(Number.isSafeInteger(options.size) && options.size >= 0)) {
    throw new RangeError(`size must be a whole number of bytes (0: no limit), got ${String(options.size)}`);
  }
  // smtp-server would advertise a null as "AUTH " and refuse every mechanism
  for (const method of options.auth?.methods ?? []) {
    if (typeof method !== "string") throw new TypeError(`auth.methods: each entry must be a mechanism name, got ${describeValue(method)}`);
  }
  const ext = options.extensions ?? {};
  const tls = options.tls;
  const disabled: string[] = [];
  if (!tls || tls.mode === "implicit") disabled.push("STARTTLS");
  if (!options.auth) disabled.push("AUTH");
  return {
    name: options.name ?? "smtplib-debug",
    banner: "smtplib debugging server",
    lmtp: options.lmtp ?? false,
    secure: tls?.mode === "implicit",
    ...(tls ? { key: tls.key, cert: tls.cert } : {}),
    disabledCommands: disabled,
    hideSTARTTLS: ext.hideStarttls ?? false,
    hidePIPELINING: !(ext.pipelining ?? true),
    hide8BITMIME: !(ext.eightBitMime ?? true),
    hideSMTPUTF8: !(ext.smtpUtf8 ?? true),
    hideENHANCEDSTATUSCODES: !(ext.enhancedStatusCodes ?? true),
    hideDSN: !(ext.dsn ?? false),
    hideREQUIRETLS: !(ext.requireTls ?? false),
    // smtp-server's hideSize still advertises a bare "SIZE" (only the number goes): with SIZE
    // hidden, smtp-server is not told the limit and the debug server enforces it itself.
    ...(options.size !== undefined && (ext.size ?? true) ? { size: options.size, rejectOversized: true } : {}),
    authMethods: [...(options.auth?.methods ?? ["PLAIN", "LOGIN", "CRAM-MD5"])],
    authOptional: !(options.auth?.required ?? false),
    allowInsecureAuth: options.auth?.allowInsecure ?? false,
    disableReverseLookup: true,
    ...(options.maxClients !== undefined ? { maxClients: options.maxClients } : {}), // its default: see startDebugServer
    // Checked here: smtp-server hands them to timers unchecked, and one it cannot use
    // (Infinity, a negative) crashed the process at the first connection.
    socketTimeout: checkMilliseconds("socketTimeout", options.socketTimeout ?? 60_000),
    // 0 is "not set" to smtp-server (30 s): at once is 1 ms
    closeTimeout: options.closeTimeout === 0 ? 1 : checkMilliseconds("closeTimeout", options.closeTimeout ?? 500),
  };
}

/** smtp-server's per-session list of disabled commands (replaces the server's while set). */
export interface SessionCommands {
  disabledCommands?: string[] | undefined;
}
