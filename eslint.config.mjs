import next from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";
import importX from "eslint-plugin-import-x";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";

/**
 * The dependency rule (README "Layout"): arrows run one way, app and inngest → lib/services →
 * (lib/sync, lib/providers, lib/jobs, db) → lib/calendar and lib/errors.ts. Each zone lists what
 * the files under `target` must not import. No exceptions; test files may reach anything.
 */
export const layers = [
  { target: "lib", from: ["app", "inngest", "emulators", "components", "test", "server", "scripts", "bench", "instrumentation.ts"], message: "lib is imported by the app, never the other way (README: Layout)." },
  { target: "db", from: ["app", "inngest", "emulators", "components", "server", "lib/services", "lib/providers"], message: "db sits under the services (README: Layout)." },
  { target: ["lib/calendar", "lib/errors.ts", "lib/text"], from: ["lib/providers", "lib/sync", "lib/services", "lib/jobs", "lib/content", "db"], message: "lib/calendar, lib/errors.ts and lib/text are the bottom layer (README: Layout)." },
  { target: ["lib/sync", "lib/providers", "lib/jobs"], from: ["lib/services"], message: "Services call the engine, the providers and the jobs, not the other way (README: Layout)." },
  { target: "lib/providers", from: ["lib/sync"], message: "Providers do not know the sync engine (README: Layout)." },
  { target: "inngest/functions", from: ["db", "inngest/local-runner.ts", "server", "app", "emulators"], message: "Inngest functions call services only (README: Layout)." },
  { target: "components", from: ["inngest", "emulators", "server"], message: "Components reach jobs through services (README: Layout)." },
  // app/api/inngest/route.ts serves the functions (the one place the app names them).
  { target: "app", from: ["emulators", "server", "inngest/local-runner.ts"], message: "Pages reach jobs through services (README: Layout)." },
  { target: "emulators", from: ["app", "inngest", "components", "server", "lib/services"], message: "The emulators stand for the providers; they know nothing of Hetk's services (README: Layout)." },
];


const config = [
  ...next,
  ...nextTs,
  { ignores: [".next/**", "node_modules/**", ".data/**", "test-results/**", "playwright-report/**", "next-env.d.ts", "db/migrations/**"] },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["**/*.ts", "**/*.tsx", "**/*.mts"],
    ignores: ["**/*.test.ts", "**/*.test.tsx", "test/**", "e2e/**", "bench/**"],
    plugins: { "import-x": importX },
    settings: {
      "import-x/resolver-next": [createTypeScriptImportResolver({ project: "./tsconfig.json" })],
      // Read TypeScript dependencies too, or no-cycle never sees past the first file.
      "import-x/extensions": [".ts", ".tsx", ".js", ".mjs"],
      "import-x/parsers": { "@typescript-eslint/parser": [".ts", ".tsx"] },
    },
    rules: {
      // A lazy import() that closes a circle is still a circle.
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
      "import-x/no-restricted-paths": ["error", { basePath: import.meta.dirname, zones: layers }],
    },
  },
  {
    // Test files are not React: `useTestDatabase()` is a vitest fixture, not a hook.
    files: ["**/*.test.ts", "test/**/*.ts"],
    rules: { "react-hooks/rules-of-hooks": "off" },
  },
];
export default config;
