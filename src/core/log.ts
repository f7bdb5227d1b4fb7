/**
 * One logger for the whole package. Everything goes to stderr with a fixed prefix so a
 * service's own stdout (often a protocol or structured logs) is never polluted.
 */
export type LogLevel = 'silent' | 'info' | 'debug';

const ORDER: Record<LogLevel, number> = { silent: 0, info: 1, debug: 2 };

let level: LogLevel = 'info';
let sink: (line: string) => void = (line) => {
  try {
    process.stderr.write(line + '\n');
  } catch {
    // A closed stderr must never take the host service down.
  }
};
const warnedOnce = new Set<string>();

export function setLogLevel(next: LogLevel): void {
  level = next;
}

export function getLogLevel(): LogLevel {
  return level;
}

/** Tests capture lines here instead of scraping a child's stderr. */
export function setLogSink(next: (line: string) => void): void {
  sink = next;
}

function emit(min: LogLevel, tag: string, message: string): void {
  if (ORDER[level] >= ORDER[min]) sink(`afterburner${tag}: ${message}`);
}

export const log = {
  /** Something fell back or was ignored: shown unless AFTERBURNER_LOG=silent. */
  warn(message: string): void {
    emit('info', ' warning', message);
  },
  /** Same as warn, but printed at most once per process/thread for a given key. */
  warnOnce(key: string, message: string): void {
    if (warnedOnce.has(key)) return;
    warnedOnce.add(key);
    emit('info', ' warning', message);
  },
  /** Chatty detail: only with AFTERBURNER_LOG=debug. */
  debug(message: string): void {
    emit('debug', '', message);
  },
  enabled(min: LogLevel): boolean {
    return ORDER[level] >= ORDER[min];
  },
};
