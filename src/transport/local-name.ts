/**
 * The name this host gives in HELO/EHLO: its fully qualified domain name, else
 * `[address]` (RFC 5321 §4.1.4 address literal), as Python's `SMTP.__init__` computes it.
 * @module
 */

import dns from "node:dns/promises";
import os from "node:os";

let cached: Promise<string> | undefined;

async function compute(): Promise<string> {
  const name = os.hostname();
  if (name.includes(".")) return name;
  try {
    const { address } = await dns.lookup(name);
    try {
      const { hostname } = await dns.lookupService(address, 0);
      if (hostname.includes(".")) return hostname;
    } catch {
      // no reverse name: fall through to the address literal
    }
    return address.includes(":") ? `[IPv6:${address}]` : `[${address}]`;
  } catch {
    return "[127.0.0.1]";
  }
}

/** This host's FQDN, or `[address]`; computed once per process. */
export function localHostname(): Promise<string> {
  cached ??= compute();
  return cached;
}
