/**
 * A streamed message body that records whether the client began to read it: the check that
 * a call which failed before its message went can run again (nothing of its stream taken).
 * @module
 */

/** See {@link watchedStream}. */
export interface WatchedStream {
  /** The body to give to `sendmail`. */
  readonly body: AsyncGenerator<string>;
  /** True once the client has asked the body for its first chunk. */
  readonly read: boolean;
  /** Lets a body made with `rest` go on past its first chunk. */
  release(): void;
}

/**
 * A body that yields `first`, then, if `rest` is given, waits for {@link WatchedStream.release}
 * and yields `rest` (a stream still being read when the test acts).
 */
export function watchedStream(first: string, rest?: string): WatchedStream {
  let release = (): void => undefined;
  const held = new Promise<void>((resolve) => { release = resolve; });
  let read = false;
  async function* body(): AsyncGenerator<string> {
    read = true;
    yield first;
    if (rest === undefined) return;
    await held;
    yield rest;
  }
  return { body: body(), get read() { return read; }, release: () => release() };
}
