// Lint rules, including the layer rules of CONVENTIONS.md: protocol/ is pure,
// transport/ builds no SMTP verbs, client/ never touches a socket.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const noIo = ["node:net", "node:tls", "node:dns", "node:fs", "node:child_process", "node:timers", "node:timers/promises", "node:diagnostics_channel"];

export default tseslint.config(
  { ignores: ["dist/", "build/", "node_modules/", "tmp/", "test/interop/.run/", "bench/.run/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["src/protocol/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        paths: noIo.map((name) => ({ name, message: "protocol/ is pure: no I/O, timers or logging." })),
        patterns: [
          { group: ["../transport/*", "../client/*", "../auth/*", "../pool/*", "../server/*", "../cli/*"], message: "protocol/ imports only itself, errors.ts and constants.ts." },
        ],
      }],
    },
  },
  {
    files: ["src/transport/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [
          { group: ["../client/*", "../auth/*", "../pool/*", "../server/*", "../cli/*", "../protocol/commands.js"], message: "transport/ builds no SMTP verbs and knows nothing of the client." },
        ],
      }],
    },
  },
  {
    files: ["src/client/**/*.ts", "src/auth/**/*.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": ["error", {
        paths: ["node:net", "node:tls", "node:dgram"].map((name) => ({ name, message: "client/ and auth/ never touch a socket: use transport/.", allowTypeImports: true })),
        patterns: [{ group: ["../server/*", "../cli/*"], message: "the library does not depend on the server or the CLI." }],
      }],
    },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly", Buffer: "readonly", URL: "readonly" } },
  },
);
