/**
 * The envelope of a transaction, and its commands as they go on the wire: MAIL and RCPT with their parameters, and
 * DATA (see `transaction.ts` for the flow that sends them).
 * @module
 */

import { commandText, paramsLine, rcptLines, type CommandEncoding } from "../protocol/commands.js";
import type { EightBitRefusal } from "./body.js";
import type { Command } from "./conversation.js";

/** A checked envelope: addresses already quoted, options already normalised. */
export interface Envelope {
  /** The sender as the caller gave it (for `SMTPSenderRefused.sender`). */
  from: string;
  /** `<path>` for MAIL FROM. */
  fromPath: string;
  /**
   * The MAIL command (`fromPath`, `mailOptions`, `encoding`) and one RCPT command line per
   * recipient (a checked line without its CRLF; see `Conversation.pipeline`): every line
   * is checked before the first byte of the transaction is written.
   */
  mail: Command;
  rcpts: readonly string[];
  /** MAIL parameters to send. */
  mailOptions: string[];
  /** Recipients as the caller gave them, in the order of `rcpts`. */
  to: readonly string[];
  /**
   * How this transaction's commands are encoded: UTF-8 for an SMTPUTF8 transaction
   * (RFC 6531), else ASCII. A property of the transaction, so pipelined transactions that
   * overlap on one connection never see each other's encoding.
   */
  encoding: CommandEncoding;
  /**
   * For a stream body: the error for a string chunk that is not ASCII, when this server and
   * these options take no 8-bit data (see `streamEightBitRefusal`); `undefined` where it may go.
   */
  eightBit?: EightBitRefusal | undefined;
}

/** `verb head PARAMS` as a command (see `paramsText`); its trace text is the line itself. */
function withParams(verb: string, head: string, params: readonly string[], encoding: CommandEncoding): Command {
  const line = paramsLine(verb, head, params, encoding);
  return { bytes: `${line}\r\n`, log: line };
}

/** `MAIL FROM:<path> PARAMS` as a command, with its trace text. */
export function mailCommand(path: string, params: readonly string[], encoding: CommandEncoding): Command {
  return withParams("MAIL", `FROM:${path}`, params, encoding);
}

/**
 * `RCPT TO:<path> PARAMS` as a checked command line (no CRLF), which is also its trace text.
 * @throws TypeError for a line that may not be sent.
 */
export function rcptLine(path: string, params: readonly string[], encoding: CommandEncoding): string {
  return rcptLines([path], params, encoding)[0]!;
}

/** The envelope's MAIL command followed by one RCPT line per recipient. */
export function envelopeCommands(env: Envelope): (Command | string)[] {
  const commands: (Command | string)[] = [env.mail];
  for (const rcpt of env.rcpts) commands.push(rcpt);
  return commands;
}

/** DATA, whose reply (354) has the `dataInitiation` timeout. */
export const DATA: Command = { bytes: commandText("DATA"), log: "DATA", phase: "dataInitiation" };
