// The CLI's argument parsing run in-process (no child process): what it made of a command
// line, or the usage error it threw, with what commander wrote (help, usage) on each stream.
import { CommanderError } from "commander";
import { parseCommandLine, type CliCommand } from "../../src/cli/args.js";

/** What {@link parse} made of a command line: the command, or the CommanderError thrown; commander's output. */
export interface Parsed {
  command?: CliCommand;
  error?: CommanderError;
  /** What commander wrote to stdout (--help). */
  out: string;
  /** What commander wrote to stderr. */
  err: string;
}

/** `argv` (after `smtplib`) through parseCommandLine; an error other than a CommanderError is thrown. */
export function parse(...argv: string[]): Parsed {
  let out = "";
  let err = "";
  try {
    const command = parseCommandLine(argv, { writeOut: (t) => { out += t; }, writeErr: (t) => { err += t; } });
    return { command, out, err };
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    return { error: e, out, err };
  }
}
