/**
 * The methods of smtp-server's connections that the debugging server wraps or calls
 * (`enableChunking`, `greetAfter`): they are not in smtp-server's public types, so each user
 * checks, when the server starts, that the installed version has them. Another version
 * without one would break only later, on a connection.
 * @module
 */
import { SMTPConnection } from "smtp-server/lib/smtp-connection.js";

/** Which of `names` smtp-server's connections do not have as methods (none: an empty list). */
export function missingConnectionMethods(names: readonly string[]): string[] {
  const proto = SMTPConnection.prototype as unknown as Record<string, unknown>;
  return names.filter((name) => typeof proto[name] !== "function");
}
