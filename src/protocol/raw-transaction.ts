/**
 * What a command line given with the caller's own verb (`docmd`, `putcmd`) does to the mail
 * transaction's declarations: a MAIL begins one, declaring UTF-8 commands (`SMTPUTF8`,
 * RFC 6531) and 8-bit data (`BODY=8BITMIME` or `BINARYMIME`, RFC 6152, RFC 3030) by its own
 * parameters; RSET, EHLO, HELO and LHLO end it (RFC 5321 §4.1.1.5, §4.1.4). Pure: no I/O.
 * @module
 */

/** A raw MAIL's declarations, or `"end"` for a command that ends the transaction. */
export type RawTransactionStep = { utf8: boolean; eightBit: boolean } | "end";

/** The verbs that end a transaction. */
const ENDS = new Set(["RSET", "EHLO", "HELO", "LHLO"]);

/**
 * `MAIL FROM:` and its path (`<...>` or a word): what follows are its parameters. A quoted
 * string in the path (RFC 5321 §4.1.2) may hold blanks, `>` and words like `SMTPUTF8`: they
 * are the path's, not parameters.
 */
const MAIL = /^MAIL\s+FROM:\s*(?:<(?:[^>"]|"(?:[^"\\]|\\.)*")*>?|\S*)(.*)$/is;

/**
 * The effect of the raw command `line` on the transaction (see the module), or `undefined`
 * for a command that has none. The verb is matched case-insensitively, as servers do.
 */
export function rawTransactionStep(line: string): RawTransactionStep | undefined {
  const text = line.trimStart();
  const verb = /^\S*/.exec(text)![0].toUpperCase();
  if (ENDS.has(verb)) return "end";
  if (verb !== "MAIL") return undefined;
  const params = (MAIL.exec(text)?.[1] ?? "").trim().split(/\s+/).map((p) => p.toUpperCase());
  return { utf8: params.includes("SMTPUTF8"), eightBit: params.includes("BODY=8BITMIME") || params.includes("BODY=BINARYMIME") };
}
