/**
 * RFC 6531 §3.4-3.5 in the debugging server: a non-ASCII address is taken only in a
 * transaction whose MAIL FROM has SMTPUTF8 (else 553). No I/O.
 * @module
 */

/** Whether `address` is non-ASCII in a transaction whose MAIL FROM parameters (`mailArgs`; false: no MAIL yet) lack SMTPUTF8. */
export function needsUtf8(address: string, mailArgs: Readonly<Record<string, unknown>> | false): boolean {
  return /[^\u0020-\u007e]/.test(address) && (mailArgs === false || mailArgs.SMTPUTF8 === undefined);
}

/** The 553 refusing `address` (see {@link needsUtf8}). */
export function notUtf8(address: string): Error {
  return Object.assign(new Error(`Non-ASCII address <${address}> without SMTPUTF8 in MAIL FROM`), { responseCode: 553 });
}
