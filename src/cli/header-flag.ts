/**
 * `smtplib send --header "Name: value"`: a header field added to the test message (or put in
 * place of one it makes), checked and encoded when the flag is read, so that a mistake is a
 * usage error before connecting and nothing the user did not write reaches the wire (no CR
 * or LF: a value is one field, never a second one). Pure: no I/O.
 * @module
 */
import { CommanderError, InvalidArgumentError } from "commander";
import { codePointName } from "../error-text.js";
import { parseAddressList } from "../protocol/address.js";
import { isBlindFieldName } from "../protocol/blind-field-scan.js";
import { splitAddressList } from "../protocol/address-list.js";
import { isAscii } from "../protocol/commands.js";
import { encodeHeaderText, headerMailbox } from "./test-message.js";

/** One `--header` field as it goes on the wire. */
export interface HeaderFlag {
  /** The field name as given (`X-Test`, `reply-to`). */
  readonly name: string;
  /** The value as sent: folded lines joined by CRLF and a space, ASCII unless {@link utf8}. */
  readonly value: string;
  /** The value holds an address whose addr-spec is not ASCII, kept as UTF-8: the message then needs SMTPUTF8 (RFC 6532). */
  readonly utf8: boolean;
}

/** RFC 5322 §2.2 field name: printable ASCII but the colon. */
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;
/** Longest line, CRLF not counted (RFC 5322 §2.1.1). */
const MAX_LINE = 998;
/** A control character no header value may hold (horizontal tab aside): C0, DEL and C1. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/;

/** Fields a message has at most once (RFC 5322 §3.6's table): a second would leave readers to pick one. */
const ONCE = new Set(["date", "from", "sender", "reply-to", "to", "cc", "bcc", "message-id", "in-reply-to", "references", "subject"]);

/** Fields whose value is a list of addresses (RFC 5322 §3.6.2, §3.6.3, §3.6.6). */
const ADDRESS_FIELDS = new Set(["from", "sender", "reply-to", "to", "cc", "bcc", "resent-from", "resent-sender", "resent-to", "resent-cc", "resent-bcc"]);

/**
 * Fields with a structure other than an address list (dates, message identifiers, MIME
 * parameters, trace fields), where encoded words are not allowed (RFC 2047 §5): text past
 * ASCII there has no 7-bit form.
 */
const STRUCTURED = new Set([
  "date", "message-id", "in-reply-to", "references", "resent-date", "resent-message-id", "return-path", "received",
  "mime-version", "content-type", "content-id", "content-disposition", "dkim-signature", "authentication-results",
]);

/** Fields the test message makes that a `--header` may not replace: send picks it for the body it encodes. */
const KEPT = new Set(["content-transfer-encoding"]);

/** The blank characters trimmed around a value. */
const BLANKS = /^[ \t]+|[ \t]+$/g;

/**
 * One `--header` value, `Name: value`, added to `previous`.
 * - The name is RFC 5322 field-name text (printable ASCII, no colon, no space); the value is
 *   what follows the first colon, blanks around it dropped.
 * - A control character in the value (a line break above all, which would start a field the
 *   user did not write) is refused, named by code point.
 * - An address field must read as an address list (see {@link checkAddressList}).
 * - Printable ASCII goes as written (an encoded word written there stays one); a value past
 *   ASCII goes as RFC 2047 encoded words in an unstructured field (`Subject`, `Comments`,
 *   `X-...`), and in an address field each display name does (the addresses as given;
 *   one not ASCII needs SMTPUTF8: {@link HeaderFlag.utf8}). Other structured fields
 *   (`Date`, `Message-ID`, `Content-Type`, ...) take ASCII only.
 * - `Content-Transfer-Encoding` is refused (send sets it for the body it encodes), and so
 *   is a second field of a name RFC 5322 allows once.
 * @throws InvalidArgumentError (commander's usage error) saying which rule the value breaks.
 */
export function parseHeaderFlag(text: string, previous: readonly HeaderFlag[] | undefined): HeaderFlag[] {
  const colon = text.indexOf(":");
  if (colon === -1) throw new InvalidArgumentError('expected "Name: value"');
  const name = text.slice(0, colon);
  if (!FIELD_NAME.test(name)) {
    throw new InvalidArgumentError(`"${name}" is not a field name (printable ASCII without spaces or a colon, RFC 5322 §2.2)`);
  }
  const key = name.toLowerCase();
  if (KEPT.has(key)) throw new InvalidArgumentError(`send sets ${name} for the body it encodes`);
  if (ONCE.has(key) && previous?.some((f) => f.name.toLowerCase() === key)) {
    throw new InvalidArgumentError(`${name} given twice: a message has one (RFC 5322 §3.6)`);
  }
  const raw = text.slice(colon + 1).replace(BLANKS, "");
  const control = CONTROL.exec(raw);
  if (control !== null) {
    throw new InvalidArgumentError(`the value holds ${codePointName(control[0])}: a field is one line of text${/[\r\n]/.test(control[0]) ? " (a line break would start another field)" : ""}`);
  }
  return [...(previous ?? []), encodeField(name, key, raw)];
}

/** The field as sent (see {@link parseHeaderFlag}). */
function encodeField(name: string, key: string, raw: string): HeaderFlag {
  if (ADDRESS_FIELDS.has(key)) checkAddressList(name, raw);
  if (isAscii(raw)) {
    if (name.length + 2 + raw.length > MAX_LINE) {
      // Unstructured text has a form that folds; the others would need folding at places only the user knows.
      if (ADDRESS_FIELDS.has(key) || STRUCTURED.has(key)) throw new InvalidArgumentError(`too long for one line (RFC 5322 §2.1.1: ${MAX_LINE} characters, the name included)`);
      return { name, value: encodeHeaderText(raw, name), utf8: false };
    }
    return { name, value: raw, utf8: false };
  }
  if (ADDRESS_FIELDS.has(key)) {
    const mailboxes: string[] = [];
    for (const element of splitAddressList(raw)) {
      if (!element.hasContent) continue;
      try {
        mailboxes.push(headerMailbox(element.text.replace(BLANKS, "")));
      } catch (err) {
        if (!(err instanceof TypeError)) throw err;
        throw new InvalidArgumentError(`"${element.text.trim()}" is not one address (with text past ASCII, give each as Name <addr>, separated by commas)`);
      }
    }
    return { name, value: mailboxes.join(",\r\n "), utf8: mailboxes.some((m) => !isAscii(m)) };
  }
  if (STRUCTURED.has(key)) throw new InvalidArgumentError(`${name} takes ASCII only (text past ASCII goes in unstructured fields such as Subject, Comments or X-..., and in display names)`);
  return { name, value: encodeHeaderText(raw, name), utf8: false };
}

/** An addr-spec with a domain: `local@domain`, not a bare local part (which ends in its quote or has no `@`). */
const HAS_DOMAIN = /@[^"]+$/;

/**
 * Checks an address field's value (ASCII goes as written; past ASCII, each display name is
 * encoded): a list of one or more addresses (`Name <addr>` or `addr`) or groups
 * (`undisclosed-recipients:;`), each with a domain (RFC 5322 §3.4); `Bcc` and `Resent-Bcc`
 * may also be empty. A typo in a field the user writes by hand is a usage error, not a
 * message whose readers and filters each guess; a message that must carry a malformed field
 * goes with `--file`, as written.
 * @throws InvalidArgumentError naming the element that is not an address.
 */
function checkAddressList(name: string, raw: string): void {
  const hint = "give each as Name <local@domain> or local@domain, separated by commas; --file sends a message as written";
  let specs: string[];
  try {
    specs = parseAddressList(raw);
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    throw new InvalidArgumentError(`${name}: ${err.message.replace(/ in ".*"$/s, "")} (${hint})`);
  }
  // Bcc alone may be empty (RFC 5322 §3.6.3: `"Bcc:" [address-list / CFWS]`)
  if (!isBlindFieldName(name) && (raw === "" || (specs.length === 0 && !raw.includes(":")))) {
    throw new InvalidArgumentError(`${name} needs an address (RFC 5322 §3.6; for none, a group such as undisclosed-recipients:;)`);
  }
  const bare = specs.find((spec) => !HAS_DOMAIN.test(spec));
  if (bare !== undefined) throw new InvalidArgumentError(`${name}: ${JSON.stringify(bare)} has no domain (${hint})`);
}

/**
 * The checks of `--header` fields that need the other flags: a `Subject` field beside
 * `--subject` (which one was meant?), a `Content-Type` with `--attach` (`attaching`: the
 * message's type is then multipart/mixed, which the field would replace), and an address past ASCII when the transaction does not
 * ask for SMTPUTF8 (`smtputf8`: an envelope address past ASCII, or `--mail-option SMTPUTF8`):
 * without it, a message with UTF-8 in its header section breaks RFC 6532.
 * @throws CommanderError (usage) naming the field.
 */
export function checkHeaderFlags(headers: readonly HeaderFlag[], subjectGiven: boolean, smtputf8: boolean, attaching: boolean): void {
  const usage = (text: string): never => { throw new CommanderError(2, "smtplib.usage", `error: --header ${text}`); };
  const named = (key: string): HeaderFlag | undefined => headers.find((f) => f.name.toLowerCase() === key);
  const subject = named("subject");
  if (subject !== undefined && subjectGiven) usage(`${subject.name} and --subject both give the subject (give it once)`);
  const type = named("content-type");
  if (type !== undefined && attaching) usage(`${type.name} cannot go with --attach (the message is then multipart/mixed; its text is text/plain)`);
  const wide = headers.find((f) => f.utf8);
  if (wide !== undefined && !smtputf8) usage(`${wide.name}: an address past ASCII needs SMTPUTF8 (add --mail-option SMTPUTF8)`);
}
