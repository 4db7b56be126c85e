/** Types for serve-build.mjs, for the TypeScript scripts that use it. */
export declare function serveBuild(): Promise<{ base: string; stop: () => void }>;
