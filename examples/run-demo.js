#!/usr/bin/env node
'use strict';
// Placeholder main job until the demo service lands: shows what the register would do here.
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const run = spawnSync(process.execPath, ['--require', path.join(__dirname, '..', 'register.js'), '-e', 'console.log(JSON.stringify(require(process.cwd()).status(), null, 2))'], { stdio: 'inherit', cwd: path.join(__dirname, '..') });
process.exit(run.status ?? 1);
