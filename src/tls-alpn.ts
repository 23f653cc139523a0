/**
 * The check of `tls.ALPNProtocols`, which Node reads only once the socket exists: for STARTTLS
 * after the server's 220. An array with anything but names in it failed there (the connection
 * lost), and an empty name or bytes not in the ALPN wire format failed an assertion in Node's
 * TLS code (Node 20), which aborts the whole process. No I/O.
 * @module
 */

import { describeValue } from "./error-text.js";

/** RFC 7301 §3.1: a protocol name is 1 to 255 bytes. */
const MAX_NAME_BYTES = 255;

/**
 * Checks `tls.ALPNProtocols` (`what` names the options): absent (`undefined` or `null`), an
 * array of protocol names, each a string of 1 to 255 bytes in UTF-8, or bytes in the ALPN wire
 * format (each name, 1 to 255 bytes, after its length in one byte; none at all is no ALPN).
 * @throws TypeError naming the option, the index or the offset, never a crash later
 */
export function checkALPNProtocols(value: unknown, what: string): void {
  if (value === undefined || value === null) return;
  const name = `${what}.ALPNProtocols`;
  if (ArrayBuffer.isView(value)) {
    checkWireFormat(new Uint8Array(value.buffer, value.byteOffset, value.byteLength), name);
    return;
  }
  if (!Array.isArray(value) || !value.every((p) => typeof p === "string")) {
    throw new TypeError(`${name} must be an array of protocol names (strings), or bytes in the ALPN wire format (each name after its length in one byte), got ${describeValue(value)}`);
  }
  (value as string[]).forEach((protocol, i) => {
    const bytes = Buffer.byteLength(protocol, "utf8");
    if (bytes < 1 || bytes > MAX_NAME_BYTES) throw new TypeError(`${name}[${i}] must be a protocol name of 1 to ${MAX_NAME_BYTES} bytes (RFC 7301 §3.1), got ${bytes}`);
  });
}

/** Each name's length byte (1 to 255) followed by that many bytes, to the end exactly. @throws TypeError */
function checkWireFormat(bytes: Uint8Array, name: string): void {
  for (let at = 0; at < bytes.length; at += 1 + bytes[at]!) {
    const length = bytes[at]!;
    if (length === 0 || at + 1 + length > bytes.length) {
      throw new TypeError(`${name} as bytes must be in the ALPN wire format (each name, 1 to ${MAX_NAME_BYTES} bytes, after its length in one byte): the length at offset ${at} is ${length}, ${length === 0 ? "an empty name" : `past the end (${bytes.length} bytes)`}; or give the names as an array of strings`);
    }
  }
}
