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
    const old = /^auth=(.*)$/i.exec(line);
    if (old) {
      features.set("auth", `${features.get("auth") ?? ""} ${old[1]}`);
      continue;
    }
    const m = /^([A-Za-z0-9][A-Za-z0-9-]*) ?/.exec(line);
    if (!m) continue;
    const feature = m[1]!.toLowerCase();
    const params = line.slice(m[1]!.length).trim();
    if (feature === "auth") features.set("auth", `${features.get("auth") ?? ""} ${params}`);
    else features.set(feature, params);
  }
  return features;
}

/** Lists the mechanism names of an `auth` feature value, upper-cased, without repeats. */
export function authMechanisms(features: ReadonlyMap<string, string>): string[] {
  const names = (features.get("auth") ?? "").split(/\s+/).filter(Boolean).map((s) => s.toUpperCase());
  return [...new Set(names)];
}

/** The server's SIZE limit in bytes (RFC 1870), or `undefined` when none or unlimited (0). */
export function sizeLimit(features: ReadonlyMap<string, string>): number | undefined {
  const value = features.get("size");
  if (value === undefined) return undefined;
  const n = Number.parseInt(value, 10);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}
