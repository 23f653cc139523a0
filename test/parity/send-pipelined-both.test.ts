/**
 * Parity with CPython's smtplib, three calls to a server offering PIPELINING, CHUNKING
 * (test/helpers/parity-pipelined.ts; a file of its own to stay well within the runner's
 * 180 s per file on a loaded machine).
 */

import { pipelinedParity } from "../helpers/parity-pipelined.js";

pipelinedParity(["PIPELINING", "CHUNKING"]);
