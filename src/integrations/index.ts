/**
 * The frameworks patch: JSON request bodies of fastify and express / body-parser are parsed from
 * their bytes by `json.parse(Buffer)` instead of being decoded to a string for `JSON.parse`.
 * `AFTERBURNER_FRAMEWORKS=0` switches every integration off; `AFTERBURNER_FASTIFY=0` and
 * `AFTERBURNER_BODY_PARSER=0` one each. Installing costs one require hook; a framework's code is
 * touched when (and only if) the service loads it, and a version not supported is left alone.
 */
import type { InstallContext, Patch, PatchStatus } from '../core/patch';
import { IntegrationState } from './state';
import { loadedBefore, packageVersion, unwatchAll, watch, type OnLoad } from './hooks';

interface Integration {
  name: string;
  envVar: string;
  /** Package-relative ids (no extension) of the files to hook. */
  files: string[];
  hooks(state: IntegrationState): Record<string, OnLoad>;
}

const INTEGRATIONS: Integration[] = [
  {
    name: 'fastify',
    envVar: 'AFTERBURNER_FASTIFY',
    files: ['fastify/lib/content-type-parser'],
    hooks: (state) => ({
      'fastify/lib/content-type-parser': (exports, basedir) =>
        (require('./fastify') as typeof import('./fastify')).patchContentTypeParser(exports, basedir, packageVersion(basedir), state),
    }),
  },
  {
    name: 'body-parser',
    envVar: 'AFTERBURNER_BODY_PARSER',
    files: ['body-parser/lib/read', 'body-parser/lib/types/json'],
    hooks: (state) => {
      let integration: import('./body-parser').BodyParserIntegration | undefined;
      const get = () => (integration ??= new (require('./body-parser') as typeof import('./body-parser')).BodyParserIntegration(state));
      return {
        'body-parser/lib/read': (exports, basedir) => get().patchRead(exports, basedir, packageVersion(basedir)),
        'body-parser/lib/types/json': (exports) => get().patchJson(exports),
      };
    },
  },
];

let states = new Map<string, IntegrationState>();
let installed = false;

function currentStatus(): PatchStatus {
  const integrations: Record<string, unknown> = {};
  for (const [name, state] of states) integrations[name] = state.report();
  if (!installed) return { active: false, reason: 'not installed', integrations };
  return { active: true, integrations };
}

export const frameworksPatch: Patch = {
  name: 'frameworks',
  envVar: 'AFTERBURNER_FRAMEWORKS',
  defaultOn: true,
  install(ctx: InstallContext): PatchStatus {
    states = new Map();
    const hooks: Record<string, OnLoad> = {};
    const only = ctx.options?.only;
    for (const integration of INTEGRATIONS) {
      const state = new IntegrationState(integration.envVar);
      states.set(integration.name, state);
      const fromOptions = Array.isArray(only) ? only.includes(integration.name) : undefined;
      if (!(fromOptions ?? ctx.env.boolean(integration.envVar, true))) {
        state.disabled(fromOptions === false ? 'not in install() options' : `disabled by ${integration.envVar}`);
        continue;
      }
      const early = integration.files.map((file) => loadedBefore(`${file}.js`)).find(Boolean);
      if (early) {
        state.leftAlone(`loaded before afterburner (${early}); start the service with --require afterburner/register`);
        continue;
      }
      Object.assign(hooks, integration.hooks(state));
    }
    if (Object.keys(hooks).length > 0) watch(hooks);
    installed = true;
    return currentStatus();
  },
  uninstall(): void {
    // Frameworks already loaded keep their parsers (their instances hold them); new loads are not hooked.
    unwatchAll();
    installed = false;
  },
  status(): PatchStatus {
    return currentStatus();
  },
};
