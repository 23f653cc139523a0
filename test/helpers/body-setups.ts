/**
 * The server setups the body-path tests run over, and a message sink for each for a whole
 * test file.
 * @module
 */

import { after, before } from "node:test";
import { messageSink, type MessageSink } from "./message-sink.js";

/** One server: its name in test titles, the extensions it offers, and whether it speaks LMTP. */
export interface BodySetup {
  name: string;
  extensions: string[];
  lmtp: boolean;
}

/**
 * Every mix of SMTP/LMTP, DATA/BDAT (CHUNKING) and lock-step/pipelined (PIPELINING), each
 * offering `base` too, named as "SMTP BDAT pipelined".
 */
export function bodySetups(base: readonly string[]): BodySetup[] {
  const setups: BodySetup[] = [];
  for (const lmtp of [false, true]) {
    for (const chunking of [false, true]) {
      for (const pipelining of [false, true]) {
        const extensions = [...base, ...(pipelining ? ["PIPELINING"] : []), ...(chunking ? ["CHUNKING"] : [])];
        setups.push({ name: `${lmtp ? "LMTP" : "SMTP"} ${chunking ? "BDAT" : "DATA"} ${pipelining ? "pipelined" : "lock-step"}`, extensions, lmtp });
      }
    }
  }
  return setups;
}

/** A message sink for each of `setups`, started before the file's tests and closed after them. */
export function sinksFor(setups: readonly BodySetup[]): Map<BodySetup, MessageSink> {
  const sinks = new Map<BodySetup, MessageSink>();
  before(async () => {
    for (const setup of setups) sinks.set(setup, await messageSink(setup.extensions, { lmtp: setup.lmtp }));
  });
  after(async () => {
    for (const sink of sinks.values()) await sink.close();
  });
  return sinks;
}
