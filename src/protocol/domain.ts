/**
 * The syntax of a domain as SMTP writes it (RFC 5321 §4.1.2 `Domain`): dot-separated labels
 * of letters, digits and hyphens. No I/O.
 * @module
 */

/** RFC 5321 §4.1.2 sub-domain: Let-dig [Ldh-str], at most 63 octets (RFC 1035 §2.3.4). */
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * True when `name` is dot-separated labels, each a letter or digit, then letters, digits and
 * hyphens, ending in a letter or digit, of 63 octets at most (an empty label, a trailing dot,
 * an underscore or a space is not). Its whole length and whether it needs a dot are the
 * caller's to check.
 */
export function isDomainSyntax(name: string): boolean {
  return name.split(".").every((label) => LABEL.test(label));
}
