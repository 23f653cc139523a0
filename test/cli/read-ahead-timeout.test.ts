// `send` reads a pipe's first bytes ahead before MAIL (src/cli/eight-bit.ts, serverBounds),
// waiting for the pipe's writer 2 s at most, then MAIL goes all the same. That wait was fixed:
// with `--timeout 300` (each step's limit, and how long the input may stall once sent) the
// session still sat 2 s between EHLO and MAIL for a writer slow to start. Now the shorter of
// the two bounds it. Time is mocked: the wait is told by the timers, not by a clock.
import { test, type TestContext } from "node:test";
import { strict as assert } from "node:assert";
import { serverBounds } from "../../src/cli/eight-bit.js";
import type { AheadScan } from "../../src/cli/read-ahead.js";

/** A turn of the event loop: every promise settled that can be (setImmediate is not mocked). */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * serverBounds for a pipe whose writer wrote a first line and then nothing (the read-ahead
 * ends only when its wait does), to a server offering 8BITMIME, with `timeout` as `--timeout`;
 * `settled()` tells whether it has resolved, to `["BODY=8BITMIME"]` (the rest is unknown).
 */
async function bounded(t: TestContext, timeout: number | undefined): Promise<{ settled: () => string[] | undefined; done: Promise<void> }> {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const body = {
    readAhead: (_limit: number, stop: AbortSignal): Promise<AheadScan> => new Promise((resolve) => {
      stop.addEventListener("abort", () => resolve({ ended: false, chunks: [Buffer.from("Subject: x\r\n")] }), { once: true });
    }),
    limit: () => undefined,
    sevenBitOnly: () => undefined,
  };
  const client = { ehloOrHeloIfNeeded: async () => undefined, esmtpFeatures: new Map([["8bitmime", ""]]) };
  let result: string[] | undefined;
  const done = serverBounds({ body } as never, client as never, [], timeout).then((r) => { result = r; });
  await turn();
  return { settled: () => result, done };
}

test("--timeout 300: the read-ahead waits 300 ms for the pipe's writer, not 2 s, then MAIL's options are known", async (t) => {
  const { settled, done } = await bounded(t, 300);
  try {
    t.mock.timers.tick(299);
    await turn();
    assert.equal(settled(), undefined, "still waiting before 300 ms");
    t.mock.timers.tick(1);
    await turn();
    assert.deepEqual(settled(), ["BODY=8BITMIME"], "done at 300 ms");
  } finally {
    t.mock.timers.tick(2_000); // whatever happened, nothing left waiting
    await done;
  }
});

for (const timeout of [undefined, 2_000, 60_000]) {
  test(`--timeout ${timeout ?? "not given"}: the read-ahead waits its own 2 s at most`, async (t) => {
    const { settled, done } = await bounded(t, timeout);
    try {
      t.mock.timers.tick(1_999);
      await turn();
      assert.equal(settled(), undefined);
      t.mock.timers.tick(1);
      await turn();
      assert.deepEqual(settled(), ["BODY=8BITMIME"]);
    } finally {
      t.mock.timers.tick(60_000);
      await done;
    }
  });
}
