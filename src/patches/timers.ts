/**
 * The timers patch: event-driven fs.watchFile/unwatchFile, opt-in timer coalescing
 * (AFTERBURNER_TIMER_SLACK_MS), and the polling report's call-site accounting.
 */
import * as fs from 'node:fs';

// The fs module object is mutable at run time; its typings say otherwise.
const fsModule = fs as unknown as { watchFile: typeof fs.watchFile; unwatchFile: typeof fs.unwatchFile };
import type { InstallContext, Patch, PatchStatus } from '../core/patch';
import { log } from '../core/log';
import { errorMessage } from '../core/errors';
import { WatchFileController } from '../timers/watch-file';
import { installTimerHooks, uninstallTimerHooks, timerHooksStatus } from '../timers/hooks';

interface Installed {
  watchFile: typeof fs.watchFile;
  unwatchFile: typeof fs.unwatchFile;
  controller: WatchFileController | null;
  watchFileReason?: string;
}

let installed: Installed | null = null;
// Kept across uninstall: watchers created while installed still belong to it.
let controller: WatchFileController | null = null;

function readForcePolling(context: InstallContext): RegExp | undefined {
  const option = context.options?.forcePolling;
  if (option instanceof RegExp) return option;
  if (typeof option === 'string') return new RegExp(option);
  const raw = context.env.env.AFTERBURNER_TIMERS_POLL?.trim();
  if (!raw) return undefined;
  try {
    return new RegExp(raw);
  } catch {
    context.env.warnings.push({
      variable: 'AFTERBURNER_TIMERS_POLL',
      value: raw,
      message: `ignoring AFTERBURNER_TIMERS_POLL=${JSON.stringify(raw)}: accepted values are a regular expression matched against absolute paths; using the default (unset)`,
    });
    return undefined;
  }
}

function readSlack(context: InstallContext): number | undefined {
  const option = context.options?.slackMs;
  if (typeof option === 'number' && Number.isInteger(option) && option >= 1 && option <= 60_000) return option;
  return context.env.number('AFTERBURNER_TIMER_SLACK_MS', { min: 1, max: 60_000, integer: true }, undefined);
}

function readReport(context: InstallContext): boolean {
  const option = context.options?.report;
  if (typeof option === 'boolean') return option;
  return context.env.boolean('AFTERBURNER_TIMERS_REPORT', false);
}

export const timersPatch: Patch = {
  name: 'timers',
  envVar: 'AFTERBURNER_TIMERS',
  defaultOn: true,
  install(context: InstallContext): PatchStatus {
    if (installed) return timersPatch.status();
    const forcePolling = readForcePolling(context);
    const slackMs = readSlack(context);
    const report = readReport(context) || log.enabled('debug');
    const state: Installed = { watchFile: fs.watchFile, unwatchFile: fs.unwatchFile, controller: null };
    try {
      // fs.watch semantics (rename/change events for a directory's children, per-inode watches,
      // delete-self) are what this relies on; they are inotify's. Elsewhere the original stays.
      if (process.platform !== 'linux') throw new Error(`event-driven fs.watchFile is implemented for Linux inotify only (this is ${process.platform})`);
      controller ??= new WatchFileController({ watchFile: fs.watchFile, unwatchFile: fs.unwatchFile, stat: fs.stat, statSync: fs.statSync }, {});
      controller.options.forcePolling = forcePolling;
      // Advanced/benchmark knob: a fixed safety-net period (ms) for every event-driven path.
      const net = context.options?.safetyNetMs;
      if (typeof net === 'number' && net >= 1000) {
        controller.options.verifyFactor = 1;
        controller.options.verifyMinMs = controller.options.verifyMaxMs = net;
      }
      state.controller = controller;
      const c = controller;
      const watchFile = function watchFile(this: unknown): fs.StatWatcher {
        // eslint-disable-next-line prefer-rest-params
        return c.watchFile(arguments);
      } as unknown as typeof fs.watchFile;
      const unwatchFile = function unwatchFile(this: unknown): void {
        // eslint-disable-next-line prefer-rest-params
        c.unwatchFile(arguments);
      } as typeof fs.unwatchFile;
      fsModule.watchFile = watchFile;
      fsModule.unwatchFile = unwatchFile;
    } catch (err) {
      state.watchFileReason = `fs.watchFile kept: ${errorMessage(err)}`;
      log.debug(`timers: ${state.watchFileReason}`);
    }
    installed = state;
    installTimerHooks({ slackMs, report });
    return timersPatch.status();
  },
  uninstall(): void {
    if (!installed) return;
    fsModule.watchFile = installed.watchFile;
    fsModule.unwatchFile = installed.unwatchFile;
    installed = null;
    uninstallTimerHooks();
  },
  status(): PatchStatus {
    if (!installed) return { active: false, reason: 'not installed' };
    const hooks = timerHooksStatus();
    return {
      active: true,
      ...(installed.watchFileReason ? { reason: installed.watchFileReason } : {}),
      watchFile: installed.controller ? installed.controller.status() : { active: false, reason: installed.watchFileReason },
      slackMs: hooks.slackMs ?? null,
      report: hooks.report,
      alignedTimers: hooks.aligned,
    };
  },
};
