/**
 * The name this host gives in HELO/EHLO: its fully qualified domain name, else an
 * RFC 5321 §4.1.3 address literal (`[192.0.2.1]`, `[IPv6:2001:db8::1]`), as Python's
 * `SMTP.__init__` computes it; a name that is not a valid domain never goes on the wire.
 * @module
 */

import dns from "node:dns/promises";
import net from "node:net";
import os from "node:os";
import { isDomainSyntax } from "../protocol/domain.js";
import { asciiDomain } from "./endpoint.js";

/** What this host's name resolves to: a valid FQDN or `null`, and its address if known. */
interface Computed {
  fqdn: string | null;
  address: string | null;
}

let cached: Promise<Computed> | undefined;

/**
 * `name` as an EHLO domain (RFC 5321 §4.1.2 `Domain`, with a dot: a fully qualified name):
 * without its trailing dot, an internationalized name in A-labels; `null` for anything else
 * (a space, an underscore, an empty label, an IP address, which goes in an address literal).
 */
export function heloDomain(name: string): string | null {
  const domain = asciiDomain(name);
  if (!domain.includes(".") || domain.length > 253 || net.isIP(domain) !== 0) return null;
  return isDomainSyntax(domain) ? domain : null;
}

/** The RFC 5321 §4.1.3 address literal of an IP address (an IPv4-mapped IPv6 one as IPv4). */
export function addressLiteral(address: string): string {
  address = address.replace(/%.*$/, ""); // a zone ("fe80::1%eth0") is this host's, not the literal's
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return `[${mapped[1]}]`;
  return net.isIPv6(address) ? `[IPv6:${address}]` : `[${address}]`;
}

async function compute(): Promise<Computed> {
  const name = os.hostname();
  const given = heloDomain(name);
  if (given !== null) return { fqdn: given, address: null };
  try {
    const { address } = await dns.lookup(name);
    try {
      const { hostname } = await dns.lookupService(address, 0);
      return { fqdn: heloDomain(hostname), address };
    } catch {
      return { fqdn: null, address }; // no reverse name
    }
  } catch {
    return { fqdn: null, address: null };
  }
}

/**
 * This host's FQDN (looked up once per process, until found), else the address literal of
 * `localAddress` (this end of the connection, when it is an IP address), else of the
 * address the host name resolves to, else `[127.0.0.1]`.
 */
export async function localHostname(localAddress?: string): Promise<string> {
  const computing = (cached ??= compute());
  const { fqdn, address } = await computing;
  if (fqdn !== null) return fqdn;
  // No name this time (DNS not up yet at a service's start, say): the next client asks
  // again, as Python computes it for each SMTP object, rather than never giving it.
  if (cached === computing) cached = undefined;
  if (localAddress !== undefined && net.isIP(localAddress) !== 0) return addressLiteral(localAddress);
  return addressLiteral(address ?? "127.0.0.1");
}
