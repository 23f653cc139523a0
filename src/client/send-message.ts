/**
 * What `SMTP.sendMessage()` does before anything is sent: the envelope from the message's
 * headers (Python's `send_message`), Bcc removed, and the MAIL options that SMTPUTF8 and
 * 8-bit data call for. Pure: no I/O; the SMTP class calls these and then `sendmail`.
 * @module
 */
import { describeType, quoted, SMTPNotSupportedError, tellDelivery } from "../errors.js";
import { isAsciiAddress, quoteaddr, quoteRecipient } from "../protocol/address.js";
import { normalizeLineEndingBytes } from "../protocol/dot-stuff.js";
import { foldLongHeaderLines } from "../protocol/fold.js";
import { hasParam, paramValue } from "../protocol/params.js";
import { checkWellFormed } from "./body.js";
import {
  fieldAfterHeaderSection,
  indentedField,
  findRecipients,
  findSender,
  hasEightBitData,
  hasUtf8Headers,
  parseHeaderSection,
  removeHeaderFields,
  resentPrefix,
} from "../protocol/message.js";

/** A whole RFC 5322 message: text (sent as UTF-8), bytes, or a builder such as mimetext's `MIMEMessage`. */
export type MessageInput = string | Uint8Array | { asRaw(): string };

/** A message ready for `sendmail`: its envelope, its bytes, and what the server must support. */
export interface PreparedMessage {
  /** The envelope sender: the caller's `from` as given, or the addr-spec found in the headers. */
  from: string;
  /** The envelope recipients: the caller's `to`, or the addr-specs found in the headers. */
  to: string[];
  /** `from` quoted for MAIL FROM (`quoteaddr`): checked once, here. */
  fromPath: string;
  /** Each of `to` quoted for RCPT TO. */
  toPaths: string[];
  /**
   * The message with CRLF line ends (for a binary body, in its header section only) and
   * without any `Bcc`/`Resent-Bcc` field (nor a leading mbox `From ` line), a header line
   * over 998 octets folded where it can be (RFC 5322 §2.1.1; see `foldLongHeaderLines`);
   * every other byte as given. Not yet dot-stuffed.
   */
  data: Buffer;
  /**
   * True when an envelope path (`fromPath`, `toPaths`) is not ASCII: SMTPUTF8 (RFC 6531) is
   * needed. A display name or comment in a given address is not sent, so it does not count.
   */
  smtputf8: boolean;
  /**
   * True when the header section, as sent (Bcc removed), holds UTF-8 beyond ASCII (raw UTF-8
   * in a Subject or a display name, RFC 6532 §3): SMTPUTF8 is asked for when the server
   * offers it (RFC 6531 §3.4); otherwise the message goes as 8-bit data (BODY=8BITMIME).
   * False for 8-bit headers that are not valid UTF-8 (a legacy charset): never declared UTF-8.
   */
  utf8Headers: boolean;
  /** True when the data holds a byte above 127: 8BITMIME (RFC 6152) or SMTPUTF8 is needed. */
  eightBit: boolean;
}

/** Fields never transmitted, whatever `from` and `to` say (as in Python). */
const BLIND_FIELDS: ReadonlySet<string> = new Set(["bcc", "resent-bcc"]);

/** The line at `start` (where a header section ended without an empty line), for an error message. */
function unseparatedLine(data: Uint8Array, start: number): string {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const lf = bytes.indexOf(0x0a, start);
  return bytes.toString("utf8", start, lf < 0 ? bytes.length : lf).replace(/\r$/, "");
}

/**
 * The message as bytes: strings and `asRaw()` text encoded as UTF-8.
 * @throws TypeError for text with a lone surrogate (see `checkWellFormed`).
 */
function messageBytes(msg: MessageInput): Uint8Array {
  if (typeof msg === "string") {
    checkWellFormed(msg);
    return Buffer.from(msg, "utf8");
  }
  if (msg instanceof Uint8Array) return msg;
  if (msg !== null && typeof msg === "object" && typeof msg.asRaw === "function") {
    const raw: unknown = msg.asRaw();
    if (typeof raw !== "string") throw new TypeError("msg.asRaw() must return a string");
    checkWellFormed(raw, "msg.asRaw()'s text");
    return Buffer.from(raw, "utf8");
  }
  throw new TypeError(`msg must be a string, a Uint8Array or an object with asRaw(), got ${describeType(msg)}`);
}

/**
 * Reads the envelope out of a whole message and readies its bytes, as Python's
 * `send_message` does: the sender is `from` when given, else the `Sender` field, else
 * `From`; the recipients are `to` when given (a string is one address), else every address
 * in `To`, `Cc` and `Bcc`. When the message holds exactly one set of `Resent-*` fields,
 * `Resent-Sender`/`Resent-From` and `Resent-To`/`Resent-Cc`/`Resent-Bcc` are used instead.
 * `Bcc` and `Resent-Bcc` are removed from the data in every case. `from` may be `""` for
 * the null reverse-path. With `binary` (the caller asked for `BODY=BINARYMIME`, RFC 3030
 * §3), only the header section gets CRLF line ends: the body's bytes go as given, since a
 * CR or LF in binary data is no line end.
 * @throws TypeError when `msg` is not a message, when it holds more than one set of
 *   Resent-* fields (even with `from` and `to` given, as in Python), when no sender or no
 *   recipient is found (Python would send `MAIL FROM:<None>` or fail after MAIL), when
 *   an address (given, or in a header that is read) cannot be parsed or holds CR, LF or NUL,
 *   or when a given recipient is blank (`""`, `"<>"`: no RCPT TO:<>), or when a Bcc or
 *   Resent-Bcc field follows a line that ended the header section without an empty line
 *   (it would be sent as text: see `fieldAfterHeaderSection`), or is followed by one (a
 *   wrapped address without its leading blank, which would be sent as text), or when a
 *   Bcc or Resent-Bcc field is on an indented line (see `indentedField`; not a mail
 *   program's fold that starts a line with "Bcc:", with no address after it).
 */
export function prepareMessage(msg: MessageInput, from?: string, to?: string | readonly string[], binary = false): PreparedMessage {
  const raw = messageBytes(msg);
  const data = normalizeLineEndingBytes(raw);
  const section = parseHeaderSection(data);
  // A line that is no field (`X Mailer: 1`, a wrapped value without its leading blank) ends
  // the header section, as in Python: a Bcc after it would go to every recipient as text.
  const blind = fieldAfterHeaderSection(data, section, BLIND_FIELDS);
  if (blind !== null) {
    throw new TypeError(`the message's header section ends at a line that is not a header field (${quoted(unseparatedLine(data, section.bodyStart), 60)}), so its ${blind} field after that line would be sent to every recipient as message text: fix that line, or put an empty line before the body`);
  }
  const prefix = resentPrefix(section);
  // A Bcc value wrapped onto a line without its leading blank: that line ends the header
  // section, and would go to every recipient as body text (a blind address, likely).
  const last = section.unseparated === true ? section.fields.at(-1) : undefined;
  if (last !== undefined && last.end === section.bodyStart && BLIND_FIELDS.has(last.key)) {
    throw new TypeError(`the message's header section ends where its ${last.name} field is followed by a line that is neither a header field nor its continuation (${quoted(unseparatedLine(data, section.bodyStart), 60)}), so that line would be sent to every recipient as message text: indent it (a wrapped line starts with a space or tab), or put an empty line before the body`);
  }
  // An indented Bcc (an indented template literal): text of the field above it, or of the
  // body when no line starts a field, sent to every recipient.
  const indented = indentedField(data, section, BLIND_FIELDS);
  if (indented !== null) {
    const of = indented.field !== undefined ? `of the field before it (${indented.field.name}: a line that starts with a space or tab continues that field)`
      : section.fields.length === 0 ? "of the body (the message has no header field: its first line is empty or indented)"
        : "before the first field (a line that starts with a space or tab continues a field, and none came before it)";
    throw new TypeError(`the message's ${indented.name} field is on an indented line, so it is no field but text ${of}, sent to every recipient: remove the indentation (a template literal's, say)`);
  }
  const names = prefix === "" ? ["Sender", "From"] : ["Resent-Sender", "Resent-From"];

  let sender: string;
  if (from !== undefined && from !== null) {
    if (typeof from !== "string") throw new TypeError("from must be a string");
    sender = from;
  } else {
    const found = findSender(data, section, prefix);
    if (found === null) throw new TypeError(`message has no sender: no ${names.join(" or ")} header with an address, and no from given`);
    sender = found;
  }

  let recipients: string[];
  if (to !== undefined && to !== null) {
    if (!Array.isArray(to) && typeof to !== "string") throw new TypeError("to must be a string or an array of strings");
    recipients = typeof to === "string" ? [to] : [...to];
    if (recipients.length === 0) throw new TypeError("no recipients: to is empty");
  } else {
    recipients = findRecipients(data, section, prefix);
    if (recipients.length === 0) {
      const fields = prefix === "" ? "To, Cc or Bcc" : "Resent-To, Resent-Cc or Resent-Bcc";
      throw new TypeError(`message has no recipients: no address in ${fields}, and no to given`);
    }
  }

  // Every address, given or found, is parsed once here: a malformed one fails before
  // anything is sent, and the transaction uses these paths.
  const fromPath = quoteaddr(sender);
  const toPaths = recipients.map((r) => quoteRecipient(r));
  let out = foldLongHeaderLines(removeHeaderFields(data, section, BLIND_FIELDS));
  // Removing and folding change only the header section: the body is the same tail.
  const bodyStart = out.length - (data.length - section.bodyStart);
  // Normalising only adds bytes: a longer `data` had lone CRs or LFs. A binary body keeps its own.
  if (binary && data.length !== raw.length) out = Buffer.concat([out.subarray(0, bodyStart), raw.subarray(rawOffset(raw, section.bodyStart))]);
  return {
    from: sender,
    to: recipients,
    fromPath,
    toPaths,
    data: out,
    smtputf8: ![fromPath, ...toPaths].every(isAsciiAddress),
    utf8Headers: hasUtf8Headers(out, bodyStart),
    eightBit: hasEightBitData(out),
  };
}

/**
 * The offset in `raw` of the byte that is at `normalized` once every lone CR and LF of
 * `raw` has become CRLF (`normalizeLineEndingBytes`); `normalized` must fall at a line
 * start there (a line end is never cut). Reads only the bytes before it.
 */
function rawOffset(raw: Uint8Array, normalized: number): number {
  let i = 0;
  for (let n = 0; n < normalized && i < raw.length; n++, i++) {
    if (raw[i] === 0x0d || raw[i] === 0x0a) {
      // A line end: CRLF, or a lone CR or LF, is CRLF once normalised.
      if (raw[i] === 0x0d && raw[i + 1] === 0x0a) i++;
      n++;
    }
  }
  return i;
}

/**
 * The MAIL FROM options for a prepared message: `given` (never changed), plus `SMTPUTF8`
 * and `BODY=8BITMIME` when an address needs SMTPUTF8 (as Python's `send_message` adds
 * them) or when the header section holds UTF-8 and the server offers SMTPUTF8 (RFC 6532
 * §3), or `BODY=8BITMIME` alone when only the data is 8-bit. UTF-8 headers with ASCII
 * addresses to a server without SMTPUTF8 go as 8-bit data (`BODY=8BITMIME`, so a server
 * without 8BITMIME still refuses them), as Python sends raw 8-bit headers and as MTAs relay
 * them; a caller who wants them refused there gives `SMTPUTF8` in `given`. An option the caller already gave is not added twice; a caller's
 * `BODY=` is kept. `features` is the server's EHLO keywords, lower-case (`esmtpFeatures`);
 * empty after HELO.
 * @throws SMTPNotSupportedError when an address needs SMTPUTF8 and the server does not
 *   advertise it (RFC 6531 §3.4), or when the data is 8-bit and the server advertises
 *   neither 8BITMIME nor SMTPUTF8 (or not BINARYMIME for a caller's `BODY=BINARYMIME`):
 *   8-bit data is never sent where it could be silently corrupted.
 * @throws TypeError when the caller gave `BODY=7BIT` for 8-bit data.
 */
export function mailOptionsFor(
  prepared: Pick<PreparedMessage, "smtputf8" | "utf8Headers" | "eightBit">,
  features: ReadonlyMap<string, string>,
  given: readonly string[] = [],
): string[] {
  const out = [...given];
  if (prepared.smtputf8 || (prepared.utf8Headers && features.has("smtputf8"))) {
    if (!features.has("smtputf8")) {
      throw new SMTPNotSupportedError(
        "One or more source or delivery addresses require internationalized email support, " +
          "but the server does not advertise the required SMTPUTF8 capability",
      );
    }
    if (!hasParam(out, "SMTPUTF8")) out.push("SMTPUTF8");
    if (!hasParam(out, "BODY")) out.push("BODY=8BITMIME");
  }
  if (prepared.eightBit) {
    checkEightBit(features, out);
    if (!hasParam(out, "BODY")) out.push("BODY=8BITMIME");
  }
  return out;
}

/**
 * Checks that 8-bit data may go to this server with these MAIL `options` (sendMessage's
 * message, sendmail's non-ASCII string body): only where 8BITMIME or SMTPUTF8 is advertised
 * (RFC 6152), so never where it could be silently corrupted. `features` as for
 * {@link mailOptionsFor}: empty after HELO.
 * @throws SMTPNotSupportedError when the server advertises neither (or not BINARYMIME for a
 *   caller's `BODY=BINARYMIME`); TypeError when the caller gave `BODY=7BIT`.
 */
export function checkEightBit(features: ReadonlyMap<string, string>, options: readonly string[]): void {
  const body = hasParam(options, "BODY") ? (paramValue(options, "BODY") ?? "").toUpperCase() : undefined;
  const eightBitOk = features.has("8bitmime") || features.has("smtputf8");
  if (body === "7BIT") throw new TypeError("BODY=7BIT was given, but the message holds 8-bit data");
  if (body === "BINARYMIME") {
    if (!features.has("binarymime")) throw new SMTPNotSupportedError("BODY=BINARYMIME was given, but the server does not advertise BINARYMIME");
  } else if ((body === undefined || body === "8BITMIME") && !eightBitOk) {
    throw new SMTPNotSupportedError("the message holds 8-bit data, but the server does not advertise 8BITMIME");
  }
}

/**
 * For a body stream, whose string chunks come only once MAIL (and DATA) went out: the error
 * for one that is not ASCII (8-bit data once encoded as UTF-8) where {@link checkEightBit}
 * refuses 8-bit data, as it refuses a whole string body before MAIL; `undefined` where it
 * may go. The error says that the message was not sent: the transaction is then abandoned
 * (see `streamChunks`).
 */
export function streamEightBitRefusal(features: ReadonlyMap<string, string>, options: readonly string[]): (() => Error) | undefined {
  try {
    checkEightBit(features, options);
    return undefined;
  } catch (err) {
    const { message } = err as Error;
    const text = tellDelivery(`${message}: a string chunk of the message stream is not ASCII (as UTF-8, 8-bit data)`, "not-delivered");
    return err instanceof TypeError ? () => new TypeError(text) : () => new SMTPNotSupportedError(text, { delivery: "not-delivered" });
  }
}

/**
 * The low-level `data()`'s error for text beyond ASCII (8-bit data once encoded as UTF-8)
 * in a transaction whose MAIL declared neither `BODY=8BITMIME` (or `BINARYMIME`) nor
 * `SMTPUTF8` (RFC 6152, RFC 6531): a whole string is refused before DATA, a stream's string
 * chunk when it comes (the connection then closes before the end of data). Python's
 * `data()` refuses any such text (UnicodeEncodeError, after DATA).
 */
export function undeclaredEightBit(): Error {
  const why = "the message holds text beyond ASCII (8-bit data as UTF-8), but this transaction's MAIL declared neither BODY=8BITMIME nor SMTPUTF8 (give one to mail())";
  return new SMTPNotSupportedError(tellDelivery(why, "not-delivered"), { delivery: "not-delivered" });
}
