/**
 * `LMTP` (RFC 2033): LHLO instead of EHLO, Unix sockets, and one reply per accepted
 * recipient after the data.
 * @module
 */

import { LMTP_PORT } from "../constants.js";
import type { SMTPReply } from "../protocol/reply.js";
import type { MessageBody } from "./body.js";
import type { Dialect } from "./conversation.js";
import type { ClientClassName } from "./options.js";
import { SMTP } from "./smtp.js";
import type { DataReply } from "./smtp-transactions.js";

/**
 * An LMTP client. `host` starting with `/` is a Unix socket path. A refused LHLO is an
 * `SMTPHeloError` (no HELO fallback, RFC 2033 §4.1). `sendmail` reports recipients
 * refused at RCPT or after the data in one map and throws `SMTPRecipientsRefused` only when
 * nobody got the message; `deliver` gives every recipient's reply. A 354 to a pipelined
 * DATA when no recipient was accepted (RFC 2033 §4.2 requires 503) closes the connection
 * (no lone "."): the call fails with the refusal, whose `cause` is that close. A 1yz/3yz
 * among the replies to the end of data ("." or BDAT LAST) closes the connection too (the
 * replies still due are never read): as the first reply, `sendmail`/`deliver` fail with
 * `SMTPDataError` (as SMTP's); after some, those recipients keep their outcome and the rest
 * are reported unknown (code -1), as when the connection is lost. A first reply that
 * refuses the end of data as a command (500-504, or an X.5.Y enhanced status) refuses every
 * recipient at once (a server may send it once, RFC 3030 §2); copies that follow are
 * dropped. The next call is written only once every reply due after the data has come; one
 * more that came with them closes the connection (the call keeps those due; calls queued
 * behind fail unsent), as it would otherwise reach the next command. With CHUNKING and
 * PIPELINING a message in memory goes whole, BDAT LAST with the envelope (one round trip;
 * its replies counted from the RCPT replies); a streamed body's chunks go only once the
 * RCPT replies, and BDAT LAST once its chunks' replies, are in: after a refused chunk the
 * count of replies to LAST would be unknown, so none is sent (RSET).
 */
export class LMTP extends SMTP {
  /** Port 2003. */
  static override readonly defaultPort: number = LMTP_PORT;
  /** Advice in errors names `LMTP` (`LMTP.connect(...)`), and never `SMTP_SSL`, which speaks SMTP. */
  protected static override readonly adviceName: ClientClassName = "LMTP";

  protected override get dialect(): Dialect {
    return "lmtp";
  }

  /**
   * DATA and the message, as SMTP's `data()`; the reply also carries `recipients`, one entry
   * per recipient accepted at RCPT with its reply after the data (API.md), and is the first
   * refusal, or the last reply when all succeeded.
   */
  override data(msg: MessageBody): Promise<DataReply & { recipients: Map<string, SMTPReply> }> {
    return super.data(msg) as Promise<DataReply & { recipients: Map<string, SMTPReply> }>;
  }
}
