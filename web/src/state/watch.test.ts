import { describe, expect, it } from 'vitest';
import { watchSelection } from './watch';

function source(initial: { phase: string }) {
  const subs = new Set<() => void>();
  return {
    state: initial,
    set(phase: string) {
      this.state = { phase };
      for (const f of subs) f();
    },
    subscribe(fn: () => void) {
      subs.add(fn);
      return () => subs.delete(fn);
    },
  };
}

describe('watchSelection', () => {
  it('reports a change made between the render and the subscription', () => {
    const src = source({ phase: 'boot' });
    const select = { current: (s: { phase: string }) => s.phase };
    const seen = { current: select.current(src.state) }; // what the render read
    src.set('login'); // the answer to /api/me arrives before the effect runs
    let calls = 0;
    watchSelection(src, select, seen, () => calls++);
    expect(calls).toBe(1);
    expect(seen.current).toBe('login');
  });

  it('reports later changes once each, and nothing after unsubscribing', () => {
    const src = source({ phase: 'boot' });
    const select = { current: (s: { phase: string }) => s.phase };
    const seen = { current: select.current(src.state) };
    let calls = 0;
    const stop = watchSelection(src, select, seen, () => calls++);
    expect(calls).toBe(0);
    src.set('app');
    src.set('app');
    expect(calls).toBe(1);
    stop();
    src.set('login');
    expect(calls).toBe(1);
  });
});
