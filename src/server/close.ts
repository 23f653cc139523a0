/**
 * Closing the debugging server without waiting on its clients.
 * @module
 */
import type { SMTPServer } from "smtp-server";

/** One of smtp-server's connections (its class is not in its public types): what the debugging server's modules patch. */
export type Connection = SMTPServer["connections"] extends Set<infer C> ? C : never;

/** The connections of a server from their start until their session's `onClose`. */
export interface ConnectionTracker {
  /** The connection of a session, from its start until its `onClose` (a lookup by id, O(1)). */
  get(session: string): Connection | undefined;
  /** Call from smtp-server's `onClose`: the session's socket has closed. */
  closed(session: string): void;
  /**
   * Closes the server and resolves once every connection's socket is closed and its
   * `onClose` has run (see {@link trackConnections}).
   */
  close(): Promise<void>;
}

/**
 * smtp-server's close() stops listening, waits `closeTimeout` for sessions to end, then sends
 * the rest 421 and ends them; but it leaves each socket open up to 5 s more for the client to
 * close its side, and one that does not (or keeps sending DATA) held close(), and `serve`'s
 * exit, that long. The same goes for a session it ended before (QUIT's 221, a 421 for too
 * many clients): it forgets the connection at once (drops it from `server.connections`),
 * while its socket waits for the client. So every connection is kept here from its start;
 * at close() each is destroyed once its last reply is written, and close() resolves when
 * every one has closed and its `onClose` has run (its transcript's last line is in).
 * `onAdd` is called with each connection as it is added, before it sends anything (a client
 * refused as one too many is refused before smtp-server's `onConnect`).
 */
export function trackConnections(server: SMTPServer, onAdd?: (connection: Connection) => void): ConnectionTracker {
  const live = new Map<string, Connection>();
  let allClosed: (() => void) | undefined;
  const add = server.connections.add;
  server.connections.add = function (this: Set<Connection>, connection: Connection) {
    live.set(connection.id, connection);
    onAdd?.(connection);
    return add.call(this, connection);
  };
  return {
    get: (session) => live.get(session),
    closed(session) {
      live.delete(session);
      if (live.size === 0) allClosed?.();
    },
    async close() {
      const idle = live.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => allClosed = resolve);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const connection of live.values()) {
        const socket = connection._socket;
        // Mid-STARTTLS this is the raw socket under a TLS handshake, and tearing that down from
        // below can crash Node: smtp-server's own timer ends it.
        if (socket.destroyed || connection._upgrading) continue;
        if (!socket.writableEnded) socket.end();
        if (socket.writableFinished) socket.destroy();
        else socket.once("finish", () => socket.destroy());
      }
      await idle;
    },
  };
}
