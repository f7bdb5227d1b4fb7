/**
 * What the gc part is built from, for this package's tests and benchmarks only: not public API
 * and without a semver promise. Services use `require('afterburner').gc` (./index).
 */
export * from './index';
export { arenaCount, arenaMappingsFromMaps, vszBreakdownFromMaps, glibcVersion } from './memory';
export { memoryLimit, parseSize, type MemoryLimit } from './limits';
export { PROFILE_INTENT, DEFAULT_PROFILE, profileSizes, resolveProfile, makePlan, mallocThreads, arenaMaxFor, type MallocThreads } from './profiles';
export { flagsInEffect, youngGeneration, acceptedInNodeOptions, NODE_OPTIONS_ACCEPTS } from './runtime';
export { RUNTIME_FLAG_ALLOW_LIST, refusal as runtimeFlagRefusal, appliedRuntimeFlags } from './flags';
export { startLines } from './lines';
export { parseArgs as parseLauncherArgs, buildLaunch } from './launcher';
export type { TrimStats } from './trim';
export { resolveAllocator, preloadEnv, liveAllocator, libraryDirs, findLibrary, unusableLibrary, PACKAGES as ALLOCATOR_PACKAGES } from './allocator';
