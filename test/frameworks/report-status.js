'use strict';
// Preloaded after the register in the framework's own test files: prints what the integrations
// did, so the test knows the framework's tests really ran through them.
const fs = require('node:fs');
const path = require('node:path');

process.on('exit', () => {
  const { frameworks } = require(path.resolve(__dirname, '..', '..')).status();
  fs.writeSync(2, `\nframeworks-status ${JSON.stringify(frameworks)}\n`);
});
