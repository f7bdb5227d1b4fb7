import type { Patch, PatchStatus } from '../core/patch';

// Placeholder until the timers patch lands: reports itself inactive, patches nothing.
export const timersPatch: Patch = {
  name: 'timers',
  envVar: 'AFTERBURNER_TIMERS',
  defaultOn: true,
  install(): PatchStatus {
    return { active: false, reason: 'not implemented yet' };
  },
  uninstall(): void {},
  status(): PatchStatus {
    return { active: false, reason: 'not implemented yet' };
  },
};
