/**
 * Waiting that an AbortSignal can end: for a promise, and for each chunk of a caller's
 * body stream (a source that stops yielding must not hold a call, and every call queued
 * behind it, forever once the connection has gone).
 * @module
 */

/** Resolves as `promise` does, or rejects with the signal's reason as soon as it aborts. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * The items of `source`; each wait for the next one ends with the signal's reason as soon
 * as `signal` aborts. The source is then told to stop (`return()`), without waiting for
 * it: a stalled source may never answer.
 */
export async function* abortableItems<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let done = false;
  try {
    for (;;) {
      const next = await untilAborted(iterator.next(), signal);
      if (next.done === true) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!done) void Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
}

/** A signal that aborts when either does; `undefined` when neither is given (no `AbortSignal.any` for one). */
export function eitherSignal(a: AbortSignal | undefined, b: AbortSignal): AbortSignal;
export function eitherSignal(a: AbortSignal | undefined, b: AbortSignal | undefined): AbortSignal | undefined;
export function eitherSignal(a: AbortSignal | undefined, b: AbortSignal | undefined): AbortSignal | undefined {
  return a && b ? AbortSignal.any([a, b]) : a ?? b;
}
