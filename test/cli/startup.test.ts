// What every start of the `smtplib` command loads, read from the compiled import statements
// (no child process): the code of one command is not loaded for the others.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { readFile } from "node:fs/promises";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const BUILD_SRC = fileURLToPath(new URL("../../src/", import.meta.url));

/** The files `file` loads through static `import`/`export ... from` of relative paths, itself included. */
async function staticGraph(file: string, seen = new Set<string>()): Promise<Set<string>> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = await readFile(file, "utf8");
  for (const m of text.matchAll(/^\s*(?:import|export)\b[^;"]*?\bfrom\s*"(\.[^"]+)"|^\s*import\s*"(\.[^"]+)"/gm)) {
    await staticGraph(resolve(dirname(file), (m[1] ?? m[2])!), seen);
  }
  return seen;
}

test("startup: the bin loads only the signal handling before it takes SIGINT and SIGTERM; the rest comes after (see interrupt-before-main)", async () => {
  const files = [...await staticGraph(resolve(BUILD_SRC, "cli/main.js"))].map((f) => relative(BUILD_SRC, f));
  assert.deepEqual(files.sort(), ["cli/exit-codes.js", "cli/interrupts.js", "cli/main.js"]);
  assert.match(await readFile(resolve(BUILD_SRC, "cli/main.js"), "utf8"), /await import\("\.\/command-line\.js"\)/);
});

test("startup: the command loads neither the debugging server (serve only) nor the client library (send, probe) before it knows the command", async () => {
  const files = [...await staticGraph(resolve(BUILD_SRC, "cli/command-line.js"))].map((f) => relative(BUILD_SRC, f));
  assert.ok(files.includes("cli/args.js"), files.join(" "));
  assert.deepEqual(files.filter((f) => /^(server|client|cli\/(serve|send|probe))\b/.test(f)), []);
  // the other commands' entry points do reach them: the reading above follows imports
  assert.ok([...await staticGraph(resolve(BUILD_SRC, "cli/serve.js"))].some((f) => relative(BUILD_SRC, f).startsWith("server/")));
});
