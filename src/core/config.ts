/**
 * Configuration comes from the environment, read once when the package is installed. Bad values
 * never throw: they produce one warning (same wording for every variable) and the default applies.
 */
import type { LogLevel } from './log';

export const ON_WORDS = ['1', 'on', 'true'] as const;
export const OFF_WORDS = ['0', 'off', 'false'] as const;
const BOOLEAN_WORDS = [...OFF_WORDS, ...ON_WORDS];

export type Env = Record<string, string | undefined>;

export interface ConfigWarning {
  variable: string;
  value: string;
  message: string;
}

/** Collects warnings while reading variables, so the caller decides when and how to log them. */
export class EnvReader {
  readonly warnings: ConfigWarning[] = [];
  constructor(readonly env: Env = process.env) {}

  private raw(variable: string): string | undefined {
    const value = this.env[variable];
    if (value === undefined) return undefined;
    const trimmed = value.trim();
    return trimmed === '' ? undefined : trimmed;
  }

  private reject(variable: string, value: string, accepted: string, fallback: string): void {
    this.warnings.push({
      variable,
      value,
      message: `ignoring ${variable}=${JSON.stringify(value)}: accepted values are ${accepted}; using the default (${fallback})`,
    });
  }

  /** `0/1/off/on/false/true`, case-insensitive. */
  boolean(variable: string, fallback: boolean): boolean {
    return this.switchOrMode(variable, fallback, []).enabled;
  }

  /**
   * A patch switch that also accepts named modes (e.g. `AFTERBURNER_GC=memory`). `on` words select
   * the patch's default mode; `off` words disable it.
   */
  switchOrMode(variable: string, fallbackEnabled: boolean, modes: readonly string[]): { enabled: boolean; mode?: string; fromEnv: boolean } {
    const value = this.raw(variable);
    if (value === undefined) return { enabled: fallbackEnabled, fromEnv: false };
    const lower = value.toLowerCase();
    if ((OFF_WORDS as readonly string[]).includes(lower)) return { enabled: false, fromEnv: true };
    if ((ON_WORDS as readonly string[]).includes(lower)) return { enabled: true, fromEnv: true };
    if (modes.includes(lower)) return { enabled: true, mode: lower, fromEnv: true };
    this.reject(variable, value, [...BOOLEAN_WORDS, ...modes].join(', '), fallbackEnabled ? 'on' : 'off');
    return { enabled: fallbackEnabled, fromEnv: false };
  }

  choice<T extends string>(variable: string, choices: readonly T[], fallback: T): T {
    const value = this.raw(variable);
    if (value === undefined) return fallback;
    const lower = value.toLowerCase() as T;
    if (choices.includes(lower)) return lower;
    this.reject(variable, value, choices.join(', '), fallback);
    return fallback;
  }

  /** A number in [min, max]; `fallback` undefined means "unset" is a valid outcome. */
  number(variable: string, options: { min: number; max: number; integer?: boolean }, fallback: number | undefined): number | undefined {
    const value = this.raw(variable);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    const ok = Number.isFinite(parsed) && parsed >= options.min && parsed <= options.max && (!options.integer || Number.isInteger(parsed));
    if (ok) return parsed;
    const kind = options.integer ? 'an integer' : 'a number';
    this.reject(variable, value, `${kind} from ${options.min} to ${options.max}`, fallback === undefined ? 'unset' : String(fallback));
    return fallback;
  }
}

export interface GlobalConfig {
  /** `AFTERBURNER=0` turns every patch off; the package still loads. */
  enabled: boolean;
  logLevel: LogLevel;
}

export function readGlobalConfig(reader: EnvReader): GlobalConfig {
  return {
    enabled: reader.boolean('AFTERBURNER', true),
    logLevel: reader.choice<LogLevel>('AFTERBURNER_LOG', ['silent', 'info', 'debug'], 'info'),
  };
}
