/**
 * The transcript line of a client the debugging server refuses because it already has its
 * `maxClients`: smtp-server sends it 421 before `onConnect`, where the other sessions get
 * their "connection from" line, so without this the transcript showed a lone 421.
 * @module
 */
import type { Connection } from "./close.js";

/** The end of smtp-server's 421 to a client past `maxClients` (after its name). */
const TOO_MANY_CLIENTS = " Too many connected clients, try again in a moment";

/**
 * Has `connection` call `note` with a "connection from ADDRESS:PORT refused" line just before
 * it sends the 421 refusing it as one client more than `maxClients`.
 */
export function noteTooManyClients(connection: Connection, maxClients: number, note: (session: string, line: string) => void): void {
  const send = connection.send;
  connection.send = function (this: Connection, code, data, context) {
    if (code === 421 && context === false && typeof data === "string" && data.endsWith(TOO_MANY_CLIENTS)) {
      note(this.id, `connection from ${this.remoteAddress}:${this.remotePort} refused: the server already has its ${maxClients} client(s) (maxClients)`);
    }
    send.call(this, code, data, context);
  };
}
