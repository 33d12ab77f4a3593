import { describe, expect, it } from 'vitest';
import { Cursors, decideEvent } from './cursors';

describe('decideEvent', () => {
  it('applies only cursor + 1', () => {
    expect(decideEvent(5, 6)).toBe('apply');
    expect(decideEvent(0, 1)).toBe('apply');
  });
  it('ignores what was already applied', () => {
    expect(decideEvent(5, 5)).toBe('duplicate');
    expect(decideEvent(5, 2)).toBe('duplicate');
  });
  it('detects a gap', () => {
    expect(decideEvent(5, 7)).toBe('gap');
  });
  it('knows when the room has no cursor', () => {
    expect(decideEvent(undefined, 3)).toBe('unknown-room');
  });
});

describe('Cursors', () => {
  it('builds the hello cursors and only advances forward', () => {
    const c = new Cursors();
    c.set(5, 57);
    c.set(9, 12);
    c.advance(9, 11);
    c.advance(5, 58);
    expect(c.toHello()).toEqual({ '5': 58, '9': 12 });
    c.delete(9);
    expect(c.toHello()).toEqual({ '5': 58 });
  });
});
