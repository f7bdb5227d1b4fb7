'use strict';
// Thin CommonJS entry for `--require afterburner/register` and `--import afterburner/register`.
// AFTERBURNER=0 (one of src/core/config.ts's OFF_WORDS) loads nothing more, so switching the
// package off costs nothing measurable; AFTERBURNER_LOG=debug still loads the registry, which
// then says that every patch is off.
const off = ['0', 'off', 'false'].includes(String(process.env.AFTERBURNER ?? '').trim().toLowerCase());
if (!off || String(process.env.AFTERBURNER_LOG ?? '').trim().toLowerCase() === 'debug') require('./dist/register.js');
