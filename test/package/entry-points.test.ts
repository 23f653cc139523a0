/**
 * The package as its users load it, by name (Node's self-reference through package.json
 * "exports", which resolves to the built `dist/`): an ES module import, a CommonJS
 * `require` (Node >= 20.19 loads an ES module synchronously), the CLI's bin file, and the
 * sources the declaration maps point at.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

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
