/**
 * smtplib: an SMTP, ESMTP and LMTP client for Node.js, after Python's `smtplib`.
 * Re-exports only.
 * @module
 */

export { LMTP_PORT, SMTP_PORT, SMTP_SSL_PORT, DEFAULT_TIMEOUTS } from "./constants.js";
export type { TimeoutPhase } from "./constants.js";
export {
  SMTPAuthenticationError, SMTPConnectError, SMTPDataError, SMTPException, SMTPHeloError,
  SMTPNotSupportedError, SMTPPoolQueueFull, SMTPRecipientsRefused, SMTPResponseException,
  SMTPSenderRefused, SMTPServerDisconnected, SMTPTimeoutError,
} from "./errors.js";
export type { MessageDelivery, ReplyLike, SMTPDisconnectedOptions, SMTPErrorOptions } from "./errors.js";
export { quoteaddr, quotedata } from "./protocol/address.js";
export type { SMTPReply, ReplyLimits } from "./protocol/reply.js";
export { SMTP } from "./client/smtp.js";
export type { SMTPOptions } from "./client/smtp.js";
export type { SocketFactory, SocketTarget } from "./client/options.js";
export { SMTP_SSL } from "./client/smtp-ssl.js";
export { LMTP } from "./client/lmtp.js";
export type { DataReply, DeliverOptions, Delivery, SendMessageOptions } from "./client/smtp-transactions.js";
export type { LoginOptions } from "./client/smtp-secure.js";
export type { MessageBody } from "./client/body.js";
export type { MessageInput } from "./client/send-message.js";
export type { AuthObject } from "./client/authenticate.js";
export type { AuthContext, AuthCredentials, ChannelBinding, GivenCredentials, ChannelBindingType, SASLExchange, SASLMechanism, TokenSource } from "./auth/mechanism.js";
export { createScramSha256Mechanism, type ScramOptions } from "./auth/scram-sha-256.js";
export { createScramSha1Mechanism, type ScramSha1Options } from "./auth/scram-sha-1.js";
export { AuthRegistry, defaultRegistry, type RegisterOptions } from "./auth/registry.js";
export type { TLSInfo } from "./transport/connection.js";
export type { DebugLevel } from "./transport/trace.js";
export { SMTPPool } from "./pool/pool.js";
export type { PoolOptions } from "./pool/pool-options.js";
export type { RateLimit } from "./pool/rate-limit.js";
