/**
 * A bound on what one transaction's RCPT parameters may hold in the debugging server. A RCPT
 * line may be up to 16 KiB long (smtp-server's command limit), and with DSN on its NOTIFY and
 * ORCPT are kept twice (as sent, for the transcript and `rcptParamsSent`, and decoded): at the
 * 1,000-recipient limit one session could hold about 32 MB. No I/O.
 * @module
 */
import { DEFAULT_MAX_RECIPIENTS } from "../constants.js";
import { TOO_MANY_RECIPIENTS } from "./reply-status.js";

/**
 * Most characters of RCPT parameters (as sent: `NOTIFY=... ORCPT=...`) one transaction may
 * hold: 500 for each recipient at the default limit of 1,000, the 500 characters RFC 3461 §4
 * adds to a RCPT line for NOTIFY and ORCPT. 500,000 in all.
 */
export const RCPT_PARAMS_BUDGET = 500 * DEFAULT_MAX_RECIPIENTS;

/**
 * The RCPT parameters each transaction holds, counted per envelope (smtp-server makes a new
 * recipient list for each transaction, so one that ends is forgotten with it).
 */
export class RcptParamsBudget {
  readonly #used = new WeakMap<object, number>();

  /** @param limit most characters of RCPT parameters in one transaction */
  constructor(readonly limit: number = RCPT_PARAMS_BUDGET) {}

  /**
   * Counts `params` (one RCPT's parameters as sent) against the transaction whose recipient
   * list is `rcptTo`: true when they fit, and are then counted; false (nothing counted) when
   * the transaction would hold more than {@link limit}. A repeated recipient (LMTP), which
   * replaces its earlier entry, is counted again: the bound errs on the safe side.
   */
  take(rcptTo: object, params: string): boolean {
    const used = (this.#used.get(rcptTo) ?? 0) + params.length;
    if (used > this.limit) return false;
    this.#used.set(rcptTo, used);
    return true;
  }

  /**
   * The refusal of a RCPT over the budget: 452, as to one recipient too many (RFC 5321
   * §4.5.3.1.10), so that a client sends the other recipients in another transaction; sent
   * with 4.5.3 (too many recipients) by the debugging server (see sendEnhancedStatus).
   */
  refusal(): Error & { responseCode: number } {
    return Object.assign(new Error(`${TOO_MANY_RECIPIENTS}: their parameters would pass ${this.limit} characters in this transaction; send the others in another transaction`), { responseCode: 452 });
  }
}
