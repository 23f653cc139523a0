#!/usr/bin/env node
/**
 * The `smtplib` bin. It takes SIGINT and SIGTERM first, then loads the command: with the
 * command's modules imported statically, Node loaded them all (and the command line was
 * parsed) before any handler was in, and a signal then got Node's default, killed by it,
 * saying nothing (a shell saw 143 for SIGTERM, which no command lists). This file imports
 * only the small ./interrupts.js, so that window is as short as it can be.
 * @module
 */
import { interruptBeforeStart } from "./interrupts.js";

// What a signal says and exits with until the command takes the signals itself: it names the
// command as commander will find it, the first argument (no option goes before a command).
const stopEarly = interruptBeforeStart(process.argv[2]);
const { main } = await import("./command-line.js");
const code = await main(process.argv.slice(2));
// A command that ended without taking the signals (a usage error, --help, serve unable to
// listen): a signal from now on exits with its code (set in this same turn), saying nothing.
stopEarly();
process.exitCode = code;
