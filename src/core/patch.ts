/**
 * The shape every patch has. Adding a patch = one module exporting a `Patch` + one line in
 * `registry.ts`. The registry owns switching, ordering, error isolation and logging; a patch only
 * knows how to install and remove itself.
 */
import type { EnvReader } from './config';
import type { NativeBinding } from './binding';

export type PatchName = 'json' | 'timers' | 'gc' | 'weak';

export interface PatchStatus {
  active: boolean;
  /** Why the patch is inactive, or a note on how it runs (e.g. "builtin kept for this runtime"). */
  reason?: string;
  [detail: string]: unknown;
}

export interface InstallContext {
  /** Mode selected by the switch when the patch has modes (e.g. the gc profile), else undefined. */
  mode?: string;
  /** Reads patch-specific variables with the package's uniform warnings. */
  env: EnvReader;
  /** The native addon, or null with the reason in `nativeError`. Loaded lazily by the accessor. */
  native(): NativeBinding | null;
  nativeError(): string | undefined;
  /** Patch-specific programmatic options from `install({ <name>: {...} })`, when an object was given. */
  options?: Record<string, unknown>;
}

export interface Patch {
  readonly name: PatchName;
  /** The environment variable that switches this patch: `AFTERBURNER_<NAME>`. */
  readonly envVar: string;
  /** On unless switched off. A patch that is not safe everywhere decides inside `install`. */
  readonly defaultOn: boolean;
  /** Named modes the switch accepts besides on/off (e.g. gc profiles). */
  readonly modes?: readonly string[];
  /**
   * Apply the patch. Returns its status: `{ active: false, reason }` when it decided not to apply
   * (unsupported runtime, missing addon...). Throwing is allowed: the registry turns it into an
   * inactive status and a warning, never a crash.
   */
  install(context: InstallContext): PatchStatus;
  /** Put back every original exactly (identity, not a copy). Must be safe to call when not installed. */
  uninstall(): void;
  /** Current status, including live details (counters, decisions). */
  status(): PatchStatus;
}
