/**
 * The transcript line of a client the debugging server refuses because it already has its
 * `maxClients`: smtp-server sends it 421 before `onConnect`, where the other sessions get
 * their "connection from" line, so without this the transcript showed a lone 421.
 * @module
 */
import { peerOf } from "./listen.js";
import type { ReplyRewrite } from "./reply-rewrite.js";

/** The end of smtp-server's 421 to a client past `maxClients` (after its name). */
const TOO_MANY_CLIENTS = " Too many connected clients, try again in a moment";

/**
 * Calls `note` with a "connection from ADDRESS:PORT refused" line just before a connection
 * sends the 421 refusing it as one client more than `maxClients`.
 */
export function noteTooManyClients(maxClients: number, note: (session: string, line: string) => void): ReplyRewrite {
  return (connection, { code, data, context }) => {
    if (code === 421 && context === false && typeof data === "string" && data.endsWith(TOO_MANY_CLIENTS)) {
      note(connection.id, `connection from ${peerOf(connection.remoteAddress, connection.remotePort)} refused: the server already has its ${maxClients} client(s) (maxClients)`);
    }
  };
}
