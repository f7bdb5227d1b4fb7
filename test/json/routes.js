'use strict';
// The router may send small or unusual inputs to the builtin, which would hide native bugs from a
// differential test. Every test that compares outputs runs once per route: the default router, and
// (when the implementation offers a switch) every input forced through the native path. The helpers
// json.parse/get/validate do not use the router: they are compared on the default route only.
const { ab, installJson, setHelpersOn } = require('./subject');
const { cleanEnv } = require('../helpers');

// How the json patch is told to force a route. Kept in one place so the tests follow the
// implementation's switch; see src/patches/json.ts.
const FORCED = [{ name: 'native forced', env: { AFTERBURNER_JSON_ROUTE: 'native' }, forced: true }];

const DEFAULT = { name: 'default router', env: {} };

/** (Re)installs the json patch for `route`; returns installJson()'s result plus the route. */
function useRoute(route) {
  setHelpersOn(route === DEFAULT);
  ab.uninstall();
  const env = cleanEnv(route.env);
  ab.install({ json: route.option ?? true, timers: false, gc: false, weak: false, log: 'silent', env });
  const result = installJson(route.option ?? true); // already installed: returns the live status
  return { ...result, route };
}

/** The routes to run: the default, plus forced ones whose switch the implementation reports. */
function routes() {
  const list = [DEFAULT];
  for (const route of FORCED) {
    const r = useRoute(route);
    const json = r.status.json;
    // The patch says which route it took in its status; only keep a forced route it honoured.
    const text = JSON.stringify(json);
    if (json.active && json.route === 'native') list.push(route);
    else list.push({ ...route, unsupported: `the json patch did not report honouring ${JSON.stringify(route.env)} (status ${text})` });
  }
  ab.uninstall();
  return list;
}

module.exports = { routes, useRoute, DEFAULT, FORCED };
