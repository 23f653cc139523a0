// The part of the public API (shared/API.md) that the interop scenarios use, typed here and
// loaded at run time from the compiled library (build/src/index.js). Typing it locally keeps
// the interop suite compiling while the library grows: a missing feature is a failing
// scenario in the matrix, never a type error that breaks everyone's build.
import type { ConnectionOptions } from "node:tls";

export interface SMTPReply {
  code: number;
  message: string;
  lines: string[];
  enhancedStatus?: string;
  recipients?: Map<string, SMTPReply>;
}

export interface SMTPOptions {
  localHostname?: string;
  timeout?: number;
  tls?: ConnectionOptions;
  debugLevel?: 0 | 1 | 2;
  debugOutput?: (line: string) => void;
  /** Aborts whatever is in flight and closes the socket (API.md). */
  signal?: AbortSignal;
  /** Beyond Python (src/client/options.ts): use PIPELINING / CHUNKING when offered (default true). */
  pipelining?: boolean;
  chunking?: boolean;
  /** Refuse to send mail or credentials on an unencrypted connection. */
  requireTLS?: boolean;
  /** Per-phase limits in ms (README "Options"). */
  timeouts?: Partial<Record<"connect" | "greeting" | "command" | "dataInitiation" | "dataBlock" | "dataTermination", number>>;
  /** The SASL mechanisms login() chooses from (an `AuthRegistry`, made from `Library` by name). */
  authRegistry?: unknown;
}

export type AuthObject = (challenge?: Buffer) => string | Buffer | null | Promise<string | Buffer | null>;

export interface SMTPClient {
  connect(host?: string, port?: number): Promise<SMTPReply>;
  ehlo(name?: string): Promise<SMTPReply>;
  ehloOrHeloIfNeeded(): Promise<void>;
  hasExtn(name: string): boolean;
  starttls(tls?: ConnectionOptions): Promise<SMTPReply>;
  login(user: string, password: string, options?: { initialResponseOk?: boolean }): Promise<SMTPReply>;
  /** login() with any credentials: `{ user, token }` for XOAUTH2 and OAUTHBEARER. */
  loginWith(credentials: { user: string; password?: string; token?: string | (() => string | Promise<string>) }, options?: { initialResponseOk?: boolean }): Promise<SMTPReply>;
  auth(mechanism: string, authobject: AuthObject, options?: { initialResponseOk?: boolean }): Promise<SMTPReply>;
  authPlain(challenge?: Buffer): string | Buffer | null | Promise<string | Buffer | null>;
  authLogin(challenge?: Buffer): string | Buffer | null | Promise<string | Buffer | null>;
  authCramMd5(challenge?: Buffer): string | Buffer | null | Promise<string | Buffer | null>;
  user: string | null;
  password: string | null;
  mail(sender: string, options?: string[]): Promise<SMTPReply>;
  rcpt(recip: string, options?: string[]): Promise<SMTPReply>;
  data(msg: string | Uint8Array): Promise<SMTPReply>;
  sendmail(
    from: string,
    to: string | string[],
    msg: string | Uint8Array | AsyncIterable<Uint8Array>,
    mailOptions?: string[],
    rcptOptions?: string[],
    options?: { signal?: AbortSignal; size?: number; onProgress?: (sent: number) => void },
  ): Promise<Map<string, SMTPReply>>;
  sendMessage(msg: string | Uint8Array, from?: string, to?: string | string[]): Promise<Map<string, SMTPReply>>;
  noop(): Promise<SMTPReply>;
  docmd(cmd: string, args?: string): Promise<SMTPReply>;
  quit(): Promise<SMTPReply>;
  close(): void;
  readonly esmtpFeatures: Map<string, string>;
  /** TLS details once encrypted (the protocol is all the suite reads). */
  readonly tlsInfo: { protocol: string | null } | null;
}

export interface SMTPClass {
  new (options?: SMTPOptions): SMTPClient;
  connect(host: string, port?: number, options?: SMTPOptions): Promise<SMTPClient>;
}

export type ErrorClass = abstract new (...args: never[]) => Error;

export interface Library {
  SMTP: SMTPClass;
  SMTP_SSL: SMTPClass;
  LMTP: SMTPClass;
  SMTPException: ErrorClass;
  SMTPSenderRefused: ErrorClass;
  SMTPRecipientsRefused: ErrorClass;
  SMTPAuthenticationError: ErrorClass;
  SMTPNotSupportedError: ErrorClass;
  SMTPServerDisconnected: ErrorClass;
  /** Everything else the module exports, for optional features found by name. */
  readonly [name: string]: unknown;
}

/** Loads build/src/index.js (this file is build/test/interop/api.js once compiled). */
export async function loadLibrary(): Promise<Library> {
  const url = new URL("../../src/index.js", import.meta.url).href;
  const mod = (await import(url)) as Record<string, unknown>;
  const needed = ["SMTP", "SMTP_SSL", "LMTP", "SMTPException", "SMTPSenderRefused", "SMTPRecipientsRefused",
    "SMTPAuthenticationError", "SMTPNotSupportedError", "SMTPServerDisconnected"];
  const missing = needed.filter((name) => typeof mod[name] !== "function");
  if (missing.length > 0) throw new Error(`src/index.ts does not export ${missing.join(", ")}`);
  return mod as unknown as Library;
}
