/**
 * The route guard of `json.parse` (guard.ts): every input that may go native is timed per kind
 * (bytes or string) and power-of-two size against what it replaces (`JSON.parse(buf.toString())`
 * for bytes), and the native path is kept only where it measures cheaper. Kept apart from the
 * public helpers (index.ts) so that the namespace exports only those.
 */
import { RouteGuard, type ClassStatus } from './guard';

/** Classes 0-31: bytes of 2^c bytes and more; 32-63: strings. */
export const parseGuard = new RouteGuard({ classes: 64 });

/** The classes that have seen calls (status().json.parseClasses, tests). */
export function parseGuardStatus(): ({ input: 'bytes' | 'string'; fromLength: number } & ClassStatus)[] {
  const out = [];
  for (let c = 0; c < parseGuard.classCount; c++) {
    if (parseGuard.seen(c)) out.push({ input: c >= 32 ? ('string' as const) : ('bytes' as const), fromLength: 2 ** (c % 32), ...parseGuard.status(c) });
  }
  return out;
}
