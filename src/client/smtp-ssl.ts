/**
 * `SMTP_SSL`: SMTP over TLS from the first byte (RFC 8314 implicit TLS), port 465.
 * @module
 */

import type tls from "node:tls";
import { SMTP_SSL_PORT } from "../constants.js";
import { SMTP } from "./smtp.js";

/**
 * An SMTP client that speaks TLS from the first byte. Certificates and host names are
 * verified by default (Node's defaults) against the host connected to, or `tls.servername`;
 * SNI is sent for host names (never for IP addresses).
 */
export class SMTP_SSL extends SMTP {
  /** Port 465. */
  static override readonly defaultPort: number = SMTP_SSL_PORT;

  protected override get implicitTLS(): tls.ConnectionOptions {
    return this.options.tls ?? {};
  }
}
