/**
 * A step of the connect phase raced with its time limit and the caller's AbortSignal.
 * @module
 */

/** How {@link within} ends a step that did not settle in time, and what it does with a late result. */
export interface StepLimits<T> {
  /** Milliseconds the step may take. */
  readonly timeout: number;
  /** The error once `timeout` has passed. */
  readonly expired: () => unknown;
  /** Ends the step with its reason. */
  readonly signal?: AbortSignal | undefined;
  /** Called with a result that came after the step had ended (a socket to destroy). */
  readonly late?: (value: T) => void;
  /** Called with the error the step ended with (its own, the timeout's or the signal's). */
  readonly failed?: (err: unknown) => void;
}

/**
 * Runs `start`, which calls `settle(err)` or `settle(undefined, value)` once, raced with
 * `limits.timeout` and `limits.signal`: whichever comes first decides, and what comes after
 * is dropped (a value handed to `limits.late`).
 */
export function within<T>(start: (settle: (err: unknown, value?: T) => void) => void, limits: StepLimits<T>): Promise<T> {
  const { signal } = limits;
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (err: unknown, value?: T): void => {
      if (settled) {
        if (value !== undefined) limits.late?.(value);
        return;
      }
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (value !== undefined) return resolve(value);
      limits.failed?.(err);
      reject(err);
    };
    const onAbort = (): void => finish(signal?.reason);
    const timer = setTimeout(() => finish(limits.expired()), limits.timeout);
    signal?.addEventListener("abort", onAbort, { once: true });
    start(finish);
  });
}
