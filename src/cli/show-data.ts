/**
 * Message bytes as `smtplib serve` prints them to a terminal: what a client sent, shown
 * faithfully and never run by the terminal.
 * @module
 */
import { escapeControl } from "../errors.js";
import { asBuffer } from "../protocol/bytes.js";
import { endsInCrlf } from "../protocol/dot-stuff.js";
import { showBytes } from "../server/transcript.js";

// eslint-disable-next-line no-control-regex
const CONTROL = /\r\n|[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/**
 * Renders message data for a terminal. CRLF and TAB stay as they are; valid UTF-8 is shown as
 * text; every byte that is not part of valid UTF-8 (Latin-1, binary) is shown as `\xNN`
 * rather than as U+FFFD, so 8-bit data can be told apart; a CR alone is shown as `\r` (raw,
 * it would move the cursor back and let later text hide what came before it on the line);
 * an LF alone as `\n` followed by a line break (SMTP requires CRLF, RFC 5321 §2.3.8: a client
 * that sends bare LFs should see it); other control characters (escape sequences) as `\uNNNN`.
 */
export function showData(data: Uint8Array): string {
  return showBytes(asBuffer(data)).replace(CONTROL, (c) => {
    if (c === "\r\n" || c === "\t") return c;
    if (c === "\n") return "\\n\n";
    return escapeControl(c);
  });
}

/**
 * Where to cut `data` to show at most `maxBytes` of it without splitting a UTF-8 character
 * (which would then show as bytes that are not UTF-8): `maxBytes`, moved back over at most
 * 3 continuation bytes; nor a CRLF, whose CR alone would show as `\r`, a bare CR the
 * message does not have: moved back before it.
 */
export function cutAt(data: Uint8Array, maxBytes: number): number {
  if (data.length <= maxBytes) return data.length;
  let cut = maxBytes;
  while (cut > 0 && maxBytes - cut < 3 && ((data[cut] ?? 0) & 0xc0) === 0x80) cut--;
  if (((data[cut] ?? 0) & 0xc0) === 0x80) return maxBytes;
  return cut > 0 && data[cut - 1] === 0x0d && data[cut] === 0x0a ? cut - 1 : cut;
}

/**
 * {@link showData} for data that arrives in pieces: each `push` returns what can be shown so
 * far, holding back at most a few bytes (a UTF-8 character or a CRLF cut by a piece's end; none
 * after a CRLF) so that the pieces show as the whole would; `end` returns the rest.
 */
export class DataShower {
  #held: Buffer = Buffer.alloc(0);
  /** Shows `chunk` (after the bytes held back from the last one), less a few bytes held back. */
  push(chunk: Uint8Array): string {
    const data = Buffer.concat([this.#held, chunk]);
    // data ending in CRLF has nothing cut to hold back: its last line is shown now, whole
    const cut = endsInCrlf(data) ? data.length : data.length <= 4 ? 0 : cutAt(data, data.length - 4);
    this.#held = Buffer.from(data.subarray(cut));
    return showData(data.subarray(0, cut));
  }
  /** Shows the bytes held back. */
  end(): string {
    const rest = showData(this.#held);
    this.#held = Buffer.alloc(0);
    return rest;
  }
}
