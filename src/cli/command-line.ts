/**
 * The `smtplib` command: `serve`, `send` and `probe`. Parsing and output only; the protocol
 * work is the library's. Exit codes: see ./exit-codes.ts (and `smtplib send --help`). Loaded
 * by ./main.ts, the bin, once it has taken SIGINT and SIGTERM (see `interruptBeforeStart`).
 * @module
 */
import { CommanderError } from "commander";
import { errorCode, escapeControl } from "../errors.js";
import { parseCommandLine, type CliCommand } from "./args.js";
import { ExitCode, type ExitCodeValue } from "./exit-codes.js";

// Each command loads its own code: send, probe and --help do not pay for the debugging
// server (smtp-server), nor serve for the client library.
async function run(command: CliCommand): Promise<ExitCodeValue> {
  switch (command.kind) {
    case "serve":
      return (await import("./serve.js")).runServe(command);
    case "send":
      return (await import("./send.js")).runSend(command);
    case "probe":
      return (await import("./probe.js")).runProbe(command);
  }
}

/**
 * Output whose reader has gone (`smtplib probe host | head -3`) drops what is still written
 * instead of crashing the command with an unhandled EPIPE: the command runs to its end and
 * exits with its own code, as it would with the output read. (`serve` also stops then.)
 * Output that fails otherwise (a full disk: ENOSPC; EIO) is dropped the same way, not thrown
 * from here as a crash with a stack trace and exit 1 after `send` had delivered the message
 * (a script would send it again), but said once on stderr when stdout is the one that failed.
 */
function dropWritesToClosedOutput(stream: NodeJS.WriteStream, name: "stdout" | "stderr"): void {
  let said = false;
  stream.on("error", (err) => {
    // a file on stdout fails each write on its own (SyncWriteStream): said for the first
    if (errorCode(err) === "EPIPE" || name === "stderr" || said) return;
    said = true;
    process.stderr.write(`smtplib: cannot write to stdout, its output is lost: ${escapeControl(err.message)}\n`);
  });
}

/** The commands, as `smtplib help` lists them. */
const COMMANDS = ["serve", "send", "probe"];

/** Parses `argv`, runs the command and resolves to the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  dropWritesToClosedOutput(process.stdout, "stdout");
  dropWritesToClosedOutput(process.stderr, "stderr");
  let command: CliCommand;
  try {
    command = parseCommandLine(argv, {
      // Commander's errors quote the argument as given: a control character in it (an escape
      // sequence from a script's untrusted input) must not reach the terminal raw.
      writeOut: (t) => void process.stdout.write(escapeControl(t, "\n")),
      writeErr: (t) => void process.stderr.write(escapeControl(t, "\n")),
    });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    // --help, --version and `smtplib help [command]` (commander.help) all end with exit code 0.
    if (err.exitCode === 0) return ExitCode.OK;
    if (err.code === "smtplib.usage") process.stderr.write(`smtplib: ${escapeControl(err.message.replace(/^error: /, ""))}\n`);
    // `smtplib help nosuch`: commander shows the main help, and says nothing of the name
    const asked = err.code === "commander.help" && argv[0] === "help" ? argv[1] : undefined;
    if (asked !== undefined) process.stderr.write(`smtplib: unknown command ${escapeControl(JSON.stringify(asked))}: the commands are ${COMMANDS.join(", ")}\n`);
    return ExitCode.USAGE;
  }
  try {
    return await run(command);
  } catch (err) {
    process.stderr.write(`smtplib: ${escapeControl(err instanceof Error ? err.message : String(err))}\n`);
    return ExitCode.FAILURE;
  }
}
