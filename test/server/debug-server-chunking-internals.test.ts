// CHUNKING is added to smtp-server by wrapping methods of its connections (src/server/bdat.ts).
// A version of smtp-server without one of them (here _onClose, whose wrapper ends a message
// left mid-BDAT) must make startDebugServer fail, naming it, not start a server whose BDAT
// breaks later (a message left open, or a TypeError thrown from a socket's close event).
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { SMTPConnection } from "smtp-server/lib/smtp-connection.js";
import { startDebugServer } from "../../src/server/debug-server.js";

test("extensions.chunking with an smtp-server whose connections have no _onClose: startDebugServer rejects, naming it", async () => {
  const proto = SMTPConnection.prototype as unknown as Record<string, unknown>;
  const onClose = proto._onClose;
  delete proto._onClose;
  try {
    const started = await startDebugServer({ extensions: { chunking: true } }).then(async (server) => {
      await server.close();
      return undefined;
    }, (e: unknown) => e);
    assert.ok(started instanceof Error && /_onClose/.test(started.message) && /smtp-server/.test(started.message), String(started));
    // without CHUNKING nothing of it is needed: the server starts
    const server = await startDebugServer();
    await server.close();
  } finally {
    proto._onClose = onClose;
  }
});
