// Runs every compiled unit test (build/test/**/*.test.js, except the interop suite,
// which needs real mail servers and runs with `npm run test:interop`) with node's
// built-in test runner, whose summary CI reads.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

function collect(dir, out = []) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== "interop") collect(path, out);
    } else if (name.endsWith(".test.js")) {
      out.push(path);
    }
  }
  return out;
}

const files = collect("build/test");
if (files.length === 0) {
  console.error("no test files found under build/test: run the build first");
  process.exit(1);
}
const args = ["--test", "--test-timeout=180000", ...process.argv.slice(2), ...files];
const result = spawnSync(process.execPath, args, { stdio: "inherit" });
process.exit(result.status ?? 1);
