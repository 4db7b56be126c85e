/** Types of eslint.config.mjs for scripts/import-graph.ts, which reads the same layer zones. */
export declare const layers: { target: string | string[]; from: string[]; message: string }[];
declare const config: unknown[];
export default config;
