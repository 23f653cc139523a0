/**
 * Byte helpers shared by the protocol modules. Pure: no I/O.
 * @module
 */

/** Views any `Uint8Array` as a `Buffer` without copying. */
export function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
