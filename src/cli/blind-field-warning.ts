/**
 * The warning `smtplib send` prints for a message whose header section holds a `Bcc` or
 * `Resent-Bcc` field: it sends the message's bytes as they are (unlike the library's
 * `sendMessage`, which never transmits those fields), so every recipient sees the field.
 * @module
 */
import { aboveBar } from "./progress.js";

/**
 * The warning line for a field named `name` (as written: `Bcc`, `RESENT-BCC`). The blind
 * recipients are named by where they are not: `--to` gives every recipient. `remedy` says how
 * to leave the field out (default: of a message file).
 */
export function blindFieldWarning(name: string, remedy = "remove it from the message"): string {
  const resent = name.toLowerCase().startsWith("resent-") ? "Resent-" : "";
  return `smtplib: warning: the message has a ${name} field, sent as it is: every recipient sees it `
    + `(${remedy}; the blind recipients are the --to addresses not in ${resent}To or ${resent}Cc)`;
}

/**
 * What reading the message calls with the name of the field found: writes
 * {@link blindFieldWarning} with `err` on `stream` (stderr). On a terminal, a progress bar is
 * taken off and drawn again below the warning (see {@link aboveBar}), and a waiting line on the
 * last line is erased first (it is drawn again below at its next second), so the warning gets
 * a line of its own (with neither, the cursor is at the start of an empty line, which erasing
 * leaves as it is).
 */
export function blindFieldWarner(err: (text: string) => void, stream: NodeJS.WriteStream = process.stderr): (name: string) => void {
  return (name) => aboveBar(stream, () => {
    if (stream.isTTY) stream.write("\r\x1b[K");
    err(blindFieldWarning(name));
  });
}
