/**
 * `smtplib/debug-server`: the debugging SMTP/LMTP server that `smtplib serve` runs, in the
 * test's own process, as a fixture (as aiosmtpd's Controller or Nodemailer's smtp-server):
 * it listens on a free loopback port, accepts every message unless told to refuse some,
 * keeps each with its envelope and its bytes, and lets a test await the next ones.
 * Re-exports only, apart from the entry point; the main entry `smtplib` does not load it.
 * @module
 */
import { startDebugServer as start, type DebugServer } from "./server/debug-server.js";
import type { DebugServerOptions } from "./server/options.js";

export type { DebugServer, ReceivedMessage, TranscriptEntry, WaitOptions } from "./server/debug-server.js";
export type { DebugAuthMethod, DebugServerAuth, DebugServerExtensions, DebugServerOptions, DebugServerTls, Refusal } from "./server/options.js";

/**
 * Starts a debugging server (by default on 127.0.0.1, a free port: read {@link DebugServer.port})
 * and resolves once it listens. Close it when done (`close()`, or `await using`): until then it
 * keeps the process running.
 * @throws TypeError for an unknown option (a misspelt one: `tsl`, `auth.user`) or `tls.mode`;
 *   RangeError for an option out of range; Error when it cannot listen (`EADDRINUSE`) or
 *   the TLS key and certificate cannot be used.
 */
export function startDebugServer(options: DebugServerOptions = {}): Promise<DebugServer> {
  return start(options);
}
