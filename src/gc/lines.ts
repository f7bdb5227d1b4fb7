/**
 * Turns a plan's start-time settings into what a process must be started with: flags NODE_OPTIONS
 * accepts on the target version, flags that only work on node's command line, and environment.
 */
import { acceptedInNodeOptions } from './runtime';
import type { Plan, Setting } from './profiles';

export interface StartLines {
  /** Flags the target version accepts in NODE_OPTIONS. */
  nodeOptions: string[];
  /** Flags that only work as node arguments. */
  nodeArgs: string[];
  /** Environment for the C library. */
  env: Record<string, string>;
}

export function startSettings(plan: Plan): Setting[] {
  return plan.settings.filter((s) => s.decision === 'set' && (s.stage === 'start' || s.key === 'arena-max'));
}

export function startLines(plan: Plan, major: number = plan.major): StartLines {
  const out: StartLines = { nodeOptions: [], nodeArgs: [], env: {} };
  for (const s of startSettings(plan)) {
    if (s.key === 'arena-max') out.env.MALLOC_ARENA_MAX = String(s.value);
    else if (s.flag) (acceptedInNodeOptions(s.flag, major) ? out.nodeOptions : out.nodeArgs).push(`${s.flag}=${s.value}`);
  }
  return out;
}

/** The exact line that would add one missing start-time setting. */
export function lineFor(setting: Setting, major: number): string {
  if (setting.key === 'arena-max') return `MALLOC_ARENA_MAX=${setting.value}`;
  const flag = `${setting.flag}=${setting.value}`;
  return acceptedInNodeOptions(setting.flag ?? '', major) ? `NODE_OPTIONS="${flag}"` : `node ${flag} <script> (node's command line only: NODE_OPTIONS refuses it)`;
}
