/**
 * The type of options once checked. Its own module: the options' declarations refer to it,
 * and those of `option-checks.ts` would bring a default import of `node:tls` into the
 * package's `.d.ts` files, which projects without `esModuleInterop` refuse.
 * @module
 */

/**
 * Options as checked: the `null`s dropped (an option set to `null` is one not given, see
 * `withoutNulls`), which is what the code reads. Internal (not exported from the package).
 */
export type Checked<T> = { [K in keyof T]: Exclude<T[K], null> };
