/**
 * Waiting for an answer in an AUTH exchange (an auth object's, a mechanism's, a token
 * function's): raced with the connection and the command timeout.
 * @module
 */

import { untilAborted } from "./abortable.js";

/** What {@link answerWithin} resolves to when the answer did not come in time. */
export const TIMED_OUT: unique symbol = Symbol("answer timed out");

/** What bounds the wait (see `AuthIO.signal`, `AuthIO.answerTimeout`). */
export interface AnswerBounds {
  /** Aborts once the exchange cannot go on (the connection closed). */
  readonly signal?: AbortSignal;
  /** How long an answer may take, in ms; absent: no limit but {@link signal}. */
  readonly answerTimeout?: number;
}

/**
 * `answer` raced with the connection (`io.signal`) and, when `bounded`, with
 * `io.answerTimeout`: {@link TIMED_OUT} once that passes first. An answer that comes later
 * is dropped unsent, and a late failure of it is handled here, not left unhandled.
 */
export async function answerWithin<T>(answer: T | Promise<T>, io: AnswerBounds, bounded = true): Promise<T | typeof TIMED_OUT> {
  const raced = untilAborted(Promise.resolve(answer), io.signal);
  const ms = bounded ? io.answerTimeout : undefined;
  if (ms === undefined) return raced;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<typeof TIMED_OUT>((resolve) => { timer = setTimeout(() => resolve(TIMED_OUT), ms); });
  try {
    return await Promise.race([raced, expired]);
  } finally {
    clearTimeout(timer);
  }
}
