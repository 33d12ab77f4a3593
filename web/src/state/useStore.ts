import { useEffect, useReducer, useRef } from 'preact/hooks';
import { store } from './app';
import type { AppState } from './store';
import { watchSelection } from './watch';

/** Re-renders the component when the selected part of the state changes (by identity). */
export function useStore<T>(select: (s: AppState) => T): T {
  const [, force] = useReducer((n: number) => n + 1, 0);
  const selRef = useRef(select);
  selRef.current = select;
  const value = select(store.state);
  const valRef = useRef(value);
  valRef.current = value;
  useEffect(() => watchSelection(store, selRef, valRef, () => force(0)), []);
  return value;
}
