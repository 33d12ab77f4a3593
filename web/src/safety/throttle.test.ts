import { describe, expect, it } from 'vitest';
import type { Timers } from '../realtime/connection';
import { throttle } from './throttle';

/** A clock moved by hand. */
function clock() {
  let now = 1000;
  let seq = 0;
  const due = new Map<number, { at: number; fn: () => void }>();
  const timers: Timers = {
    now: () => now,
    setTimeout(fn, ms) {
      due.set(++seq, { at: now + ms, fn });
      return seq;
    },
    clearTimeout: (h) => void due.delete(h as number),
  };
  const advance = (ms: number) => {
    now += ms;
    for (const [k, d] of [...due].sort((a, b) => a[1].at - b[1].at)) {
      if (d.at <= now) {
        due.delete(k);
        d.fn();
      }
    }
  };
  return { timers, advance, pending: () => due.size };
}

describe('throttle', () => {
  it('runs at once, then at most once per period, the calls between making one run at its end', () => {
    const c = clock();
    let runs = 0;
    const f = throttle(() => runs++, 5000, c.timers);
    f();
    expect(runs).toBe(1);
    for (let i = 0; i < 4; i++) {
      c.advance(1000);
      f();
    }
    expect(runs).toBe(1);
    expect(c.pending()).toBe(1);
    c.advance(999);
    expect(runs).toBe(1);
    c.advance(1);
    expect(runs).toBe(2);
    c.advance(10000);
    expect(runs).toBe(2);
    f();
    expect(runs).toBe(3);
  });
  it('cancel forgets the run put off', () => {
    const c = clock();
    let runs = 0;
    const f = throttle(() => runs++, 5000, c.timers);
    f();
    f();
    f.cancel();
    c.advance(6000);
    expect(runs).toBe(1);
    expect(c.pending()).toBe(0);
  });
});
