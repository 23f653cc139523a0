/**
 * Loads the dot-stuffing kernel (dot-stuff.wat, compiled into dot-stuff-kernel.ts) once
 * per thread, synchronously. Pure: no I/O; `null` where WebAssembly (or its SIMD) is
 * unavailable, and the caller then uses its portable scan.
 * @module
 */

import { KERNEL_BASE64 } from "./dot-stuff-kernel.js";

/** A WebAssembly global, as far as it is used here. */
interface WasmGlobal {
  readonly value: unknown;
}

/** The raw exports of the module (see dot-stuff.wat). */
interface KernelExports {
  memory: { readonly buffer: ArrayBuffer };
  inMax: WasmGlobal;
  outAt: WasmGlobal;
  edits: WasmGlobal;
  state: WasmGlobal;
  stuff(n: number, state: number): number;
}

/** The part of the `WebAssembly` namespace used here (absent in `--jitless` runtimes). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

/** One thread's kernel: stuffs a chunk of at most {@link StuffKernel.inMax} bytes. */
export class StuffKernel {
  /** The largest chunk one call takes. */
  readonly inMax: number;
  /** The state after the last call (line-start and after-CR bits). */
  state = 0;
  readonly #exports: KernelExports;
  readonly #memory: Uint8Array;
  readonly #outAt: number;

  /** Wraps an instance's exports; its memory holds the input and output areas. */
  constructor(exports: KernelExports) {
    this.#exports = exports;
    this.#memory = new Uint8Array(exports.memory.buffer);
    this.inMax = exports.inMax.value as number;
    this.#outAt = exports.outAt.value as number;
  }

  /**
   * Stuffs `chunk` (at most {@link inMax} bytes) from `state`; the new state is in
   * {@link state}. Returns `chunk` itself when nothing changed (or a view of it without
   * the LF of a CRLF whose CR ended the previous chunk), else a buffer from `allocate`
   * (by default a new one).
   */
  stuff(chunk: Buffer, state: number, allocate: (length: number) => Buffer = Buffer.allocUnsafe): Buffer {
    const x = this.#exports;
    this.#memory.set(chunk, 0);
    const length = x.stuff(chunk.length, state);
    this.state = x.state.value as number;
    // Every edit counts at least 1 (see dot-stuff.wat), so a count equal to the dropped
    // leading LF means that LF was the only change.
    const skip = state & 2 && chunk[0] === 0x0a ? 1 : 0;
    if (x.edits.value === skip) return skip === 0 ? chunk : chunk.subarray(1);
    const out = allocate(length);
    out.set(this.#memory.subarray(this.#outAt, this.#outAt + length));
    return out;
  }
}

let kernel: StuffKernel | null | undefined;

/** The kernel, compiled on first use; `null` when this runtime cannot run it. */
export function loadKernel(): StuffKernel | null {
  if (kernel !== undefined) return kernel;
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  try {
    if (wasm === undefined) throw new Error("no WebAssembly");
    const module = new wasm.Module(Buffer.from(KERNEL_BASE64, "base64"));
    kernel = new StuffKernel(new wasm.Instance(module, {}).exports as KernelExports);
  } catch {
    kernel = null;
  }
  return kernel;
}
