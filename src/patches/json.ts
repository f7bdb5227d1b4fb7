import type { Patch, PatchStatus } from '../core/patch';

// Placeholder until the json patch lands: reports itself inactive, patches nothing.
export const jsonPatch: Patch = {
  name: 'json',
  envVar: 'AFTERBURNER_JSON',
  defaultOn: true,
  install(): PatchStatus {
    return { active: false, reason: 'not implemented yet' };
  },
  uninstall(): void {},
  status(): PatchStatus {
    return { active: false, reason: 'not implemented yet' };
  },
};
