/**
 * CONVENTIONS.md 7: TSDoc on every export. Fails naming each exported declaration of
 * `src/` (and each public member of an exported class) that has no doc comment; the rules
 * of what counts are in ./undocumented.ts, whose own cases come first.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { findUndocumented, undocumentedIn } from "./undocumented.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

test("the checker: what needs a comment and what carries one", () => {
  const source = `/**
 * A file's comment.
 * @module
 */
export function first(): void {}
/** Documented. */
export function documented(): void {}
export const a = 1, b = 2;
/** Both of these. */
export const c = 1, d = 2;
/** */
export interface Empty {}
/** @deprecated */
export type Old = string;
// a line comment is not TSDoc
export type Line = string;
export enum E { X }
function internal(): void {}
const hidden = 1;
export { hidden, internal };
export * from "./elsewhere.js";
/** Overloads: one comment is enough. */
export function over(a: string): void;
export function over(a: number): void;
export function over(_a: unknown): void {}
/** A class. */
export class K {
  constructor(readonly p: number) {}
  /** Documented. */
  method(): void {}
  bare(): void {}
  field = 1;
  static make(): K { return new K(1); }
  /** The value. */
  get value(): number { return 1; }
  set value(_v: number) {}
  get other(): number { return 1; }
  set other(_v: number) {}
  private priv(): void {}
  protected prot(): void {}
  #hash(): void {}
}
class Unexported { bare(): void {} }
`;
  const found = undocumentedIn("x.ts", source).map((u) => `${u.line} ${u.name}`);
  assert.deepEqual(found, [
    "5 first", "8 a", "8 b", "12 Empty", "16 Line", "17 E",
    "28 K.constructor", "31 K.bare", "32 K.field", "33 K.static make", "37 K.other",
  ]);
});

test("every export in src/ has a TSDoc comment (CONVENTIONS.md 7)", () => {
  const missing = findUndocumented(ROOT, `${ROOT}src`).map((u) => `  ${u.file}:${u.line} ${u.name}`);
  assert.equal(missing.length, 0, `exports without a /** */ comment:\n${missing.join("\n")}\n`);
});
