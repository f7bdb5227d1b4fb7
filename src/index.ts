/**
 * Public API: `require('afterburner')`. Loading this module patches nothing; `install()` or
 * `--require afterburner/register` does.
 */
export { install, uninstall, status } from './core/registry';
export type { InstallOptions, Status, PatchOption } from './core/registry';
export type { PatchStatus, PatchName } from './core/patch';
export type { NativeStatus } from './core/native';
export * as json from './json';
export * as timers from './timers';
export * as gc from './gc';
export * as weak from './weak';
export * as memory from './memory';
