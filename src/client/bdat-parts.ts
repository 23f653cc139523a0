/**
 * BDAT framing (RFC 3030): the parts of an in-memory body as BDAT sends them, and the BDAT
 * commands that carry them, with their bytes or ahead of them.
 * @module
 */

import { encodeBdat } from "../protocol/commands.js";
import { endsInCrlf } from "../protocol/dot-stuff.js";
import type { Command } from "./conversation.js";

/** The line end a text body's last line gets (see {@link bdatParts}). */
const CRLF = Buffer.from("\r\n", "latin1");

/**
 * What BDAT sends of an in-memory body, as the parts written one after the other: bytes as
 * given; a text body with its last line ended (CRLF appended, as a part of its own: no copy
 * of the message, if missing), so that it is stored as over DATA (and as Python's `data()`
 * sends it), whether or not the server offers CHUNKING. An empty body, text or bytes, has
 * no last line: it goes empty (`BDAT 0 LAST`, RFC 3030 §2), the empty message that DATA
 * sends as CRLF "." CRLF, as Python does (RFC 5321 §4.1.1.4's end of data, nothing before
 * it): the same SIZE (0) and progress either way.
 */
export function bdatParts(body: { bytes: Buffer; text?: boolean }): Buffer[] {
  return unendedText(body) ? [body.bytes, CRLF] : [body.bytes];
}

/** The length of {@link bdatParts}, all of them. */
export function bdatLength(body: { bytes: Buffer; text?: boolean }): number {
  return body.bytes.length + (unendedText(body) ? 2 : 0);
}

/** True for a text body whose last line has no CRLF (an empty one has no line: false). */
function unendedText(body: { bytes: Buffer; text?: boolean }): boolean {
  return body.text === true && body.bytes.length > 0 && !endsInCrlf(body.bytes);
}

/**
 * A BDAT command for `parts` (`size` bytes in all): with its bytes, in one write; or, when
 * they go `apart`, `BDAT n` or `BDAT n LAST` alone: the `n` bytes follow with `writePieces`,
 * so that by the time the reply is awaited (for LAST its `dataTermination` clock) they have
 * been handed to the socket.
 */
export function bdatCommand(parts: readonly Buffer[], last: boolean, size: number, apart: boolean): Command {
  const header = encodeBdat(size, last);
  return { bytes: apart ? [header] : [header, ...parts], log: `BDAT ${size}${last ? " LAST" : ""}`, phase: last ? "dataTermination" : "dataBlock" };
}

/** The bytes in `parts`, all of them. */
export function byteLength(parts: readonly Buffer[]): number {
  let size = 0;
  for (const part of parts) size += part.length;
  return size;
}
