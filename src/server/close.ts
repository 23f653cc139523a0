/**
 * Closing the debugging server without waiting on its clients.
 * @module
 */
import type { SMTPServer } from "smtp-server";

type Connection = SMTPServer["connections"] extends Set<infer C> ? C : never;

/**
 * smtp-server's close() stops listening, waits `closeTimeout` for sessions to end, then sends
 * the rest 421 and ends them; but it leaves each socket open up to 5 s more for the client to
 * close its side, and one that does not (or keeps sending DATA) held close(), and `serve`'s
 * exit, that long. Each is destroyed here once its 421 is written, and close() resolves when
 * every socket of a session open at the call is closed.
 */
export async function closeServer(server: SMTPServer): Promise<void> {
  const open = [...server.connections].map((connection) => ({ connection, closed: whenClosed(connection._socket) }));
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await Promise.all(open.map(({ connection, closed }) => {
    const socket = connection._socket;
    // Mid-STARTTLS this is the raw socket under a TLS handshake, and tearing that down from
    // below can crash Node: smtp-server's own timer ends it.
    if (!socket.destroyed && !connection._upgrading) {
      if (!socket.writableEnded) socket.end();
      if (socket.writableFinished) socket.destroy();
      else socket.once("finish", () => socket.destroy());
    }
    return closed;
  }));
}

function whenClosed(socket: Connection["_socket"]): Promise<void> {
  return socket.destroyed ? Promise.resolve() : new Promise((resolve) => socket.once("close", () => resolve()));
}
