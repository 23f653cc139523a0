/**
 * `SMTP_SSL`: SMTP over TLS from the first byte (RFC 8314 implicit TLS), port 465.
 * @module
 */

import type * as tls from "node:tls";
import { SMTP_SSL_PORT } from "../constants.js";
import type { ClientClassName } from "./options.js";
import { SMTP } from "./smtp.js";
import { recheckTLSOptions } from "../tls-taken-keys.js";

/**
 * An SMTP client that speaks TLS from the first byte. Certificates and host names are
 * verified by default (Node's defaults) against the host connected to, or `tls.servername`;
 * SNI is sent for host names (never for IP addresses). Connecting to a plain-text port
 * (25, 587) fails at once with "this looks like a plain-text SMTP port: connect with SMTP
 * and call starttls()", and to another plain-text server (HTTP) with "this looks like an
 * HTTP server" (see `diagnoseTLS`); a certificate failure names the host, the reason and the `tls`
 * option that fixes it (`ca`, `servername`, or, insecurely, `rejectUnauthorized: false`).
 * @throws from `connect()`: SMTPException for any TLS failure, with Node's error as `cause`.
 */
export class SMTP_SSL extends SMTP {
  /** Port 465. */
  static override readonly defaultPort: number = SMTP_SSL_PORT;
  /** Advice in errors names `SMTP_SSL` (`SMTP_SSL.connect(...)`), and never tells its user to use it. */
  protected static override readonly adviceName: ClientClassName = "SMTP_SSL";

  /** The `tls` options, checked again (the object is the caller's: see `recheckTLSOptions`). @throws TypeError */
  protected override get implicitTLS(): tls.ConnectionOptions {
    const options = this.options.tls ?? {};
    recheckTLSOptions(options);
    return options;
  }
}
