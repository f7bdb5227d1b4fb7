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

// The public surface is the five functions above plus the profile names; what they are built
// from (plan internals, /proc parsers, launcher argument parsing) stays inside, so it can change
// without breaking anyone: this package's own tests reach it through ./internal.
export { memory, type MemoryReport, type VszBreakdown } from './memory';
export { PROFILES, type Plan, type Profile, type Setting } from './profiles';
export { setRuntimeFlag as setFlag } from './flags';
export { envLines } from './launcher';
export type { GcStats, GcKindStats } from './accounting';

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
