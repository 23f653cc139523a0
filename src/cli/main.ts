#!/usr/bin/env node
/**
 * The `smtplib` command: `serve`, `send` and `probe`. Parsing and output only; the protocol
 * work is the library's. Exit codes: see ./exit-codes.ts (and `smtplib send --help`).
 * @module
 */
import { CommanderError } from "commander";
import { parseCommandLine, type CliCommand } from "./args.js";
import { ExitCode, type ExitCodeValue } from "./exit-codes.js";
import { runServe } from "./serve.js";

async function run(command: CliCommand): Promise<ExitCodeValue> {
  switch (command.kind) {
    case "serve":
      return runServe(command);
    case "send":
      return (await import("./send.js")).runSend(command);
    case "probe":
      return (await import("./probe.js")).runProbe(command);
  }
}

/** Parses `argv`, runs the command and resolves to the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let command: CliCommand;
  try {
    command = parseCommandLine(argv, {
      writeOut: (t) => void process.stdout.write(t),
      writeErr: (t) => void process.stderr.write(t),
    });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    // --help, --version and `smtplib help [command]` (commander.help) all end with exit code 0.
    if (err.exitCode === 0) return ExitCode.OK;
    if (err.code === "smtplib.usage") process.stderr.write(`smtplib: ${err.message.replace(/^error: /, "")}\n`);
    return ExitCode.USAGE;
  }
  try {
    return await run(command);
  } catch (err) {
    process.stderr.write(`smtplib: ${err instanceof Error ? err.message : String(err)}\n`);
    return ExitCode.FAILURE;
  }
}

process.exitCode = await main(process.argv.slice(2));
