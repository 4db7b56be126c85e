export { plan, GUARD_MIN_DELETES, type PlanOutput } from "./plan";
export { apply, type ApplyEnv, type ApplyResult, type ApplySide } from "./apply";
export { runPass, type PassInput, type PassResult, type PassSide } from "./engine";
export { defaultSyncSettings, filterReason, inWindow, render, renderHash, mergeBack } from "./transform";
export { MemoryLinkStore, MemoryRecorder, type LinkStore, type RunRecorder, type RunEventRecord } from "./store";
export * from "./types";
