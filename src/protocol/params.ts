/**
 * ESMTP parameters for MAIL and RCPT (RFC 5321 §4.1.2 `esmtp-param`): SIZE, BODY,
 * SMTPUTF8, RET, ENVID, NOTIFY, ORCPT and any other keyword. Pure: no I/O.
 * @module
 */

import { describeType, escapeControl } from "../errors.js";
import { codePointName } from "../error-text.js";

/** One parsed parameter: upper-case keyword and the value as given. */
export interface ESMTPParam {
  /** The keyword, upper-cased (`"SIZE"`). */
  keyword: string;
  /** The value after `=`, unchanged, or `undefined` for a bare keyword. */
  value: string | undefined;
}

// RFC 5321 §4.1.2: esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
const KEYWORD = /^[A-Za-z0-9][A-Za-z0-9-]*$/;
// esmtp-value = 1*(%d33-60 / %d62-126), widened to UTF-8 by RFC 6531 §3.3. Still refused
// in UTF-8: C1 controls (U+0085 is a line break to some parsers) and any Unicode
// whitespace (U+00A0, U+2028, U+3000, ...), which a server may split the option at, and
// lone surrogates (no UTF-8 form: found here, before MAIL, not when RCPT is encoded).
// eslint-disable-next-line no-control-regex
const BAD_VALUE = /[\u0000-\u0020=\u007f-\u009f\s\p{Surrogate}]/u;

/**
 * Parses and checks one option such as `"size=1024"` or `"8bitmime"`.
 * @throws TypeError when the option is empty, holds whitespace, CR, LF, NUL or another
 * control character, or its keyword or value is not valid RFC 5321 syntax.
 */
export function parseParam(option: string): ESMTPParam {
  if (typeof option !== "string") throw new TypeError(`ESMTP option must be a string, got ${describeType(option)}`);
  const eq = option.indexOf("=");
  const keyword = eq === -1 ? option : option.slice(0, eq);
  const value = eq === -1 ? undefined : option.slice(eq + 1);
  if (!KEYWORD.test(keyword) || (value !== undefined && (value === "" || BAD_VALUE.test(value)))) {
    // A character past ASCII named by code point: quoted, a no-break space shows as a blank.
    const bad = value === undefined ? null : BAD_VALUE.exec(value);
    const named = bad !== null && bad[0] > "\u007e" ? ` (it holds ${codePointName(bad[0])})` : "";
    throw new TypeError(`Invalid ESMTP option ${escapeControl(JSON.stringify(option))}${named}: expected KEYWORD or KEYWORD=value without spaces or control characters`);
  }
  return { keyword: keyword.toUpperCase(), value };
}

/** Renders a parameter for the wire: `KEYWORD` or `KEYWORD=value`. */
export function formatParam(param: ESMTPParam): string {
  return param.value === undefined ? param.keyword : `${param.keyword}=${param.value}`;
}

/**
 * Checks and normalises a list of options (keywords upper-cased).
 * @throws TypeError for any invalid option (see {@link parseParam}), or for a keyword given
 * twice (`BODY=7BIT` and `BODY=BINARYMIME`): a server may honour either, and the checks made
 * before MAIL read the first.
 */
export function normalizeParams(options: readonly string[] = []): string[] {
  if (!Array.isArray(options)) throw new TypeError("ESMTP options must be an array of strings");
  // Built with push, not map(): arrays on the send path then have one shape whichever tier
  // of V8 built them, so optimised code that reads them is not thrown away.
  const out: string[] = [];
  const seen = options.length > 1 ? new Set<string>() : undefined;
  for (const o of options) {
    const param = parseParam(o);
    if (seen) {
      if (seen.has(param.keyword)) throw new TypeError(`ESMTP option ${param.keyword} is given more than once`);
      seen.add(param.keyword);
    }
    out.push(formatParam(param));
  }
  return out;
}

/** True when `options` holds `keyword` (case-insensitive), e.g. `hasParam(opts, "SMTPUTF8")`. */
export function hasParam(options: readonly string[], keyword: string): boolean {
  const k = keyword.toUpperCase();
  return options.some((o) => {
    const eq = o.indexOf("=");
    return (eq === -1 ? o : o.slice(0, eq)).toUpperCase() === k;
  });
}

/** The value of `keyword` in `options` (case-insensitive), e.g. `"8BITMIME"` for `BODY`; `undefined` when absent or bare. */
export function paramValue(options: readonly string[], keyword: string): string | undefined {
  const k = keyword.toUpperCase();
  for (const o of options) {
    const eq = o.indexOf("=");
    if ((eq === -1 ? o : o.slice(0, eq)).toUpperCase() === k) return eq === -1 ? undefined : o.slice(eq + 1);
  }
  return undefined;
}
