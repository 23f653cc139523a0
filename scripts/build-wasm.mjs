#!/usr/bin/env node
/**
 * Compiles src/protocol/dot-stuff.wat (the dot-stuffing kernel) with wabt and writes its
 * bytes, base64, to src/protocol/dot-stuff-kernel.ts. The generated file is committed, so
 * building the library needs no WebAssembly toolchain; run this after editing the .wat
 * (`npm run build:wasm`). test/protocol/dot-stuff.test.ts ("the committed kernel bytes are
 * dot-stuff.wat compiled") fails when the two differ.
 *
 *   node scripts/build-wasm.mjs          write the file
 *   node scripts/build-wasm.mjs --print  print the base64 only
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Compiles the kernel's text to bytes. */
export async function compileKernel() {
  const wabt = await (await import("wabt")).default();
  const source = readFileSync(fileURLToPath(new URL("../src/protocol/dot-stuff.wat", import.meta.url)), "utf8");
  const module = wabt.parseWat("dot-stuff.wat", source, { simd: true });
  try {
    module.validate();
    return Buffer.from(module.toBinary({}).buffer);
  } finally {
    module.destroy();
  }
}

/** The generated TypeScript module for `bytes`. */
export function kernelModule(bytes) {
  const b64 = bytes.toString("base64");
  const lines = b64.match(/.{1,100}/g) ?? [];
  return `/**
 * The dot-stuffing kernel, compiled from dot-stuff.wat by scripts/build-wasm.mjs.
 * Generated: do not edit (edit the .wat and run \`npm run build:wasm\`).
 * @module
 */

/** The WebAssembly module's bytes, base64 (${bytes.length} bytes). */
export const KERNEL_BASE64 =
${lines.map((l) => `  "${l}"`).join(" +\n")};
`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const bytes = await compileKernel();
  if (process.argv.includes("--print")) process.stdout.write(bytes.toString("base64") + "\n");
  else {
    const out = fileURLToPath(new URL("../src/protocol/dot-stuff-kernel.ts", import.meta.url));
    writeFileSync(out, kernelModule(bytes));
    process.stdout.write(`wrote ${out} (${bytes.length} bytes of WebAssembly)\n`);
  }
}
