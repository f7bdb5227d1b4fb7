/**
 * `node --require afterburner/register` / `--import afterburner/register`: install every patch
 * the environment enables. Never throws into the host: a failure here is logged and the service
 * starts unpatched.
 */
import { applyPatches } from './core/registry';
import { log } from './core/log';
import { errorMessage } from './core/errors';

try {
  applyPatches();
} catch (err) {
  log.warn(`not installed: ${errorMessage(err)}`);
}
