/**
 * The one way the core learns the time: the shell reads a Clock and passes `now` (epoch milliseconds) into every pure
 * function here, so dampening, hold-down and suppression can be tested by choosing instants instead of sleeping.
 * The real clock lives in the shell; the core never calls Date.now().
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}
