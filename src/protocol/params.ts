/**
 * ESMTP parameters for MAIL and RCPT (RFC 5321 §4.1.2 `esmtp-param`): SIZE, BODY,
 * SMTPUTF8, RET, ENVID, NOTIFY, ORCPT and any other keyword. Pure: no I/O.
 * @module
 */

import { describeType, escapeControl } from "../errors.js";
import { codePointName } from "../error-text.js";
import { INVISIBLE_CLASS, INVISIBLE_IN_PATH, INVISIBLE_WORDS } from "./invisible.js";

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
// whitespace (U+00A0, U+2028, U+3000, ...), which a server may split the option at; the
// zero-width and bidi controls that a path may not hold either (INVISIBLE_CLASS: ORCPT
// carries an address, held to the address's rule; ZWNJ and ZWJ pass, as there); and lone
// surrogates (no UTF-8 form: found here, before MAIL, not when RCPT is encoded). One class,
// so an ASCII value costs one test, as before.
const BAD_VALUE = new RegExp(`[\\u0000-\\u0020=\\u007f-\\u009f\\s${INVISIBLE_CLASS}\\p{Surrogate}]`, "u");

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
    throw new TypeError(`Invalid ESMTP option ${escapeControl(JSON.stringify(option))}${badCharacterNamed(option)}: expected KEYWORD or KEYWORD=value without spaces or control characters`);
  }
  return { keyword: keyword.toUpperCase(), value };
}

/**
 * For the error of a refused option: `" (it holds U+200B: ...)"`, the character past ASCII
 * that its value was refused for, named by code point (quoted, a no-break space shows as a
 * blank and U+200B as nothing); `""` when there is none.
 */
export function badCharacterNamed(option: string): string {
  const eq = option.indexOf("=");
  const bad = eq === -1 ? null : BAD_VALUE.exec(option.slice(eq + 1));
  if (bad === null || bad[0] <= "\u007e") return "";
  const what = INVISIBLE_IN_PATH.test(bad[0]) ? `: ${INVISIBLE_WORDS}` : bad[0] === "\u2028" || bad[0] === "\u2029" ? ": a Unicode line separator" : "";
  return ` (it holds ${codePointName(bad[0])}${what})`;
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
