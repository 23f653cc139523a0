/**
 * Type-checks README's TypeScript examples against the package's types, and runs them, each
 * in a child process of its own, against the bundled debugging server.
 * @module
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";

/** The repository (this file runs as build/test/docs/readme-run.js). */
export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** One module to type-check: its virtual file name and text. */
export interface CheckedModule {
  readonly file: string;
  readonly text: string;
}

/**
 * Type-checks `modules` as one program with the project's compiler options, in which
 * `"smtplib"` is the package's entry (src/index.ts, so that no build is needed),
 * `"smtplib/debug-server"` likewise (src/debug-server.ts), and every
 * file is a module (fragments have no import). Returns the diagnostics of `modules` only.
 * `compilerOptions` (as in a tsconfig.json, e.g. `{ lib: ["ES2022", "DOM"] }`) override the
 * project's, as a user's project would.
 */
export function typeCheck(modules: readonly CheckedModule[], compilerOptions: Readonly<Record<string, unknown>> = {}): ts.Diagnostic[] {
  const config = ts.parseJsonConfigFileContent({
    extends: "./tsconfig.base.json",
    compilerOptions: { ...compilerOptions, noEmit: true, moduleDetection: "force", paths: { "smtplib": ["./src/index.ts"], "smtplib/debug-server": ["./src/debug-server.ts"] } },
    files: [],
  }, ts.sys, ROOT);
  if (config.errors.length > 0) throw new Error(ts.formatDiagnostics(config.errors, formatHost));
  const virtual = new Map(modules.map((m) => [m.file, m.text]));
  const host = ts.createCompilerHost(config.options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, version, onError, create) => {
    const text = virtual.get(name);
    return text === undefined ? getSourceFile.call(host, name, version, onError, create) : ts.createSourceFile(name, text, version, true);
  };
  host.fileExists = (name) => virtual.has(name) || fileExists.call(host, name);
  host.readFile = (name) => virtual.get(name) ?? readFile.call(host, name);
  const program = ts.createProgram([...virtual.keys()], config.options, host);
  const own = modules.map((m) => program.getSourceFile(m.file)!);
  return [
    ...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics(),
    ...own.flatMap((file) => [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)]),
  ];
}

/** How diagnostics are printed. */
export const formatHost: ts.FormatDiagnosticsHost = {
  getCanonicalFileName: (name) => name,
  getCurrentDirectory: () => ROOT,
  getNewLine: () => "\n",
};

/** The outcome of a run: what the example printed. */
export interface RunOutput {
  readonly stdout: string;
  readonly stderr: string;
}

/** What a run needs besides the code. */
export interface RunOptions {
  /** Environment variables added to the child's. */
  readonly env?: Readonly<Record<string, string>>;
  /** Files to create in the child's working directory (an empty temporary one). */
  readonly files?: Readonly<Record<string, string | Uint8Array>>;
  /** PEM certificates the child trusts besides the system's (NODE_EXTRA_CA_CERTS). */
  readonly ca?: string;
}

/** The built entries the examples' `"smtplib"` and `"smtplib/debug-server"` stand for (built with the tests). */
const ENTRY = pathToFileURL(join(ROOT, "build/src/index.js")).href;
const DEBUG_SERVER_ENTRY = pathToFileURL(join(ROOT, "build/src/debug-server.js")).href;

/**
 * Runs TypeScript `code` as an ES module in a child Node.js process and resolves with what it
 * printed; rejects, with its output, when it exits other than 0 or runs past `guardMs` (a
 * hang guard, not a timed assertion). `"smtplib"` and `"smtplib/debug-server"` import the build of src/; other packages
 * resolve from the repository's node_modules.
 */
export async function runModule(code: string, options: RunOptions = {}, guardMs = 30_000): Promise<RunOutput> {
  const entries = code.replaceAll(`from "smtplib"`, `from ${JSON.stringify(ENTRY)}`).replaceAll(`from "smtplib/debug-server"`, `from ${JSON.stringify(DEBUG_SERVER_ENTRY)}`);
  const js = ts.transpileModule(entries, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  // The module lives under build/ so that packages resolve; it runs in a directory of its own.
  const codeDir = await mkdtemp(join(ROOT, "build", "readme-example-"));
  const workDir = await mkdtemp(join(tmpdir(), "smtplib-readme-"));
  try {
    const file = join(codeDir, "example.mjs");
    await writeFile(file, js);
    for (const [name, content] of Object.entries(options.files ?? {})) await writeFile(join(workDir, name), content);
    const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
    delete env["NODE_TEST_CONTEXT"];
    if (options.ca !== undefined) {
      env["NODE_EXTRA_CA_CERTS"] = join(workDir, "readme-test-ca.pem");
      await writeFile(env["NODE_EXTRA_CA_CERTS"], options.ca);
    }
    return await new Promise<RunOutput>((resolve, reject) => {
      execFile(process.execPath, [file], { cwd: workDir, env, timeout: guardMs, killSignal: "SIGKILL" }, (err, stdout, stderr) => {
        const why = err?.killed ? `still running after ${guardMs} ms: a connection left open keeps Node.js running` : err?.message.split("\n")[0];
        if (err) reject(new Error(`the example failed (${why})\n--- stdout\n${stdout}--- stderr\n${stderr}--- compiled\n${js}`));
        else resolve({ stdout, stderr });
      });
    });
  } finally {
    await rm(codeDir, { recursive: true, force: true });
    await rm(workDir, { recursive: true, force: true });
  }
}

/** A Unix socket that forwards every connection to 127.0.0.1:`port` (for LMTP's socket path). */
export async function unixForwarder(port: number): Promise<{ path: string; close(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "smtplib-sock-"));
  const path = join(dir, "lmtp.sock");
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, "127.0.0.1");
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => undefined);
      s.on("close", () => { client.destroy(); upstream.destroy(); });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    path,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
