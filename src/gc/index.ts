/**
 * Public helpers of the gc part: `require('afterburner').gc`.
 *
 *   gc.stats()            GC count and pauses per kind (p50/p99), from PerformanceObserver 'gc'
 *   gc.memory()           RSS, VSZ, malloc arenas and their 64 MB mappings, mallinfo2, V8 heap spaces
 *   gc.plan(profile?)     what a profile would set, apply or leave alone on this runtime, and why
 *   gc.envLines(...)      the NODE_OPTIONS / MALLOC_ARENA_MAX lines `afterburner env` prints
 *   gc.setFlag(flag)      one V8 flag at run time, from an allow-list proven safe; anything else throws
 */
import { gcStats, startAccounting, type GcStats } from './accounting';
import { outOfRangeError } from '../core/errors';
import { PROFILES, planFor, type Plan, type Profile } from './profiles';

export { memory, arenaCount, arenaMappingsFromMaps, vszBreakdownFromMaps, glibcVersion, type MemoryReport, type VszBreakdown } from './memory';
export { memoryLimit, parseSize, type MemoryLimit } from './limits';
export { PROFILES, PROFILE_INTENT, DEFAULT_PROFILE, profileSizes, resolveProfile, makePlan, mallocThreads, arenaMaxFor, type Plan, type Profile, type Setting, type MallocThreads } from './profiles';
export { flagsInEffect, youngGeneration, acceptedInNodeOptions, NODE_OPTIONS_ACCEPTS } from './runtime';
export { RUNTIME_FLAG_ALLOW_LIST, refusal as runtimeFlagRefusal, setRuntimeFlag as setFlag, appliedRuntimeFlags } from './flags';
export { startLines } from './lines';
export { envLines, parseArgs as parseLauncherArgs, buildLaunch } from './launcher';
export type { GcStats, GcKindStats } from './accounting';
export type { TrimStats } from './trim';

/**
 * GC counts and pauses since the gc patch was installed. Without the patch, the first call starts
 * the observer (and reports from then on).
 */
export function stats(): GcStats {
  startAccounting();
  return gcStats();
}

/** The plan a profile makes on this runtime (defaults to the one AFTERBURNER_GC selects). */
export function plan(profile?: Profile): Plan {
  if (profile !== undefined && !(PROFILES as readonly string[]).includes(profile)) {
    throw outOfRangeError('profile', `one of ${PROFILES.join(', ')}`, profile);
  }
  const env = process.env;
  const chosen = profile ?? ((PROFILES as readonly string[]).includes((env.AFTERBURNER_GC ?? '').trim().toLowerCase()) ? ((env.AFTERBURNER_GC ?? '').trim().toLowerCase() as Profile) : 'balanced');
  return planFor(chosen);
}
