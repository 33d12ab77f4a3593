export interface Source<S> {
  readonly state: S;
  subscribe(fn: () => void): () => void;
}

/**
 * Calls `changed` whenever `select(source.state)` is no longer `seen.current`, starting with
 * a change made before this subscription: effects run after the render that read the
 * value, and a store update in between (a response arriving right after the first paint)
 * would otherwise never reach the component — the app then stayed on 読み込み中….
 */
export function watchSelection<S, T>(
  source: Source<S>,
  select: { current: (s: S) => T },
  seen: { current: T },
  changed: () => void,
): () => void {
  const check = () => {
    const v = select.current(source.state);
    if (!Object.is(v, seen.current)) {
      seen.current = v;
      changed();
    }
  };
  const unsubscribe = source.subscribe(check);
  check();
  return unsubscribe;
}

