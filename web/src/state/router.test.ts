import { describe, expect, it } from 'vitest';
import { formatRoute, parentRoute, parseRoute } from './router';

describe('router', () => {
  it('round-trips every route', () => {
    for (const p of ['/', '/rooms/5', '/rooms/5/details', '/rooms/5/users/7', '/users/7', '/rooms/5/notes', '/rooms/5/notes/12', '/search', '/rooms/5/search', '/safety', '/safety/3']) {
      expect(formatRoute(parseRoute(p))).toBe(p);
    }
  });
  it('falls back to the list for unknown paths', () => {
    expect(parseRoute('/nope')).toEqual({ room: null, panel: null });
    expect(parseRoute('/rooms/abc')).toEqual({ room: null, panel: null });
    expect(parseRoute('/rooms/5/notes/x')).toEqual({ room: 5, panel: 'notes' });
  });
  it('goes back one pane at a time', () => {
    expect(parentRoute(parseRoute('/rooms/5/details'))).toEqual({ room: 5, panel: null });
    expect(parentRoute(parseRoute('/rooms/5'))).toEqual({ room: null, panel: null });
  });
});
