/**
 * The built declarations (dist/*.d.ts), as a user's TypeScript project checks them: with
 * `skipLibCheck` off and under each `moduleResolution` a project may use, including
 * `node10` with CommonJS output, which README allows (`require("smtplib")` on Node.js
 * 20.19), and without `esModuleInterop` or `allowSyntheticDefaultImports`.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { formatHost, typeCheck } from "../docs/readme-run.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
/** The packages a user's install brings with ours. */
const DEPENDENCIES = Object.keys((JSON.parse(readFileSync(`${ROOT}package.json`, "utf8")) as { dependencies: Record<string, string> }).dependencies);

/** Module settings of users' projects. */
const PROJECTS: readonly (readonly [string, ts.CompilerOptions])[] = [
  ["node16", { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 }],
  ["nodenext", { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext }],
  ["bundler", { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, allowSyntheticDefaultImports: false }],
  ["node10, CommonJS", { module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, esModuleInterop: false }],
];

for (const [entry, name, options] of PROJECTS.flatMap((p) => ["index", "debug-server"].map((e) => [e, ...p] as const))) {
  test(`dist/${entry}.d.ts type-checks in a strict project (${name}, skipLibCheck off, no esModuleInterop)`, () => {
    const program = ts.createProgram([`${ROOT}dist/${entry}.d.ts`], {
      ...options, strict: true, noEmit: true, skipLibCheck: false, target: ts.ScriptTarget.ES2022,
      lib: ["lib.es2022.d.ts"], types: ["node"], typeRoots: [`${ROOT}node_modules/@types`],
    });
    // Every file's, not only ours: an error in a dependency's declarations that ours reach
    // (smtp-server's, under a project without esModuleInterop) fails the user's build too.
    const diagnostics = ts.getPreEmitDiagnostics(program);
    const host = { getCanonicalFileName: (f: string) => f, getCurrentDirectory: () => ROOT, getNewLine: () => "\n" };
    assert.equal(diagnostics.length, 0, ts.formatDiagnostics(diagnostics, host));
    // Types of packages a user's project may not have (our development dependencies) must
    // not be reached: only ours, those our dependencies ship, Node's (with undici-types,
    // which @types/node brings) and TypeScript's own.
    const reachable = [`${ROOT}dist/`, ...["typescript", "@types/node", "undici-types", ...DEPENDENCIES].map((d) => `${ROOT}node_modules/${d}/`)];
    const foreign = program.getSourceFiles().map((f) => f.fileName).filter((f) => !reachable.some((dir) => f.startsWith(dir)));
    assert.deepEqual(foreign, []);
  });
}

test("LMTP's data() is typed as API.md gives it: its reply carries `recipients`, not maybe", () => {
  const diagnostics = typeCheck([{
    file: `${ROOT}test/package/lmtp-data-reply.ts`,
    text: `import { LMTP, SMTP, type SMTPReply } from "smtplib";
      export async function lmtp(client: LMTP): Promise<Map<string, SMTPReply>> { return (await client.data("x")).recipients; }
      export async function smtp(client: SMTP): Promise<SMTPReply> { return client.data("x"); }`,
  }]);
  assert.equal(diagnostics.length, 0, ts.formatDiagnostics(diagnostics, formatHost));
});

test("a Web ReadableStream is a message body in a project whose lib has DOM without DOM.AsyncIterable (fetch's body, as README says)", () => {
  // The DOM's ReadableStream is an async iterable only with DOM.AsyncIterable; the bodies
  // README lists must type-check whichever ReadableStream the user's lib declares.
  const diagnostics = typeCheck([{
    file: `${ROOT}test/package/web-stream-body.ts`,
    text: `import { SMTP, SMTPPool, type MessageBody } from "smtplib";
      export async function send(client: SMTP, pool: SMTPPool, web: ReadableStream<Uint8Array>, response: Response): Promise<void> {
        const body: MessageBody = web;
        await client.sendmail("a@x.test", "b@y.test", body);
        await client.deliver("a@x.test", "b@y.test", response.body!);
        await pool.sendmail("a@x.test", "b@y.test", new ReadableStream<string>());
      }`,
  }], { lib: ["ES2022", "ESNext.Disposable", "DOM"] });
  assert.equal(diagnostics.length, 0, ts.formatDiagnostics(diagnostics, formatHost));
});

test("timeouts: a phase set to null or undefined type-checks, as its TSDoc says it is one not given (exactOptionalPropertyTypes too)", () => {
  const diagnostics = typeCheck([{
    file: `${ROOT}test/package/timeouts-null.ts`,
    text: `import { SMTP, type SMTPOptions } from "smtplib";
      declare const configured: number | undefined;
      export const options: SMTPOptions = { timeouts: { command: null, dataBlock: undefined, dataTermination: configured } };
      export const client = new SMTP({ timeouts: { greeting: null } });`,
  }], { exactOptionalPropertyTypes: true });
  assert.equal(diagnostics.length, 0, ts.formatDiagnostics(diagnostics, formatHost));
});
