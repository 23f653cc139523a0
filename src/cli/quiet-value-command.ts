/**
 * The CLI's commander `Command`: an unknown option given with its value attached
 * (`--password=hunter2`, `-phunter2`) is reported by its name only. Commander quotes the
 * whole word, and a user guessing a flag for the password (as swaks's `--auth-password`
 * or Nodemailer's `pass`) would see it echoed in the terminal, a CI log or a bug report.
 * @module
 */

import { Command } from "commander";

/** Commander's own `unknownOption` (not in its typings: called by its parser). */
type UnknownOption = (this: Command, flag: string) => never;

/** The name of an unknown option word without any value attached to it: `--password=x` → `--password`, `-px` → `-p`. */
export function optionName(flag: string): string {
  if (flag.startsWith("--")) return flag.split("=", 1)[0]!;
  return flag.startsWith("-") ? flag.slice(0, 2) : flag;
}

/** A commander command whose subcommands are of its kind, and whose unknown options show no value. */
export class QuietValueCommand extends Command {
  /** A subcommand (`send`, `probe`, `serve`): of this kind too, as commander lets a subclass say. */
  override createCommand(name?: string): Command {
    return new QuietValueCommand(name);
  }

  /** Reports `flag` as commander does (with its suggestion), by its name only. */
  unknownOption(flag: string): never {
    const original = (Command.prototype as unknown as { unknownOption: UnknownOption }).unknownOption;
    return original.call(this, optionName(flag));
  }
}
