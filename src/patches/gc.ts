import type { Patch, PatchStatus } from '../core/patch';

// Placeholder until the gc patch lands: reports itself inactive, patches nothing.
export const gcPatch: Patch = {
  name: 'gc',
  envVar: 'AFTERBURNER_GC',
  defaultOn: true,
  modes: ['throughput', 'balanced', 'memory'],
  install(): PatchStatus {
    return { active: false, reason: 'not implemented yet' };
  },
  uninstall(): void {},
  status(): PatchStatus {
    return { active: false, reason: 'not implemented yet' };
  },
};
