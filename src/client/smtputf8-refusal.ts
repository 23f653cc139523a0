/**
 * The error for a transaction that needs SMTPUTF8 (RFC 6531) from a server that does not
 * offer it, with the way out when there is one: a domain in U-labels and an ASCII local
 * part go in A-labels (RFC 5890), which need no SMTPUTF8. Pure; the error path only.
 * @module
 */

import { domainToASCII } from "node:url";
import { SMTPNotSupportedError } from "../errors.js";
import { isAscii } from "../protocol/commands.js";

/** The words before the A-label form in {@link smtputf8Refusal}'s advice (the CLI looks for them). */
export const A_LABEL_ADVICE = ": give the domain in A-labels: ";

/**
 * `SMTPNotSupportedError("SMTPUTF8 not supported by server")` (Python's words, kept as the
 * start), for paths `from` and `to` as sent (`<j@bücher.test>`). Greeted, and when every
 * path that is not ASCII has an ASCII local part and a domain `node:url`'s `domainToASCII`
 * converts, it adds that form: `: give the domain in A-labels: j@xn--bcher-kva.test`. Not
 * `greeted`: nothing is known to be supported yet (`mail()` does not greet, as Python's).
 */
export function smtputf8Refusal(greeted: boolean, from: string, to: readonly string[]): SMTPNotSupportedError {
  if (!greeted) return new SMTPNotSupportedError("SMTPUTF8 not supported by server: no EHLO yet (call ehlo() before mail())");
  let advice = "";
  let others = 0;
  for (const path of [from, ...to]) {
    const form = aLabelForm(path);
    if (form === null) {
      advice = "";
      break;
    }
    if (form === "") continue;
    if (advice === "") advice = form;
    else others++;
  }
  const more = others === 0 ? "" : ` (and ${others} more address${others === 1 ? "" : "es"} likewise)`;
  return new SMTPNotSupportedError(`SMTPUTF8 not supported by server${advice !== "" ? `${A_LABEL_ADVICE}${advice}${more}` : ""}`);
}

/**
 * A path's address with its domain in A-labels: `""` for an ASCII path (nothing to change),
 * `null` when A-labels cannot help (a local part past ASCII, a domain `domainToASCII` refuses).
 */
function aLabelForm(path: string): string | null {
  if (isAscii(path)) return "";
  const spec = path.startsWith("<") && path.endsWith(">") ? path.slice(1, -1) : path;
  const at = spec.lastIndexOf("@");
  if (at <= 0 || !isAscii(spec.slice(0, at))) return null;
  const domain = domainToASCII(spec.slice(at + 1));
  return domain === "" ? null : `${spec.slice(0, at)}@${domain}`;
}
