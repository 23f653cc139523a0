/**
 * The checks a `sendmail`, `deliver` or `sendMessage` call goes through before it waits
 * for anything: they build its {@link Request}. A runner that makes the call for someone
 * else (the pool) builds it first, so that a caller's mistake is refused before the call
 * waits for a rate limit or a connection, and hands it to the client (see `CallWatch`).
 * Pure: no I/O.
 * @module
 */

import { bodyBytes, checkStreamUsable, isStreamBody, type MessageBody } from "./body.js";
import { paramValue } from "../protocol/params.js";
import { checkedRequest, senderNotString, toList, type Request } from "./request.js";
import { checkEightBit, mailOptionsFor, prepareMessage, type MessageInput } from "./send-message.js";
import { hasEightBitData } from "../protocol/message.js";
import type { Body } from "./transaction.js";
import { checkFunction, checkKnownKeys, checkNumber, checkSignal, optionsObject } from "../option-checks.js";
import type { DeliverOptions } from "./smtp-transactions.js";
import { watchedCalls, type CallWatch } from "./call-watch.js";

/**
 * Checks the last argument of `sendmail`/`deliver` (`{ signal, size, onProgress }`) or, with
 * `withSize` false, of `sendMessage` (`{ signal, onProgress }`): an object or nothing, with
 * only those keys, a `signal` that is an `AbortSignal` and an `onProgress` that is a
 * function (`size` is checked with the body). A
 * misspelt `signal` is refused, not ignored: the call could then never be cancelled.
 * @throws TypeError
 */
export function checkCallOptions(value: unknown, withSize: boolean): DeliverOptions {
  const options = optionsObject(value, "call options");
  checkKnownKeys(options, withSize ? ["signal", "size", "onProgress"] : ["signal", "onProgress"], "call option");
  checkSignal(options["signal"], "signal");
  checkFunction(options, "onProgress");
  return options as DeliverOptions;
}

/**
 * The watch a runner (the pool) put on this call, which it made after checking the call
 * with {@link checkCallOptions}; otherwise the caller's options are checked here, once.
 * @throws TypeError as {@link checkCallOptions}.
 */
export function checkedCallWatch(options: unknown, withSize: boolean): CallWatch | undefined {
  const watch = typeof options === "object" && options !== null ? watchedCalls.get(options) : undefined;
  if (watch === undefined) checkCallOptions(options, withSize);
  return watch;
}

/** Turns a caller's message into a body. @throws TypeError for anything that is not one, or a stream that cannot be read (see `checkStreamUsable`). */
export function bodyOf(msg: MessageBody): Body {
  if (!isStreamBody(msg)) return { kind: "bytes", bytes: bodyBytes(msg), text: typeof msg === "string" };
  checkStreamUsable(msg);
  return { kind: "stream", chunks: msg };
}

/**
 * The request of a `sendmail` (`report` false) or `deliver` (`report` true) call.
 * A `null` size is one not given, as for every option.
 * @throws TypeError for a bad address, option or message, or a `size` that is not a number; RangeError for a `size` that is not a whole number of bytes.
 */
export function sendRequest(report: boolean, from: string, to: string | readonly string[], msg: MessageBody, mailOptions: readonly string[], rcptOptions: readonly string[], given: number | null | undefined): Request {
  // before the message's check: sendmail({ from, to, text }) is about the call's shape, not its missing message
  if (typeof from !== "string") throw senderNotString(from);
  const body = bodyOf(msg);
  const size = given ?? undefined;
  if (size !== undefined) {
    // a string ("25", from a config) or a bigint is a TypeError, not a range error showing 25
    checkNumber(size, "size");
    if (!(Number.isSafeInteger(size) && size >= 0)) throw new RangeError(`size must be a whole number of bytes, got ${String(size)}`);
  }
  const req = checkedRequest(from, to, body, mailOptions, rcptOptions, size, report);
  // A string body is normalised already (bodyBytes); bytes go out normalised only by DATA.
  req.rawBytes = body.kind === "bytes" && typeof msg !== "string";
  // A string that is not ASCII is 8-bit data once encoded as UTF-8: refused where it could
  // be corrupted, as sendMessage's is (Python refuses any such string). The caller's options
  // go as given, as in Python; bytes go as given.
  if (typeof msg === "string" && body.kind === "bytes" && hasEightBitData(body.bytes)) {
    req.serverOptions = (features, given) => {
      checkEightBit(features, given);
      return given;
    };
  }
  return req;
}

/**
 * The request of a `sendMessage` call: the envelope from the headers unless given.
 * @throws TypeError as `prepareMessage` and `checkedRequest` do.
 */
export function messageRequest(msg: MessageInput, from: string | undefined, to: string | readonly string[] | undefined, mailOptions: readonly string[], rcptOptions: readonly string[]): Request {
  // BODY=BINARYMIME (RFC 3030 §3): the body is binary, and goes as given (BDAT only). Read
  // from the caller's list as it is: checkedRequest checks and normalises it, once.
  const binary = Array.isArray(mailOptions) && mailOptions.every((o) => typeof o === "string") && paramValue(mailOptions, "BODY")?.toUpperCase() === "BINARYMIME";
  // A null `to` (Python's None) is one not given, as prepareMessage takes it: the headers say.
  const prepared = prepareMessage(msg, from, to === undefined || to === null ? undefined : toList(to), binary);
  const request = checkedRequest(prepared.from, prepared.to, { kind: "bytes", bytes: prepared.data, text: !binary }, mailOptions, rcptOptions, undefined, false, prepared);
  request.serverOptions = (features, given) => mailOptionsFor(prepared, features, given);
  return request;
}
