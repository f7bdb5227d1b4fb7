'use strict';
// Thin CommonJS entry for `--require afterburner/register` and `--import afterburner/register`.
require('./dist/register.js');
