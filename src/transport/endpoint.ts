/**
 * How messages name a server: `host:port`, with an IPv6 address in brackets.
 * @module
 */

/**
 * `host:port` for messages and traces; an IPv6 address is bracketed (`[::1]:25`, RFC 3986),
 * else the port would read as part of it. A Unix socket path is shown as it is, with the port.
 */
export function endpoint(host: string, port: number): string {
  return host.includes(":") && !host.startsWith("/") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
}
