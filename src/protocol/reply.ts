/**
 * The reply type and the push-style reply parser (RFC 5321 §4.2). Pure: no I/O.
 * @module
 */

/** One reply from the server: what Python returns as `(code, msg)`. */
export interface SMTPReply {
  /** The 3-digit reply code (of the last line, for a multi-line reply). */
  code: number;
  /** The text of every line without its code, joined by "\n" (Python's `msg`, decoded as UTF-8). */
  message: string;
  /** The same text, one entry per line. */
  lines: string[];
  /** The RFC 3463 enhanced status code ("2.1.5") when the text starts with one of the code's class. */
  enhancedStatus?: string;
}
