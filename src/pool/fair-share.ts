/**
 * How many calls each connection up may carry while others are still being opened.
 * @module
 */

/** The in-flight state of a connection, as the pool keeps it. */
export interface Carrier {
  readonly inFlight: number;
  readonly retired: boolean;
}

/**
 * The most calls a connection up should carry now: `window` (maxInFlight) once no
 * connection is being opened (`opening`); until then, its share of the calls carried and
 * `waiting`, over every connection up or being opened, at least one. Each call pipelined
 * behind another on one connection waits a round trip more for its turn (DATA's 354), while
 * a connection being opened, at about the same time, carries its share side by side (issue
 * #7: 8 calls at once on 4 connections went 5, 1, 1 and 1, twice the round trips needed).
 */
export function fairShare(window: number, opening: number, waiting: number, members: readonly Carrier[]): number {
  if (opening === 0) return window;
  let load = waiting;
  let open = opening;
  for (const m of members) {
    if (m.retired) continue;
    load += m.inFlight;
    open++;
  }
  return Math.min(window, Math.max(1, Math.ceil(load / open)));
}

/**
 * How many waiting calls to wake for the free in-flight slots on the connections up, each
 * carrying at most its {@link fairShare} (`opening`: connections being opened; `waiting`: calls waiting).
 */
export function freeSlots(window: number, opening: number, waiting: number, members: readonly Carrier[]): number {
  const share = fairShare(window, opening, waiting, members);
  let free = 0;
  for (const m of members) if (!m.retired) free += Math.max(0, share - m.inFlight);
  return free;
}
