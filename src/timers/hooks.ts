// Placeholder until coalescing and the report land.
export function installTimerHooks(_o: { slackMs?: number; report: boolean }): void {}
export function uninstallTimerHooks(): void {}
export function timerHooksStatus(): { slackMs?: number; report: boolean } {
  return { report: false };
}
