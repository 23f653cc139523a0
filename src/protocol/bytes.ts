/**
 * Byte helpers shared by the protocol modules. Pure: no I/O.
 * @module
 */

/** Views any `Uint8Array` as a `Buffer` without copying. */
export function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** How many lines `bytes` ends: its LF bytes (found natively, no copy). */
export function countLines(bytes: Buffer): number {
  let n = 0;
  for (let i = bytes.indexOf(0x0a); i !== -1; i = bytes.indexOf(0x0a, i + 1)) n++;
  return n;
}

/** A copy of `text` that shares no storage with the string it was cut from (a slice of a large read would keep it alive). */
export function flatCopy(text: string): string {
  return Buffer.from(text, "latin1").toString("latin1");
}
