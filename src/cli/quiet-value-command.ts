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

/**
 * How other tools name the server (msmtp's `--host` and `--port`, Nodemailer's `host` and
 * `port`), which `send` takes as one `--server host[:port]` and `probe` as its argument. Commander finds no
 * flag like them to suggest, so they get this hint instead.
 */
const SERVER_FLAGS: ReadonlySet<string> = new Set(["--host", "--hostname", "--port"]);

/** A commander command whose subcommands are of its kind, and whose unknown options show no value. */
export class QuietValueCommand extends Command {
  /** A subcommand (`send`, `probe`, `serve`): of this kind too, as commander lets a subclass say. */
  override createCommand(name?: string): Command {
    return new QuietValueCommand(name);
  }

  /**
   * Reports `flag` as commander does (with its suggestion), by its name only; `--host` or
   * `--port` given to `send` or `probe` says how they take the server.
   */
  unknownOption(flag: string): never {
    const name = optionName(flag);
    const given = this.options.some((o) => o.long === "--server") ? "--server <host[:port]>" : this.name() === "probe" ? "the argument: probe <host[:port]>" : undefined;
    if (SERVER_FLAGS.has(name) && given !== undefined) {
      this.error(`error: unknown option '${name}'\n(the server is given as ${given})`, { code: "commander.unknownOption" });
    }
    const original = (Command.prototype as unknown as { unknownOption: UnknownOption }).unknownOption;
    return original.call(this, name);
  }
}
