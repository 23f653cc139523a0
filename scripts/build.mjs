// Builds dist/, the package as users get it (`npm run build`):
// 1. tsc compiles src/ with tsconfig.build.json: the declarations (.d.ts, with maps back to
//    src/) and the JavaScript, the same code the unit tests run from build/;
// 2. esbuild bundles that JavaScript from the four entry points (the library, the debugging
//    server of `smtplib/debug-server`, the CLI, the demo) into a few files, shared code in
//    chunks, so that each class exists once whichever entry loaded it. Dependencies stay
//    external (npm installs them). The library's entry loads none of the server's code.
// Loading one file instead of ~90 modules takes about half the time and ~6 MiB less memory
// in every process that imports the library (bench/README.md, "Bundled dist").
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { build } from "esbuild";

const DIST = "dist";
const STAGE = ".bundle";
const ENTRIES = ["index.js", "debug-server.js", "cli/main.js", "demo.js"];

/** Every file under `dir`, as paths relative to it. */
function files(dir, prefix = "") {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path, join(prefix, name)) : [join(prefix, name)];
  });
}

rmSync(DIST, { recursive: true, force: true });
rmSync(STAGE, { recursive: true, force: true });
execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], { stdio: "inherit" });
await build({
  entryPoints: ENTRIES.map((entry) => join(DIST, entry)),
  outbase: DIST,
  outdir: STAGE,
  bundle: true,
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  // Not keepNames: it wraps every closure in a naming call, each time the closure is made
  // (on the send path too). Error classes set their `name` themselves, and no class is
  // renamed apart from another (only a helper function, `noop` -> `noop2`).
  // Maps through tsc's own maps back to src/*.ts, which the package ships.
  sourcemap: "linked",
  logLevel: "warning",
});
// tsc's JavaScript has been bundled: only its declarations stay.
for (const file of files(DIST)) {
  if (file.endsWith(".js") || file.endsWith(".js.map")) rmSync(join(DIST, file));
}
for (const file of files(STAGE)) {
  const to = join(DIST, file);
  rmSync(to, { force: true });
  mkdirSync(dirname(to), { recursive: true });
  renameSync(join(STAGE, file), to);
}
rmSync(STAGE, { recursive: true, force: true });
