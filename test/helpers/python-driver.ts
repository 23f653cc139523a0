/**
 * Runs one of the CPython parity drivers (test/parity/*.py, read from the source tree: the
 * build copies no .py file) with a JSON spec on stdin, and parses the JSON it prints. A
 * missing python3 or driver fails the test, never skips it: CI machines have both.
 * @module
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The repository root (from build/test/helpers). */
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
/** The interpreter; `PARITY_PYTHON` picks another one. */
const PYTHON = process.env["PARITY_PYTHON"] ?? "python3";

/** The path of the driver `name` (a file in test/parity/). */
export function parityDriver(name: string): string {
  return `${ROOT}test/parity/${name}`;
}

/** Runs `driver` with `spec` as JSON on stdin; resolves with its JSON output. */
export async function runPythonDriver(driver: string, spec: unknown): Promise<unknown> {
  if (!existsSync(driver)) throw new Error(`parity driver missing: ${driver}`);
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(PYTHON, [driver], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    child.on("error", (err) => reject(new Error(`cannot run ${PYTHON} for the parity tests: ${err.message}`)));
    child.on("close", (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${PYTHON} ${driver} exited ${code}: ${stderr}`))));
    child.stdin.end(JSON.stringify(spec));
  });
  return JSON.parse(out) as unknown;
}
