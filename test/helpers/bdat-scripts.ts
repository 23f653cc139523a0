/**
 * Scaffolding shared by the CHUNKING / BDAT (RFC 3030) client tests: EHLO replies that
 * offer CHUNKING, and a large dot-heavy body with the script of its ~256 KiB chunks.
 */

import { greeting } from "./client.js";
import { scriptEscape } from "./flow-trace.js";

/** Script lines: greeting and EHLO offering PIPELINING, BINARYMIME and CHUNKING. */
export const EHLO_CHUNKING_PIPELINING = greeting(["PIPELINING", "BINARYMIME", "CHUNKING"]);

/** Script lines: greeting and EHLO offering CHUNKING alone (lock-step). */
export const EHLO_CHUNKING = greeting(["CHUNKING"]);

/** Script lines: greeting and EHLO offering PIPELINING and CHUNKING. */
export const EHLO_BDAT = greeting(["PIPELINING", "CHUNKING"]);

/** One KiB. */
export const KIB = 1024;

/** 600 KiB of dot-heavy lines, in 64 KiB source chunks (a chunk boundary falls mid-line). */
export function bigBody(): { chunks: Buffer[]; whole: Buffer } {
  const line = Buffer.from(".line with a leading dot\r\n", "latin1");
  const whole = Buffer.alloc(600 * KIB);
  for (let i = 0; i < whole.length; i += line.length) line.copy(whole, i);
  const chunks: Buffer[] = [];
  for (let i = 0; i < whole.length; i += 64 * KIB) chunks.push(whole.subarray(i, i + 64 * KIB));
  return { chunks, whole };
}

/** The script of {@link bigBody}'s `whole` sent as 256 KiB, 256 KiB and a LAST chunk, pipelined or lock-step. */
export function chunkedScript(whole: Buffer, pipelined: boolean): string {
  const sizes = [256 * KIB, 256 * KIB, whole.length - 512 * KIB];
  let at = 0;
  const bdat = sizes.map((n, i) => {
    const part = whole.subarray(at, at + n).toString("latin1");
    at += n;
    const cmd = `C: BDAT ${n}${i === sizes.length - 1 ? " LAST" : ""}\nC! ${scriptEscape(part)}`;
    return pipelined ? cmd : `${cmd}\nS: 250 ${n} octets`;
  }).join("\n");
  return pipelined
    ? `${EHLO_CHUNKING_PIPELINING}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
${bdat}
S: 250 ok
S: 250 ok
S: 250 chunk 1
S: 250 chunk 2
S: 250 queued
`
    : `${EHLO_CHUNKING}
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<b@y.test>
S: 250 ok
${bdat}
`;
}
