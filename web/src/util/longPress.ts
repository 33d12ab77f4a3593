// A long press with a finger (about half a second without moving): phones have no hover and
// no right click, so it opens what those would. The mouse events and click that the
// browser may still send when the finger lifts are swallowed (they would land on what the
// long press opened, a dialog's backdrop say).
import { useMemo, useRef } from 'preact/hooks';

const HOLD_MS = 500;

function swallowNextClick(): void {
  const types = ['mousedown', 'mouseup', 'click'];
  const eat = (e: Event) => {
    e.preventDefault();
    e.stopPropagation();
    if (e.type === 'click') done();
  };
  const done = () => types.forEach((t) => document.removeEventListener(t, eat, true));
  types.forEach((t) => document.addEventListener(t, eat, true));
  setTimeout(done, 1000);
}

/** Handlers to spread on an element; `fire` runs on a long press by touch (or pen). */
export function useLongPress(fire: (el: HTMLElement) => void) {
  const cb = useRef(fire);
  cb.current = fire;
  return useMemo(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let el: HTMLElement | null = null;
    let x = 0;
    let y = 0;
    const stop = () => {
      clearTimeout(timer);
      el = null;
    };
    const go = () => {
      const at = el;
      if (!at) return;
      stop();
      swallowNextClick();
      cb.current(at);
    };
    return {
      onPointerDown(e: PointerEvent) {
        stop();
        if (e.pointerType === 'mouse') return;
        el = e.currentTarget as HTMLElement;
        x = e.clientX;
        y = e.clientY;
        timer = setTimeout(go, HOLD_MS);
      },
      onPointerMove(e: PointerEvent) {
        if (Math.abs(e.clientX - x) + Math.abs(e.clientY - y) > 10) stop();
      },
      onPointerUp: stop,
      onPointerCancel: stop,
      onContextMenu(e: Event) {
        // Android opens its own menu on a long press: ours instead.
        if (!el) return;
        e.preventDefault();
        go();
      },
    };
  }, []);
}
