/**
 * The client chaos test's records (test/client/chaos.test.ts): what the hostile server
 * sent and saw of each call, the seeded profile it answers by, and the calls the run makes.
 */


// What the server records

/** What the server sent: the code of the last line and the text lines (as the client joins them). */
export interface SentReply {
  code: number;
  lines: string[];
  verb: string;
  /** The call whose transaction the command belonged to (null: none, or unknown sender). */
  call: number | null;
  /** RCPT: the address. */
  arg?: string;
}

/** What the server saw of one call's transactions (MAIL, bodies, acceptances). */
export interface CallRecord {
  /** Server event sequence number when its MAIL arrived (first time). */
  mailSeenAt: number;
  mailCount: number;
  /** Every data body received in a transaction of this call (accepted or not). */
  bodies: Buffer[];
  accepted: number;
  acceptedBody?: Buffer;
  declaredSize?: number;
  /** LMTP: the recipients the server said got the message (a 2yz sent after the data). */
  deliveredTo: string[];
}

/** How the server answers one command: accept, refuse (5xx/4xx), 421, close, stall, or accept then close. */
export type Fate = "ok" | "perm" | "temp" | "421" | "close" | "stall" | "okclose";

/** A seed's server: which extensions it offers and how likely each misbehaviour is. */
export interface Profile {
  chunking: boolean;
  size: boolean;
  pFatal: number; // each of 421, close, stall
  /** Exim-like: a transaction ended with no valid recipient keeps its sender (a new MAIL is then 503 until RSET). */
  keepSender: boolean;
  /** A stall also stops reading (the client's writes back up). */
  freeze: boolean;
  pMailRefuse: number;
  pRcptRefuse: number;
  pDataRefuse: number;
  pEndRefuse: number;
  pSplit: number;
  pSlow: number;
  pMulti: number;
  /** Of the multi-line replies, how many have another code on the lines before the last. */
  pMixed: number;
  p354Anyway: number;
  /** LMTP (RFC 2033): LHLO, and one reply per accepted recipient after the data, each with its own fate. */
  lmtp?: boolean;
  /** How likely a reply is held back to go out with the next one (coalesced across commands). */
  pCoalesce?: number;
  /** False: PIPELINING is not offered, and the client must wait for each reply. */
  pipelining?: boolean;
}

// The client side

/** The reason a call aborted by the test rejects with. */
export class CallAbort extends Error {
  constructor(readonly id: number) {
    super(`call ${id} aborted by the test`);
  }
}

/** What one call does. */
export type Kind = "sendmail" | "bytes" | "stream" | "deliver" | "large" | "bigstream" | "noop" | "rset" | "stream-error" | "late";

/** When the test aborts a call: never, before it starts, or on a server event. */
export type AbortMode = "none" | "pre" | "ehlo" | "mail" | "rcpt" | "data" | "end" | "other-mail";

/** One call of a round: its plan, its signal, and how it settled. */
export interface Call {
  id: number;
  kind: Kind;
  rcpts: string[];
  body: Buffer;
  abort: AbortMode;
  /** A streamed body as a Node Readable, or one that stops yielding halfway (the dataBlock timeout ends it). */
  variant?: "readable" | "stall";
  controller?: AbortController;
  /** Server event sequence when this call's abort fired. */
  abortedAt?: number;
  promise?: Promise<unknown>;
  settled?: PromiseSettledResult<unknown>;
}

/** The error a failing body stream throws. */
export class StreamBoom extends Error {
  constructor(readonly id: number) {
    super(`body stream of call ${id} failed`);
  }
}
