/**
 * The debugging server's options (and `waitForMessages`'s) take an explicit `undefined` as
 * not given, as the server does at run time, so that a test written under
 * `exactOptionalPropertyTypes` can pass `{ tls: certs ? { ... } : undefined }` or a
 * config's optional fields as they are. They did not compile there (TS2379), while the
 * client's and the pool's options did (option-null-types.test.ts).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { formatHost, typeCheck } from "../docs/readme-run.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

const UNDEFINED = `import { startDebugServer, type DebugServerOptions, type DebugServerTls } from "smtplib/debug-server";
declare const config: { tls?: DebugServerTls; size?: number; name?: string; code?: number };
const options = {
  host: undefined, port: undefined, lmtp: undefined, name: config.name, tls: config.tls, size: config.size,
  auth: { users: { a: "b" }, methods: undefined, required: undefined, allowInsecure: undefined },
  extensions: {
    pipelining: undefined, eightBitMime: undefined, smtpUtf8: undefined, enhancedStatusCodes: undefined, dsn: undefined,
    requireTls: undefined, size: undefined, chunking: undefined, hideStarttls: undefined,
  },
  refuseSenders: undefined, refuseRecipients: [{ address: "x@y.test", code: config.code, message: undefined }], refuseAfterData: undefined,
  maxClients: undefined, maxRecipients: undefined, socketTimeout: undefined, closeTimeout: undefined,
  onMessage: undefined, onTranscript: undefined,
} satisfies DebugServerOptions;
export async function use(): Promise<void> {
  await using server = await startDebugServer(options);
  await startDebugServer({ tls: config.tls ? { key: "k", cert: "c", mode: undefined } : undefined });
  await server.waitForMessages(1, { timeout: undefined, signal: undefined });
}
`;

test("the debugging server's options take undefined as not given (exactOptionalPropertyTypes)", () => {
  const diagnostics = typeCheck([{ file: `${ROOT}test/package/debug-server-undefined.ts`, text: UNDEFINED }], { exactOptionalPropertyTypes: true, strict: true });
  assert.equal(diagnostics.length, 0, ts.formatDiagnostics(diagnostics, formatHost));
});
