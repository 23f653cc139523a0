/**
 * The envelope's commands as they go on the wire: MAIL and RCPT with their parameters, and
 * DATA (see `transaction.ts` for the flow that sends them).
 * @module
 */

import { commandText, paramsLine, rcptLines, type CommandEncoding } from "../protocol/commands.js";
import type { Command } from "./conversation.js";
import type { Envelope } from "./transaction.js";

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
