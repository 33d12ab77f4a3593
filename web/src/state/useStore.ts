import { useEffect, useReducer, useRef } from 'preact/hooks';
import { store } from './app';
import type { AppState } from './store';

/** Re-renders the component when the selected part of the state changes (by identity). */
export function useStore<T>(select: (s: AppState) => T): T {
  const [, force] = useReducer((n: number) => n + 1, 0);
  const selRef = useRef(select);
  selRef.current = select;
  const value = select(store.state);
  const valRef = useRef(value);
  valRef.current = value;
  useEffect(
    () =>
      store.subscribe(() => {
        const v = selRef.current(store.state);
        if (!Object.is(v, valRef.current)) {
          valRef.current = v;
          force(0);
        }
      }),
    [],
  );
  return value;
}
