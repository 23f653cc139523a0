/**
 * Where the debugging server listens: a TCP address (`host` and `port`, loopback by default)
 * or a Unix socket (`path`), as LMTP servers such as Dovecot's often do.
 * @module
 */
import type { AddressInfo } from "node:net";
import type { SMTPServer } from "smtp-server";

/** Where a started server listens. */
export interface ListenAddress {
  /** The address (`127.0.0.1`, `::1`), or the socket's path. */
  readonly host: string;
  /** The port (the real one when 0 was asked for); 0 on a Unix socket. */
  readonly port: number;
  /** As a person reads it: `127.0.0.1:2525`, `[::1]:2525`, or the socket's path. */
  readonly where: string;
}

/**
 * Listens on `at.path` (a Unix socket) or on `at.host` (default `127.0.0.1`) and `at.port`
 * (default 0, a free port); resolves once listening.
 * @throws Error from `listen` (EADDRINUSE: a file, or another server, already has the path or port).
 */
export function listen(server: SMTPServer, at: { readonly path?: string | undefined; readonly host?: string | undefined; readonly port?: number | undefined }): Promise<ListenAddress> {
  return new Promise((resolve, reject) => {
    const fail = (err: Error): void => reject(err);
    server.server.once("error", fail);
    const listening = (): void => {
      server.server.off("error", fail);
      const address = server.server.address() as AddressInfo | string;
      if (typeof address === "string") return resolve({ host: address, port: 0, where: address });
      resolve({ host: address.address, port: address.port, where: addressText(address.address, address.port) });
    };
    if (at.path !== undefined) server.listen(at.path, listening);
    else server.listen(at.port ?? 0, at.host ?? "127.0.0.1", listening);
  });
}

/** An address and port as a person reads them: `127.0.0.1:2525`, `[::1]:2525` (an IPv6 address in brackets). */
export function addressText(host: string, port: number): string {
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}

/**
 * Who connected, for the transcript: `ADDRESS:PORT`, or, on a Unix socket (no address), a
 * local process.
 */
export function peerOf(address: string | undefined, port: number | undefined): string {
  return address === undefined || address === "" ? "a local process (Unix socket)" : `${address}:${port ?? 0}`;
}
