/**
 * Connecting from a bound source address to every address of a host name in turn, as
 * Python's `socket.create_connection` does. Node tries only a name's first address when a
 * local address is bound (its `autoSelectFamily` is off then).
 * @module
 */

import dns from "node:dns";
import type * as net from "node:net";
import { SMTPConnectError, SMTPTimeoutError, timedOutAfter } from "../errors.js";
import { endpoint } from "./endpoint.js";
import { within } from "./within.js";

/** One connection attempt to `address`, within `ms` milliseconds (`limit`: the whole phase's). */
export type Attempt = (address: string, ms: number, limit: number) => Promise<net.Socket>;

/**
 * Looks `host` up in `family` (all its addresses) and calls `attempt` for each in the
 * resolver's order until one connects. An attempt that fails before the connection is up
 * (`SMTPConnectError`: refused, unreachable, no such local address) goes on to the next;
 * anything else (the connect timeout, which covers the lookup and every attempt, the
 * signal, a TLS failure after TCP was up) ends it. When every address failed the error
 * names each attempt, as Node's own multi-address connect does.
 * @throws SMTPConnectError (the lookup failed, or every address did: their errors in an
 * AggregateError as `cause`), SMTPTimeoutError, the signal's reason, what `attempt` throws.
 */
export async function connectEachAddress(
  host: string, port: number, family: number, timeout: number, signal: AbortSignal | undefined, attempt: Attempt,
): Promise<net.Socket> {
  // A monotonic clock, as elsewhere in the connect phase.
  const deadline = performance.now() + timeout;
  const addresses = await lookupAll(host, port, family, timeout, signal);
  const failures: SMTPConnectError[] = [];
  for (const address of addresses) {
    try {
      return await attempt(address, Math.max(1, deadline - performance.now()), timeout);
    } catch (err) {
      if (!(err instanceof SMTPConnectError)) throw err;
      failures.push(err);
    }
  }
  if (failures.length === 1) throw failures[0]!;
  const causes = failures.map((f) => f.cause);
  const text = causes.map((c) => (c instanceof Error ? c.message : String(c))).join("; ");
  throw new SMTPConnectError(-1, `Could not connect to ${endpoint(host, port)}: ${text}`, { cause: new AggregateError(causes) });
}

/**
 * Every address of `host` in `family`, within the connect timeout and the signal (a
 * lookup cannot be cancelled: its late answer is dropped).
 */
function lookupAll(host: string, port: number, family: number, timeout: number, signal: AbortSignal | undefined): Promise<string[]> {
  const expired = (): unknown => new SMTPTimeoutError(timedOutAfter(timeout, `connecting to ${endpoint(host, port)}`), "connect", timeout);
  return within<string[]>((settle) => {
    dns.lookup(host, { all: true, family }, (err, found) => {
      if (err === null && found.length > 0) return settle(undefined, found.map((a) => a.address));
      const cause = err ?? Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
      settle(new SMTPConnectError(-1, `Could not connect to ${endpoint(host, port)}: ${cause.message}`, { cause }));
    });
  }, { timeout, expired, signal });
}
