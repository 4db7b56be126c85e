import { defineConfig } from "vitest/config";
import path from "node:path";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["**/*.test.ts", "**/*.test.tsx"],
    exclude: ["node_modules/**", "e2e/**", ".next/**", ".data/**"],
    environment: "node",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // The jobs' composition for tests: events run on the in-process runner (test/support/job-transport.ts).
    setupFiles: ["test/support/job-transport.ts"],
    // next-auth imports "next/server" without an extension, which Node's ESM loader cannot
    // resolve; inlined, Vite resolves it (tests that call the real Auth.js route handlers).
    server: { deps: { inline: ["next-auth"] } },
  },
});
