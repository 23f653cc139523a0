/**
 * The `socketFactory` connect phase against a stepped system clock: the time left of the
 * connect timeout after the factory has run is measured on a monotonic clock, and the
 * timeout error names the phase's limit, not what was left of it.
 */

import assert from "node:assert/strict";
import net from "node:net";
import { describe, it } from "node:test";
import { SMTP, SMTPTimeoutError, type SocketFactory } from "../../src/index.js";
import { LOCAL } from "../helpers/client.js";

/** The connect timeout of these tests, in ms. */
const LIMIT = 300;

/** A socket that says it is connecting and never connects (nor fails). */
function neverConnecting(): net.Socket {
  const socket = new net.Socket();
  Object.defineProperty(socket, "connecting", { value: true, writable: true, configurable: true });
  return socket;
}

/** A factory that steps `Date.now()` by `stepMs` (NTP, a resumed VM) and then gives a socket that never connects. */
function steppingFactory(stepMs: number): SocketFactory {
  return () => {
    const wall = Date.now;
    Date.now = () => wall() + stepMs;
    return neverConnecting();
  };
}

describe("socketFactory: the connect timeout and the system clock", () => {
  for (const [what, step] of [["forward 10 minutes", 600_000], ["back 40 days", -40 * 86_400_000]] as const) {
    it(`a clock stepped ${what} while the factory runs: the connect still gets its whole limit, and the error names it`, async () => {
      const wall = Date.now;
      const warnings: string[] = [];
      const onWarning = (w: Error): void => { warnings.push(w.name); };
      process.on("warning", onWarning);
      // A timer due well within the limit: it must have fired before the timeout does.
      let earlier = false;
      const early = setTimeout(() => { earlier = true; }, LIMIT / 6);
      try {
        const client = new SMTP({ localHostname: LOCAL, timeouts: { connect: LIMIT }, socketFactory: steppingFactory(step) });
        const err = await client.connect("mx.example.test", 25).then(() => undefined, (e: unknown) => e);
        assert.ok(err instanceof SMTPTimeoutError, `expected SMTPTimeoutError, got ${String(err)}`);
        assert.equal(err.phase, "connect");
        assert.equal(err.timeout, LIMIT);
        assert.match(err.message, new RegExp(`^Timed out after ${LIMIT} ms connecting to mx\\.example\\.test:25`));
        assert.ok(earlier, "the connect timed out before a timer due at a sixth of its limit");
        await new Promise((resolve) => setImmediate(resolve));
        assert.deepEqual(warnings, [], "no TimeoutOverflowWarning");
      } finally {
        Date.now = wall;
        clearTimeout(early);
        process.off("warning", onWarning);
      }
    });
  }
});
