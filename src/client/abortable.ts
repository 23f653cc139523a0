/**
 * Waiting that an AbortSignal can end: for a promise, and for each chunk of a caller's
 * body stream (a source that stops yielding must not hold a call, and every call queued
 * behind it, forever once the connection has gone).
 * @module
 */

import { describeType } from "../error-text.js";

/** Resolves as `promise` does, or rejects with the signal's reason as soon as it aborts. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) {
    // Not waited for: its rejection, should it come, is no one's (unhandled, it would end the process).
    promise.catch(noop);
    return Promise.reject(signal.reason);
  }
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
 * as `signal` aborts. The source is then told to stop, without waiting for it (a stalled
 * source may never answer): a Web `ReadableStream` is cancelled, with the signal's reason
 * (or, when the caller stopped reading it, an Error saying so), and its lock released; a
 * Node `Readable` waited on is destroyed; any other iterator gets `return()` at once, which
 * an async generator runs once the step it is awaiting has settled (no language mechanism
 * can interrupt it sooner). With `limit`, a wait that lasts `limit.ms` calls
 * `limit.expired()`; the time between items (the caller's own work on one) is not counted,
 * and an empty item (`length` 0: a chunk of no bytes) does not end the wait: a source that
 * yields only such items is timed out as one that yields nothing (each waits for a turn
 * of the event loop, so that the timer runs even when the source never leaves microtasks).
 * `claim` is shown the source's async iterator as soon as it is made (not a Web stream's
 * reader); what it throws (the iterator is another reader's) ends the items at once, the
 * iterator left untouched.
 */
export async function* abortableItems<T>(source: AsyncIterable<T>, signal: AbortSignal, limit?: ItemLimit, claim?: (iterator: object) => void): AsyncGenerator<T> {
  // A source refused by `claim` is another call's: it is not stopped here (no finally yet).
  const items = itemSource(source, claim);
  let done = false;
  let waiting = false;
  // One timer for the whole source, re-armed (refresh) for each wait: no timer per item.
  const timer = limit && setTimeout(() => {
    if (waiting) limit.expired();
  }, limit.ms);
  try {
    waiting = true;
    for (;;) {
      const next = await untilAborted(items.next(), signal);
      if (typeof next !== "object" || next === null) throw new TypeError(`message stream's iterator gave ${describeType(next)} from next(), not an iterator result ({ value, done })`);
      if (next.done === true) {
        done = true;
        return;
      }
      if ((next.value as { length?: unknown } | null)?.length === 0) {
        // An empty item (a chunk of no bytes) is no progress: the wait goes on, and the
        // timer gets a turn, which a source that yields such items in microtasks only
        // would never give it.
        if (limit) await untilAborted(new Promise((resolve) => setImmediate(resolve)), signal);
        yield next.value;
        continue;
      }
      waiting = false;
      yield next.value;
      waiting = true;
      timer?.refresh();
    }
  } finally {
    clearTimeout(timer);
    // The caller's source may throw here (its own return() or cancel(), or one not a
    // function): the call's own error, or its result, must not be replaced by that.
    quietly(() => {
      if (done) items.release();
      else items.stop(signal.aborted ? signal.reason : new Error("The message body stream was not read to its end: the call stopped sending it"), waiting && signal.aborted);
    });
  }
}

/** Runs `fn`, ignoring what it throws (a caller's source letting go of itself). */
function quietly(fn: () => void): void {
  try {
    fn();
  } catch {
    // ignored: see abortableItems
  }
}

/** How {@link abortableItems} reads a source, and lets go of it. */
interface ItemSource<T> {
  next(): Promise<IteratorResult<T, unknown>>;
  /** The source ended: lets go of it. */
  release(): void;
  /** Stops the source early, not waiting for it; `stalled` while a read of it is pending. */
  stop(reason: unknown, stalled: boolean): void;
}

/** A reader of `source`: its own for a Web `ReadableStream`, its async iterator otherwise. */
function itemSource<T>(source: AsyncIterable<T>, claim?: (iterator: object) => void): ItemSource<T> {
  if (isWebStream<T>(source)) {
    // Not the stream's own async iterator: its return() waits for the pending read, which a
    // stalled stream never completes, so it would never cancel. A reader's cancel() ends
    // that read at once (done) and reaches the underlying source's cancel with the reason.
    const reader = source.getReader();
    return {
      next: () => reader.read(),
      release: () => reader.releaseLock(),
      stop: (reason) => {
        quietly(() => void Promise.resolve(reader.cancel(reason)).catch(noop));
        reader.releaseLock();
      },
    };
  }
  const iterator = source[Symbol.asyncIterator]();
  // as `for await` checks them: not a WeakSet's "Invalid value used in weak set" from `claim`,
  // nor "iterator.next is not a function" once the message's command was sent
  if (typeof iterator !== "object" || iterator === null) throw new TypeError(`message stream's [Symbol.asyncIterator]() gave ${describeType(iterator)}, not an iterator`);
  if (typeof iterator.next !== "function") throw new TypeError("message stream's iterator has no next() method");
  claim?.(iterator);
  return {
    // `for await` takes a next() that returns its result itself, not in a promise, as any
    // await does; Promise.resolve hands a promise back as it is (no new one per chunk)
    next: () => Promise.resolve(iterator.next()),
    release: noop,
    stop: (_reason, stalled) => {
      // Not awaited (it may never settle), and what it throws or rejects with is ignored.
      quietly(() => void Promise.resolve(iterator.return?.()).catch(noop));
      // A Readable's iterator runs return() only after the read it is waiting for, which a
      // stalled stream never completes: destroy it now, as return() would (a file stream's
      // descriptor is not left open, nor its listeners attached).
      if (stalled) destroyStream(source);
    },
  };
}

/** The parts of a Web `ReadableStream` that {@link itemSource} uses. */
interface WebStream<T> {
  getReader(): { read(): Promise<IteratorResult<T, undefined>>; releaseLock(): void; cancel(reason: unknown): Promise<void> };
}

/** True for a Web `ReadableStream` (Node's, or any with a default reader: `getReader()` and `cancel()`). */
function isWebStream<T>(source: object): source is WebStream<T> {
  const stream = source as { getReader?: unknown; cancel?: unknown };
  return typeof stream.getReader === "function" && typeof stream.cancel === "function";
}

/** A signal that aborts when either of two does, for as long as it is needed (see {@link linkSignals}). */
export interface LinkedSignal {
  /** Aborts, with the first reason, when either signal does; `undefined` when neither was given. */
  readonly signal: AbortSignal | undefined;
  /** Stops following the two signals; call it once the linked signal is no longer used. */
  release(): void;
}

/** The controllers that follow one signal, and its one listener that aborts them. */
interface Followers {
  readonly controllers: Set<AbortController>;
  readonly onAbort: () => void;
}

const followersOf = new WeakMap<AbortSignal, Followers>();

function noop(): void {}

function follow(source: AbortSignal, ctl: AbortController): void {
  let followers = followersOf.get(source);
  if (followers === undefined) {
    const controllers = new Set<AbortController>();
    const onAbort = (): void => {
      followersOf.delete(source);
      for (const c of controllers) c.abort(source.reason);
    };
    followers = { controllers, onAbort };
    followersOf.set(source, followers);
    source.addEventListener("abort", onAbort, { once: true });
  }
  followers.controllers.add(ctl);
}

function unfollow(source: AbortSignal, ctl: AbortController): void {
  const followers = followersOf.get(source);
  if (followers === undefined || !followers.controllers.delete(ctl) || followers.controllers.size > 0) return;
  followersOf.delete(source);
  source.removeEventListener("abort", followers.onAbort);
}

/**
 * A signal that aborts when `a` or `b` does (either alone when the other is absent), until
 * `release()`. Not `AbortSignal.any`: on Node 20 each call of it leaves a record in its
 * source signals that is dropped only when they abort, so a long-lived signal (a pool's, a
 * client's, a connection's) linked with each call's grew without end (~60 bytes a call).
 * Each signal gets one listener however many links follow it, and none once all are released.
 */
export function linkSignals(a: AbortSignal | undefined, b: AbortSignal): LinkedSignal & { readonly signal: AbortSignal };
export function linkSignals(a: AbortSignal | undefined, b: AbortSignal | undefined): LinkedSignal;
export function linkSignals(a: AbortSignal | undefined, b: AbortSignal | undefined): LinkedSignal {
  if (!a || !b || a.aborted || b.aborted) return { signal: a?.aborted ? a : b?.aborted ? b : a ?? b, release: noop };
  const ctl = new AbortController();
  follow(a, ctl);
  follow(b, ctl);
  return {
    signal: ctl.signal,
    release: () => {
      unfollow(a, ctl);
      unfollow(b, ctl);
    },
  };
}

/**
 * A signal of its own that aborts when `source` does, until `release()`: one call's view of
 * a signal its caller may give to many calls at once, so that the listeners of each call
 * go on its own signal and `source` gets one listener (see {@link linkSignals}) instead of
 * one per waiting call (past ten, Node warns of a possible leak).
 */
export function followSignal(source: AbortSignal | undefined): LinkedSignal {
  if (!source || source.aborted) return { signal: source, release: noop };
  const ctl = new AbortController();
  follow(source, ctl);
  return { signal: ctl.signal, release: () => unfollow(source, ctl) };
}

/** Destroys `source` when it is a stream (a Node `Readable`: it has `destroy()`). */
function destroyStream(source: object): void {
  const stream = source as { destroy?: unknown };
  if (typeof stream.destroy === "function") (stream as { destroy(): void }).destroy();
}
