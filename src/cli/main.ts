#!/usr/bin/env node
/**
 * The `smtplib` command: `serve`, `send` and `probe`. Parsing and output only; the protocol
 * work is the library's. Exit codes: see ./exit-codes.ts (and `smtplib send --help`).
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
 */
function dropWritesToClosedOutput(stream: NodeJS.WriteStream): void {
  stream.on("error", (err) => {
    if (errorCode(err) !== "EPIPE") throw err;
  });
}

/** Parses `argv`, runs the command and resolves to the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  dropWritesToClosedOutput(process.stdout);
  dropWritesToClosedOutput(process.stderr);
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
    return ExitCode.USAGE;
  }
  try {
    return await run(command);
  } catch (err) {
    process.stderr.write(`smtplib: ${escapeControl(err instanceof Error ? err.message : String(err))}\n`);
    return ExitCode.FAILURE;
  }
}

process.exitCode = await main(process.argv.slice(2));
