/**
 * The one place where the debugging server changes a reply smtp-server is about to send
 * (its enhanced status code, a transcript line before it): smtp-server derives a reply's
 * status from its code and offers no hook of its own, so each connection's `send` is wrapped
 * once, and every change is a {@link ReplyRewrite} run there in order. No I/O of its own.
 * @module
 */
import type { Connection } from "./close.js";

/** A reply as smtp-server's `send` takes it: code, text, and context (the command, a key of its status table, or false: none). */
export interface OutgoingReply {
  code: number;
  data: unknown;
  context: unknown;
}

/** Looks at (and may change) `reply`, which `connection` is about to send. */
export type ReplyRewrite = (connection: Connection, reply: OutgoingReply) => void;

/** Has `connection` run `rewrites`, in order, on every reply before smtp-server sends it. */
export function rewriteReplies(connection: Connection, rewrites: readonly ReplyRewrite[]): void {
  if (rewrites.length === 0) return;
  const send = connection.send;
  connection.send = function (this: Connection, code, data, context) {
    const reply: OutgoingReply = { code, data, context };
    for (const rewrite of rewrites) rewrite(this, reply);
    send.call(this, reply.code, reply.data as typeof data, reply.context as typeof context);
  };
}
