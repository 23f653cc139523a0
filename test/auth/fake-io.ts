/**
 * A scripted AuthIO for the auth tests: plays canned replies in order and records every
 * line sent and what the trace would have shown instead.
 * @module
 */

import assert from "node:assert/strict";
import type { AuthCredentials, ChannelBinding, SASLMechanism } from "../../src/auth/mechanism.js";
import { authenticateWith, type AuthIO } from "../../src/client/authenticate.js";
import { SMTPAuthenticationError } from "../../src/errors.js";
import type { SMTPReply } from "../../src/protocol/reply.js";
import type { ScramServerExchange } from "../helpers/scram-server.js";

/** Builds a reply from `"334 abc"`-style text (one line). */
export function reply(text: string): SMTPReply {
  const code = Number(text.slice(0, 3));
  const message = text.slice(4);
  return { code, message, lines: [message] };
}

/** base64 of a UTF-8 string. */
export const b64 = (text: string | Buffer): string => Buffer.from(text).toString("base64");

/** The fake connection. */
export class FakeIO implements AuthIO {
  readonly sent: string[] = [];
  readonly logged: string[] = [];
  readonly encrypted: boolean;
  readonly loopback: boolean;
  readonly host: string;
  readonly port: number;
  readonly #replies: string[];
  readonly #binding: ChannelBinding | null;

  constructor(replies: string[], options: { encrypted?: boolean; loopback?: boolean; host?: string; port?: number; binding?: ChannelBinding } = {}) {
    this.#replies = [...replies];
    this.#binding = options.binding ?? null;
    this.encrypted = options.encrypted ?? true;
    this.loopback = options.loopback ?? false;
    this.host = options.host ?? "mail.example.org";
    this.port = options.port ?? 587;
  }

  channelBinding(): ChannelBinding | null {
    return this.#binding;
  }

  async command(line: string, logAs?: string): Promise<SMTPReply> {
    this.sent.push(line);
    this.logged.push(logAs ?? line);
    const next = this.#replies.shift();
    if (next === undefined) throw new Error(`unscripted command #${this.sent.length}`);
    return reply(next);
  }

  /** Replies the script still holds (0 when the exchange consumed them all). */
  get remaining(): number {
    return this.#replies.length;
  }
}

/**
 * An encrypted AuthIO whose replies come from `server` (a SCRAM exchange without channel
 * binding, of any hash: the AUTH line may name any mechanism), with or without an initial response; `sent` records every line. The
 * server's `e=` answer to a bad proof fails the test at once.
 */
export function scramServerIO(server: ScramServerExchange): AuthIO & { sent: string[] } {
  const sent: string[] = [];
  const decode = (text: string): string => Buffer.from(text, "base64").toString("utf8");
  const answer = (line: string): string => {
    const auth = /^AUTH \S+(?: (.*))?$/.exec(line);
    if (auth !== null && auth[1] === undefined) return "334 ";
    if (auth !== null) return `334 ${b64(server.first(decode(auth[1]!)))}`;
    if (server.gs2Header === "") return `334 ${b64(server.first(decode(line)))}`;
    if (line === "") return "235 2.7.0 ok";
    const final = server.final(decode(line), null);
    if (!final.startsWith("v=")) throw new Error(`the server refused the client's proof: ${final}`);
    return `334 ${b64(final)}`;
  };
  return {
    sent, encrypted: true, loopback: false, host: "h", port: 1,
    async command(line: string): Promise<SMTPReply> {
      sent.push(line);
      return reply(answer(line));
    },
  };
}

/**
 * Runs `mech` against `replies` (and a 501 to its cancel): the exchange must fail with an
 * SMTPAuthenticationError whose text is `message`, cancelled with "*", every reply read.
 */
export async function failsWithCancel(mech: SASLMechanism, credentials: AuthCredentials, replies: string[], message: string): Promise<void> {
  const io = new FakeIO([...replies, "501 5.7.0 cancelled"]);
  await assert.rejects(authenticateWith(io, mech, credentials), (err: unknown) => {
    assert.ok(err instanceof SMTPAuthenticationError, String(err));
    assert.equal(err.smtpError, message);
    return true;
  });
  assert.equal(io.sent.at(-1), "*");
  assert.equal(io.remaining, 0);
}
