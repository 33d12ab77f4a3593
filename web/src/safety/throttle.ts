// At most one call of `fn` per `ms`: the dashboard's target list follows safety.updated (about
// one a second during a wave of answers) with one reload every 5 s at most. A call within
// `ms` of the last run is put off to the end of that time (several such calls: one run).
import { realTimers, type Timers } from '../realtime/connection';

export interface Throttled {
  (): void;
  /** Forgets a run put off (the component is gone). */
  cancel(): void;
}

export function throttle(fn: () => void, ms: number, timers: Timers = realTimers): Throttled {
  let last = -Infinity;
  let timer: unknown = null;
  const run = () => {
    timer = null;
    last = timers.now();
    fn();
  };
  const call = () => {
    if (timer !== null) return;
    const wait = last + ms - timers.now();
    if (wait <= 0) run();
    else timer = timers.setTimeout(run, wait);
  };
  call.cancel = () => {
    if (timer !== null) timers.clearTimeout(timer);
    timer = null;
  };
  return call;
}
