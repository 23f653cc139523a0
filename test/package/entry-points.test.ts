/**
 * The package as its users load it, by name (Node's self-reference through package.json
 * "exports", which resolves to the built `dist/`): an ES module import, a CommonJS
 * `require` (Node >= 20.19 loads an ES module synchronously), the CLI's bin file, and the
 * sources the declaration maps point at.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { dirname, resolve } from "node:path";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
/**
 * The package's name, held in a variable: the type check (`npm test` runs it before the
 * build) then does not resolve it to `dist/`, which a fresh clone does not have yet.
 */
const PACKAGE: string = "smtplib";
const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, "utf8")) as { bin: Record<string, string> };

test("import('smtplib') gives the built package's API", async () => {
  const mod = (await import(PACKAGE)) as Record<string, unknown>;
  for (const name of ["SMTP", "SMTP_SSL", "LMTP", "SMTPPool", "SMTPException", "quoteaddr"]) {
    assert.equal(typeof mod[name], "function", name);
  }
});

test("require('smtplib') works from CommonJS and gives the same objects as import", async () => {
  const required = createRequire(`${ROOT}package.json`)(PACKAGE) as Record<string, unknown>;
  const imported = (await import(PACKAGE)) as Record<string, unknown>;
  assert.equal(typeof required["SMTP"], "function");
  assert.equal(required["SMTP"], imported["SMTP"]);
  assert.equal(required["SMTPResponseException"], imported["SMTPResponseException"]);
});

test("the bin file is in dist/ and starts with a node shebang", () => {
  const bin = pkg.bin["smtplib"];
  assert.ok(bin?.startsWith("./dist/"), String(bin));
  assert.match(readFileSync(`${ROOT}${bin}`, "utf8"), /^#!\/usr\/bin\/env node\n/);
});

test("declaration maps point at sources the package ships (editors' go-to-definition)", () => {
  const files = (JSON.parse(readFileSync(`${ROOT}package.json`, "utf8")) as { files: string[] }).files;
  const map = JSON.parse(readFileSync(`${ROOT}dist/index.d.ts.map`, "utf8")) as { sources: string[] };
  for (const source of map.sources) {
    const shipped = fileURLToPath(new URL(source, `file://${ROOT}dist/index.d.ts.map`)).slice(ROOT.length);
    assert.ok(files.some((f) => shipped.startsWith(`${f}/`)), `${shipped} is not in package.json "files"`);
    assert.ok(readFileSync(`${ROOT}${shipped}`, "utf8").length > 0);
  }
});

test("the bundled package keeps every exported class's name (errors' `name` comes from it; the bundler renames clashing names)", async () => {
  const mod = (await import(PACKAGE)) as Record<string, unknown>;
  const classes = Object.entries(mod).filter(([, v]) => typeof v === "function" && /^class\b/.test(Function.prototype.toString.call(v)));
  assert.ok(classes.length >= 15, `${classes.length} classes`);
  for (const [name, cls] of classes) assert.equal((cls as { name: string }).name, name);
  const { SMTPServerDisconnected } = mod as { SMTPServerDisconnected: new (m: string) => Error };
  assert.equal(new SMTPServerDisconnected("x").name, "SMTPServerDisconnected");
});

test("the CLI and the demo run from the bundle, sharing one copy of the library with it", () => {
  for (const entry of [pkg.bin["smtplib"]!, "./dist/demo.js"]) {
    const text = readFileSync(`${ROOT}${entry}`, "utf8");
    assert.doesNotMatch(text, /class SMTPException\b/, `${entry} has its own copy of the errors`);
  }
});

test("packing builds dist/ first: a tarball packed from a fresh clone is not without the library and the bin", () => {
  const scripts = (JSON.parse(readFileSync(`${ROOT}package.json`, "utf8")) as { scripts: Record<string, string> }).scripts;
  // npm pack and npm publish run "prepack"; dist/ is not in git, so without it they ship none
  // (or a stale one, built from other sources)
  assert.match(scripts["prepack"] ?? "", /^(node scripts\/build\.mjs|npm run build)$/);
});

test("tools that do not read \"exports\" (resolve, older Jest and bundlers) find the same entry through \"main\"", () => {
  const manifest = JSON.parse(readFileSync(`${ROOT}package.json`, "utf8")) as { main?: string; exports: Record<string, { import: string }> };
  assert.equal(manifest.main, manifest.exports["."]!.import);
  assert.ok(readFileSync(`${ROOT}${manifest.main}`, "utf8").length > 0);
});

test("\"exports\" has smtplib/debug-server with its types, and the files it names exist", () => {
  const manifest = JSON.parse(readFileSync(`${ROOT}package.json`, "utf8")) as { exports: Record<string, Record<string, string>> };
  assert.deepEqual(manifest.exports["./debug-server"], { types: "./dist/debug-server.d.ts", import: "./dist/debug-server.js", default: "./dist/debug-server.js" });
  for (const file of Object.values(manifest.exports["./debug-server"]!)) assert.ok(readFileSync(`${ROOT}${file}`, "utf8").length > 0, file);
});

/** The files an entry of dist/ loads (its static imports, transitively) and the packages they import. */
function loadedBy(entry: string): { files: string[]; packages: Set<string> } {
  const files: string[] = [];
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.includes(file)) return;
    files.push(file);
    for (const m of readFileSync(file, "utf8").matchAll(/^(?:import|export)\b[^;]*?(?:from\s*)?"([^"]+)";/gm)) {
      if (m[1]!.startsWith(".")) visit(resolve(dirname(file), m[1]!));
      else packages.add(m[1]!);
    }
  };
  visit(`${ROOT}${entry}`);
  return { files, packages };
}

test("the library's entry loads none of the debugging server (smtp-server, dist/server/ code), which smtplib/debug-server loads", () => {
  const library = loadedBy("dist/index.js");
  assert.ok(library.packages.has("node:net"), "the import scan finds the library's own imports");
  assert.ok(!library.packages.has("smtp-server"), [...library.packages].join(" "));
  for (const file of library.files) assert.doesNotMatch(readFileSync(file, "utf8"), /^\/\/ dist\/server\//m, file);
  assert.ok(loadedBy("dist/debug-server.js").packages.has("smtp-server"));
});

test("npm pack ships smtplib/debug-server: its bundle, declarations and source", async () => {
  // --ignore-scripts: not "prepack", which would rebuild dist/ under the other tests
  const stdout = await new Promise<string>((done, fail) => {
    execFile("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: ROOT }, (err, out) => (err ? fail(err) : done(out)));
  });
  const files = (JSON.parse(stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
  for (const file of ["dist/debug-server.js", "dist/debug-server.d.ts", "dist/server/debug-server.d.ts", "dist/server/inbox.d.ts", "src/debug-server.ts"]) {
    assert.ok(files.includes(file), `${file} is not in the package`);
  }
});
