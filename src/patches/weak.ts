import type { Patch, PatchStatus } from '../core/patch';

// Placeholder until the weak patch lands: reports itself inactive, patches nothing.
export const weakPatch: Patch = {
  name: 'weak',
  envVar: 'AFTERBURNER_WEAK',
  defaultOn: true,
  install(): PatchStatus {
    return { active: false, reason: 'not implemented yet' };
  },
  uninstall(): void {},
  status(): PatchStatus {
    return { active: false, reason: 'not implemented yet' };
  },
};
