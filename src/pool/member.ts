/**
 * One connection of a pool: its bookkeeping, how it is opened (connect and log in) and how
 * it leaves (QUIT, hung up on when the server does not answer in time).
 * @module
 */

import { untilAborted } from "../client/abortable.js";
import { LMTP } from "../client/lmtp.js";
import { SMTP } from "../client/smtp.js";
import { SMTP_SSL } from "../client/smtp-ssl.js";
import { secureIfRequiredNow } from "../client/smtp-secure.js";
import type { Checked, SMTPOptions } from "../client/options.js";
import type { PoolOptions } from "./pool-options.js";
import { inPoolWords } from "./pool-wording.js";

/** A connection in the pool. */
export interface Member {
  client: SMTP;
  inFlight: number;
  sent: number;
  retired: boolean;
  /** Just opened for a call that has not yet taken its turn on it (see `SMTPPool`): the calls waiting are woken once it has. */
  opened: boolean;
  idle?: ReturnType<typeof setTimeout>;
  /** Set while its QUIT waits behind calls still in flight: starts the QUIT's clock once they end. */
  onIdle?: (() => void) | undefined;
}

/**
 * How long a connection leaving the pool waits for the reply to its QUIT before it is
 * closed: until then it still counts against `maxConnections`.
 */
export const QUIT_WAIT_MS = 5_000;

/**
 * Opens and logs in a connection as `options` say, its client made with `clientOptions`
 * (the client's part of them: see `checkPoolOptions`); `signal` aborts it until it is up.
 * @throws what `connect`, `loginWith` and, with `requireTLS`, STARTTLS throw (the socket closed),
 *   its advice worded as the pool's options (see `inPoolWords`).
 */
export async function openMember(options: Checked<PoolOptions>, clientOptions: Checked<SMTPOptions>, signal: AbortSignal | undefined): Promise<SMTP> {
  const { host, port = 0, protocol = "smtp", auth } = options;
  const Cls = protocol === "lmtp" ? LMTP : protocol === "smtps" ? SMTP_SSL : SMTP;
  let client: SMTP | undefined;
  try {
    client = await Cls.connect(host, port, { ...clientOptions, ...(signal ? { signal } : {}) });
    // An abort closes the socket, yet a caller's token function or SASL mechanism may
    // never return: the login is left to settle alone, so that close() and the calls
    // waiting for this connection do not wait for it.
    if (auth) await untilAborted(client.loginWith(auth), signal);
    // With requireTLS, STARTTLS now (login does it too): a TLS failure is then a failure
    // to open the connection, which fails the calls waiting for it at once (see SMTPPool).
    else if (clientOptions.requireTLS) await untilAborted(secureIfRequiredNow(client), signal);
    return client;
  } catch (err) {
    client?.close();
    throw inPoolWords(err);
  }
}

/**
 * Says QUIT and closes; a connection whose server does not answer within
 * {@link QUIT_WAIT_MS} of its last call's end is hung up on (a member still busy with
 * calls starts that clock once they end: see `onIdle`). Resolves once it is closed.
 */
export function quitMember(member: Member): Promise<void> {
  clearTimeout(member.idle);
  let hangUp: ReturnType<typeof setTimeout> | undefined;
  const startClock = (): void => {
    hangUp = setTimeout(() => member.client.close(), QUIT_WAIT_MS);
    hangUp.unref();
  };
  // close() may quit a connection still busy with calls: its QUIT goes once they end,
  // and only then does its clock start (the pool's release calls onIdle).
  if (member.inFlight === 0) startClock();
  else member.onIdle = startClock;
  return (async (): Promise<void> => {
    try {
      await member.client.quit();
    } catch {
      member.client.close();
    } finally {
      clearTimeout(hangUp);
      member.onIdle = undefined;
    }
  })();
}
