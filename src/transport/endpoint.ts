/**
 * How messages name a server: `host:port`, with an IPv6 address in brackets; and a domain
 * name in the ASCII form DNS, SNI and certificates use.
 * @module
 */

import { domainToASCII } from "node:url";

/**
 * `host:port` for messages and traces; an IPv6 address is bracketed (`[::1]:25`, RFC 3986),
 * else the port would read as part of it. A Unix socket path is shown as it is, without the
 * port, which it does not use (`/run/dovecot/lmtp:2003` read as a path that does not exist).
 */
export function endpoint(host: string, port: number): string {
  if (host.startsWith("/")) return host;
  return host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * `name` as DNS, SNI (RFC 6066 §3) and certificates (RFC 6125 §6.4.2) have it: an
 * internationalized name in A-labels, which Node does not derive for the certificate check,
 * and without a trailing dot (a fully qualified "mx.example.org." is that name). `""` when a
 * non-ASCII name is no valid domain name.
 */
export function asciiDomain(name: string): string {
  // Only a non-ASCII name is converted: the URL parser would also drop a tab or a newline.
  const ascii = /\P{ASCII}/u.test(name) ? domainToASCII(name) : name;
  return ascii.endsWith(".") ? ascii.slice(0, -1) : ascii;
}
