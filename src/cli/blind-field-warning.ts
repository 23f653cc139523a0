/**
 * The warning `smtplib send` prints for a message whose header section holds a `Bcc` or
 * `Resent-Bcc` field: it sends the message's bytes as they are (unlike the library's
 * `sendMessage`, which never transmits those fields), so every recipient sees the field.
 * @module
 */

/**
 * The warning line for a field named `name` (as written: `Bcc`, `RESENT-BCC`). The blind
 * recipients are named by where they are not: `--to` gives every recipient.
 */
export function blindFieldWarning(name: string): string {
  const resent = name.toLowerCase().startsWith("resent-") ? "Resent-" : "";
  return `smtplib: warning: the message has a ${name} field, sent as it is: every recipient sees it `
    + `(remove it from the message; the blind recipients are the --to addresses not in ${resent}To or ${resent}Cc)`;
}

/**
 * What reading the message calls with the name of the field found: writes
 * {@link blindFieldWarning} with `err`. On a terminal (`stream`, stderr), whose last line may
 * hold a progress bar or a waiting line, that line is erased first, so the warning gets a
 * line of its own and the display, redrawn, goes on below it (with none, the cursor is at the
 * start of an empty line, which erasing leaves as it is).
 */
export function blindFieldWarner(err: (text: string) => void, stream: NodeJS.WriteStream = process.stderr): (name: string) => void {
  return (name) => {
    if (stream.isTTY) stream.write("\r\x1b[K");
    err(blindFieldWarning(name));
  };
}
