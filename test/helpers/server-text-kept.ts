// The check shared by the tests of server text quoted in the library's messages: the CLI's
// rewording of the library's option names into flags leaves the server's words as they came.
import { strict as assert } from "node:assert";
import { describeError } from "../../src/cli/connect.js";
import { SMTPException } from "../../src/index.js";

/** Server text made of phrases the CLI rewords in the library's words (no comma: SCRAM splits on it; no quote). */
export const SAID = "use SMTP_SSL; tls.servername; requireTLS is set";
/** Every TLS mode the CLI words its advice for. */
export const MODES = [undefined, "none", "starttls", "require-tls", "ssl"] as const;

/** The CLI's line for `err`, for every TLS flag, keeps SAID as it came. */
export function assertKept(err: unknown, what: string): void {
  assert.ok(err instanceof SMTPException, `${what}: ${String(err)}`);
  assert.ok(err.message.includes(SAID), `${what}: the library's message quotes it: ${err.message}`);
  for (const mode of MODES) {
    const said = describeError(err, false, mode);
    assert.ok(said.includes(SAID), `${what} ${mode}: ${said}`);
    assert.doesNotMatch(said, /--ssl|--servername|--require-tls was given/, `${what} ${mode}: ${said}`);
  }
}
