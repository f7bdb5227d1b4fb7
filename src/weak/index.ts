// Public helpers of the weak part (exported as require('afterburner').weak).
export { weakHandler } from './handler';
export type { WeakMethod } from './handler';
export { onWeak, weakListenerStats } from './on-weak';
export type { OnWeakOptions, Unsubscribe } from './on-weak';
export { WeakValueMap } from './value-map';
export { proxy } from './proxy';
export { IterableWeakSet } from './iterable-set';
