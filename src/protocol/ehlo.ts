/**
 * EHLO/LHLO reply parsing into a capabilities map (RFC 5321 §4.1.1.1), as Python's
 * `SMTP.ehlo()` does it. Pure: no I/O.
 * @module
 */

/**
 * Parses the text of an EHLO reply (`SMTPReply.message`) into the `esmtpFeatures` map:
 * keys lower-case, values the parameters (`"size" -> "35882577"`). The first line is the
 * server's greeting and is skipped. `AUTH=` lines (old Outlook servers) and `AUTH` lines
 * are merged into one space-separated `auth` value, as in Python.
 */
export function parseEhlo(message: string): Map<string, string> {
  const features = new Map<string, string>();
  const lines = message.split("\n").slice(1);
  for (const line of lines) {
    // Python's `re.match(r"auth=(.*)", line, re.I)`: its "." stops only at "\n", which a
    // line cannot hold; JavaScript's "." also stops at CR, U+2028 and U+2029.
    if (/^auth=/i.test(line)) {
      features.set("auth", `${features.get("auth") ?? ""} ${line.slice(5)}`);
      continue;
    }
    const m = /^([A-Za-z0-9][A-Za-z0-9-]*) ?/.exec(line);
    if (!m) continue;
    const feature = m[1]!.toLowerCase();
    const params = pyStrip(line.slice(m[1]!.length));
    if (feature === "auth") features.set("auth", `${features.get("auth") ?? ""} ${params}`);
    else features.set(feature, params);
  }
  return features;
}

// Python's str.isspace() set, which `str.strip()` removes (JavaScript's trim() differs:
// it keeps U+001C-U+001F and U+0085 and removes U+FEFF).
// eslint-disable-next-line no-control-regex
const PY_SPACE = /[\t-\r\u001c-\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;

/** Python's `str.strip()` with no arguments (a scan from each end: linear on any input). */
function pyStrip(text: string): string {
  let a = 0;
  let b = text.length;
  while (a < b && PY_SPACE.test(text[a]!)) a++;
  while (b > a && PY_SPACE.test(text[b - 1]!)) b--;
  return text.slice(a, b);
}

/** Runs of Python's whitespace ({@link PY_SPACE}), which `str.split()` with no arguments splits at. */
const PY_SPACE_RUN = new RegExp(`${PY_SPACE.source}+`);

/**
 * Splits an `auth` feature value into mechanism names, upper-cased, without repeats: at
 * Python's whitespace, as `SMTP.login()`'s `split()` does (JavaScript's `\s` differs: it
 * splits at U+FEFF and not at U+001C-U+001F or U+0085).
 */
export function splitMechanisms(value: string): string[] {
  return [...new Set(value.split(PY_SPACE_RUN).filter(Boolean).map((s) => s.toUpperCase()))];
}

/** Lists the mechanism names of an `auth` feature value, upper-cased, without repeats. */
export function authMechanisms(features: ReadonlyMap<string, string>): string[] {
  return splitMechanisms(features.get("auth") ?? "");
}

/** The server's SIZE limit in bytes (RFC 1870), or `undefined` when none or unlimited (0). */
export function sizeLimit(features: ReadonlyMap<string, string>): number | undefined {
  const value = features.get("size");
  // RFC 1870 §3: size-param = [1*DIGIT]; anything else ("10M", "12abc") is no known limit.
  if (value === undefined || !/^[0-9]+$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}
