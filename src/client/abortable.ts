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

/** A limit on each wait for the next item of {@link abortableItems}. */
export interface ItemLimit {
  /** How long one wait may last, in milliseconds. */
  readonly ms: number;
  /** Called once a wait has lasted `ms`: it should end the wait (by aborting the signal). */
  expired(): void;
}

/**
 * The items of `source`; each wait for the next one ends with the signal's reason as soon
 * as `signal` aborts. The source is then told to stop (`return()`), without waiting for
 * it: a stalled source may never answer; one with `destroy()` (a Node `Readable`) is
 * destroyed. With `limit`, a wait that lasts `limit.ms` calls
 * `limit.expired()`; the time between items (the caller's own work on one) is not counted.
 */
export async function* abortableItems<T>(source: AsyncIterable<T>, signal: AbortSignal, limit?: ItemLimit): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let done = false;
  let waiting = false;
  // One timer for the whole source, re-armed (refresh) for each wait: no timer per item.
  const timer = limit && setTimeout(() => {
    if (waiting) limit.expired();
  }, limit.ms);
  try {
    for (;;) {
      waiting = true;
      timer?.refresh();
      const next = await untilAborted(iterator.next(), signal);
      waiting = false;
      if (next.done === true) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    clearTimeout(timer);
    if (!done) {
      void Promise.resolve(iterator.return?.()).catch(() => undefined);
      // A stream's iterator runs return() only after the read it is waiting for, which a
      // stalled stream never completes: destroy it now, as return() would (a file stream's
      // descriptor is not left open, nor its listeners attached).
      if (waiting && signal.aborted) destroyStream(source);
    }
  }
}

/** Destroys `source` when it is a stream (a Node `Readable`: it has `destroy()`). */
function destroyStream(source: object): void {
  const stream = source as { destroy?: unknown };
  if (typeof stream.destroy === "function") (stream as { destroy(): void }).destroy();
}

/** A signal that aborts when either does; `undefined` when neither is given (no `AbortSignal.any` for one). */
export function eitherSignal(a: AbortSignal | undefined, b: AbortSignal): AbortSignal;
export function eitherSignal(a: AbortSignal | undefined, b: AbortSignal | undefined): AbortSignal | undefined;
export function eitherSignal(a: AbortSignal | undefined, b: AbortSignal | undefined): AbortSignal | undefined {
  return a && b ? AbortSignal.any([a, b]) : a ?? b;
}
