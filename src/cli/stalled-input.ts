/**
 * What `smtplib send` says when its message stopped coming (a pipe, stdin or a FIFO whose
 * writer holds it open and writes nothing): the library's wait for its next chunk timed out.
 * @module
 */

/** How far a streamed message had come when the wait for it ended. */
export interface Stall {
  /** The bytes read from the input by then. */
  readonly read: number;
  /**
   * True when those bytes were all still held to look for a Bcc field (the header section
   * not yet whole: see `BlindFieldScan`): none was given to the library, whose wait for
   * the first chunk ran on while they came.
   */
  readonly held: boolean;
}

/**
 * What did not come within `timeout` ms (`flag`: " (--timeout)" when that set it, or ""):
 * nothing at all; the rest of a header section whose start was held (its chunks may each
 * have come in time, the whole did not); or anything more after the bytes given.
 */
export function stallText(stall: Stall, timeout: number, flag: string): string {
  const within = `within ${timeout} ms${flag}`;
  if (stall.read === 0) return `nothing came from it ${within}`;
  if (!stall.held) return `nothing more came from it ${within}`;
  return `its first ${stall.read} bytes came, but not the rest of its header section ${within}, which is read whole (to look for a Bcc field) before any of it is sent`;
}
