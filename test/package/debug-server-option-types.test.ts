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
  maxClients: undefined, maxRecipients: undefined, socketTimeout: undefined, closeTimeout: undefined, greetingDelay: undefined, path: undefined,
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

const NULLS = `import { startDebugServer, type DebugServerOptions } from "smtplib/debug-server";
const options = {
  host: null, port: null, lmtp: null, name: null, tls: null, size: null, auth: null, extensions: null,
  refuseSenders: null, refuseRecipients: [{ address: "x@y.test", code: null, message: null }], refuseAfterData: null,
  maxClients: null, maxRecipients: null, socketTimeout: null, closeTimeout: null, greetingDelay: null, path: null, onMessage: null, onTranscript: null,
} satisfies DebugServerOptions;
export async function use(): Promise<void> {
  await using server = await startDebugServer(options);
  await startDebugServer({ tls: { key: "k", cert: "c", mode: null }, auth: { users: {}, methods: null, required: null, allowInsecure: null } });
  await startDebugServer({ extensions: { pipelining: null, dsn: null, chunking: null, hideStarttls: null } });
  await server.waitForMessages(1, { timeout: null, signal: null });
  void server;
}
`;

test("the debugging server's options take null as not given, as it does at run time (as the client's)", () => {
  const diagnostics = typeCheck([{ file: `${ROOT}test/package/debug-server-nulls.ts`, text: NULLS }], { exactOptionalPropertyTypes: true, strict: true });
  assert.equal(diagnostics.length, 0, ts.formatDiagnostics(diagnostics, formatHost));
});
