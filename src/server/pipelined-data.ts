/**
 * Messages pipelined back to back for the debugging server: a fix to smtp-server's parser,
 * which lost its place after the second of them.
 * @module
 */
import type { Connection } from "./close.js";

type Parser = Exclude<Connection["_parser"], false>;

/**
 * smtp-server's `continue()` (called once a message's reply is sent) runs the parser's saved
 * continuation and only then clears it. When that continuation reads a whole next message
 * at once (its MAIL, RCPT, DATA and data in the same read, the debugging server answering
 * MAIL and RCPT at once), the next message's own continuation is saved meanwhile and then
 * cleared with it: the commands after the second message were never read, and the client
 * waited until the idle timeout (421). This clears it first, on `parser`.
 */
function continueFirstClearing(parser: Parser): void {
  parser.continue = function (this: Parser): void {
    const next = this._continueCallback;
    if (typeof next !== "function") {
      // not saved yet: the end of the data runs it at once when it comes (smtp-server's own behaviour)
      this._continueCallback = true;
      return;
    }
    this._continueCallback = false;
    next();
  };
}

/**
 * Applies {@link continueFirstClearing} to `connection`'s parser, and to the one it makes
 * for the TLS session after STARTTLS.
 */
export function fixPipelinedMessages(connection: Connection): void {
  if (connection._parser !== false) continueFirstClearing(connection._parser);
  const create = connection._createParser;
  connection._createParser = function (this: Connection): Parser {
    const parser = create.call(this);
    continueFirstClearing(parser);
    return parser;
  };
}
