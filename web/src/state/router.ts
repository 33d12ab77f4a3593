// Client-side routes. The server answers index.html for every path without an extension.
//   /                    room list (PC: nothing opened)
//   /rooms/5             room 5
//   /rooms/5/details     room 5 with its details (phone: the details pane)
//   /rooms/5/users/7     room 5 with user 7's profile
//   /rooms/5/notes       room 5 with its notes
//   /rooms/5/notes/12    room 5 with note 12 open over its notes
//   /rooms/5/search      room 5 with the search view (full-text search) beside it
//   /search              the search view with no room open
//   /users/7             user 7's profile
//   /safety              安否確認: the checks a manager sees (the room's place)
//   /safety/3            the dashboard of check 3
export type Panel = null | 'details' | 'notes' | 'search' | 'safety' | { user: number } | { note: number } | { safety: number };

export interface Route {
  room: number | null;
  panel: Panel;
}

export const HOME: Route = { room: null, panel: null };

export function parseRoute(path: string): Route {
  const parts = path.split('?')[0].split('/').filter(Boolean);
  const num = (s: string | undefined) => (s && /^\d+$/.test(s) ? Number(s) : null);
  if (parts[0] === 'rooms') {
    const room = num(parts[1]);
    if (room === null) return HOME;
    if (parts[2] === 'details' || parts[2] === 'search') return { room, panel: parts[2] };
    if (parts[2] === 'notes') {
      const note = num(parts[3]);
      return { room, panel: note === null ? 'notes' : { note } };
    }
    if (parts[2] === 'users') {
      const user = num(parts[3]);
      return user === null ? { room, panel: null } : { room, panel: { user } };
    }
    return { room, panel: null };
  }
  if (parts[0] === 'search') return { room: null, panel: 'search' };
  if (parts[0] === 'safety') {
    const id = num(parts[1]);
    return { room: null, panel: id === null ? 'safety' : { safety: id } };
  }
  if (parts[0] === 'users') {
    const user = num(parts[1]);
    if (user !== null) return { room: null, panel: { user } };
  }
  return HOME;
}

export function formatRoute(r: Route): string {
  let p = r.room !== null ? `/rooms/${r.room}` : '';
  const panel = r.panel;
  if (panel === 'search' || panel === 'safety' || (r.room !== null && (panel === 'details' || panel === 'notes'))) p += '/' + panel;
  else if (r.room !== null && panel && typeof panel === 'object' && 'note' in panel) p += `/notes/${panel.note}`;
  else if (panel && typeof panel === 'object' && 'user' in panel) p += `/users/${panel.user}`;
  else if (panel && typeof panel === 'object' && 'safety' in panel) p = `/safety/${panel.safety}`;
  return p || '/';
}

/** Where the phone layout's back button goes. */
export function parentRoute(r: Route): Route {
  if (r.panel !== null) return { room: r.room, panel: null };
  return HOME;
}

export function sameRoute(a: Route, b: Route): boolean {
  return formatRoute(a) === formatRoute(b);
}
