/**
 * A `sendmail`/`deliver`/`sendMessage` call checked before any byte is sent: addresses
 * quoted, options normalised, and the `SIZE=` it declares. Pure: no I/O.
 * @module
 */

import { isAsciiAddress, quoteaddr, quoteRecipient } from "../protocol/address.js";
import { normalizedLength } from "../protocol/dot-stuff.js";
import { normalizeParams } from "../protocol/params.js";
import type { Features } from "./conversation.js";
import { bdatLength } from "./bdat-parts.js";
import type { Body, Envelope } from "./transaction.js";

/** A checked request: what `sendmail` will send. */
export interface Request {
  from: string;
  fromPath: string;
  /** The recipients as the caller gave them, and their `<path>`s in the same order. */
  to: readonly string[];
  toPaths: readonly string[];
  mailOptions: string[];
  rcptOptions: string[];
  body: Body;
  /** A stream's size for `SIZE=`, when the caller gave it (a bytes body is measured: {@link declaredSize}). */
  size: number | undefined;
  /** True for a bytes body as the caller gave it: DATA will normalise its line endings. */
  rawBytes: boolean;
  /** Adds options that depend on the server (sendMessage's SMTPUTF8/8BITMIME). */
  serverOptions?: (features: ReadonlyMap<string, string>, given: string[]) => string[];
  /** Whether the caller reads `Delivery.delivered` (`deliver`) or only the refusals (`sendmail`). */
  report: boolean;
  /** The envelope built when the call was made, for the features (and their edits) it names (see `buildEarly`). */
  early?: { features: Features; changes: number; env: Envelope } | undefined;
}

/**
 * Bytes bodies up to this size are scanned for lone line endings to declare their exact
 * size over DATA; a larger one is scanned only when the server's SIZE limit is within reach
 * (see {@link declaredSize}): the scan costs ~0.5 ms per MB, ~10% of sending it here.
 */
const EXACT_SIZE_LIMIT = 1024 * 1024;

/**
 * The `SIZE=` value (RFC 1870): the bytes that go out, before dot-stuffing. BDAT sends a
 * bytes body as given (a text body with its last line ended: `bdatParts`); DATA turns its
 * lone CRs and LFs into CRLF, so they are counted: always up to {@link EXACT_SIZE_LIMIT},
 * and beyond it when the server's `limit` lies between the body's length and twice that
 * (each lone line end adds one byte at most), where a SIZE lower than the message could get
 * it refused once it has been sent whole. Otherwise its length is declared: RFC 1870 §3
 * takes SIZE as the client's estimate, and no limit can then fall between the two.
 */
export function declaredSize(req: Request, bdat: boolean, limit?: number): number | undefined {
  if (req.body.kind === "stream") return req.size;
  const { bytes } = req.body;
  if (bdat) return bdatLength(req.body);
  if (!req.rawBytes) return bytes.length;
  const exact = bytes.length <= EXACT_SIZE_LIMIT || (limit !== undefined && limit >= bytes.length && limit < 2 * bytes.length);
  return exact ? normalizedLength(bytes) : bytes.length;
}

/** The recipients as a list (a string is one). @throws TypeError for anything else. */
export function toList(to: string | readonly string[]): string[] {
  if (typeof to === "string") return [to];
  if (!Array.isArray(to)) throw new TypeError("recipients must be a string or an array of strings");
  return [...to];
}

/**
 * Each recipient's `<path>`. Built with push: see `normalizeParams`.
 * @throws TypeError for a bad address.
 */
function recipientPaths(list: readonly string[]): string[] {
  const out: string[] = [];
  for (const addr of list) out.push(quoteRecipient(addr));
  return out;
}

/** True when every address is ASCII (no SMTPUTF8 needed for them). */
export function allAscii(addrs: readonly string[]): boolean {
  for (const addr of addrs) if (!isAsciiAddress(addr)) return false;
  return true;
}

/**
 * The TypeError for a sender that is not a string. An object is the shape of Nodemailer's
 * `sendMail({ from, to, text })`: the message says how smtplib takes them instead.
 */
export function senderNotString(from: unknown): TypeError {
  return new TypeError(typeof from === "object" && from !== null
    ? "sender must be a string, got an object: sendmail(from, to, msg) takes the sender, the recipients and the message as arguments, not one object as Nodemailer's sendMail({ from, to, text }) does (a whole message with its headers goes to sendMessage(msg))"
    : "sender must be a string");
}

/**
 * Checks everything a caller gave, before any byte is sent. `quoted` holds the paths of
 * `from` and `to` when they were quoted already (sendMessage's prepareMessage).
 * @throws TypeError for a bad sender, recipient list, address or option.
 */
export function checkedRequest(
  from: string, to: string | readonly string[], body: Body, mailOptions: readonly string[], rcptOptions: readonly string[],
  size: number | undefined, report: boolean, quoted?: { fromPath: string; toPaths: readonly string[] },
): Request {
  if (typeof from !== "string") throw senderNotString(from);
  const list = toList(to);
  if (list.length === 0) throw new TypeError("no recipients: sendmail needs at least one");
  return {
    from, fromPath: quoted?.fromPath ?? quoteaddr(from),
    to: list, toPaths: quoted?.toPaths ?? recipientPaths(list),
    mailOptions: normalizeParams(mailOptions), rcptOptions: normalizeParams(rcptOptions),
    body, size, rawBytes: false, report,
  };
}
