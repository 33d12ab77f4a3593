// A long press with a finger (about half a second without moving): phones have no hover and
// no right click, so it opens what those would. The click that ends it is swallowed.
import { useMemo, useRef } from 'preact/hooks';

const HOLD_MS = 500;

/** Handlers to spread on an element; `fire` runs on a long press by touch (or pen). */
export function useLongPress(fire: (el: HTMLElement) => void) {
  const cb = useRef(fire);
  cb.current = fire;
  return useMemo(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let el: HTMLElement | null = null;
    let x = 0;
    let y = 0;
    let fired = false;
    const stop = () => {
      clearTimeout(timer);
      el = null;
    };
    const go = () => {
      if (!el) return;
      fired = true;
      const at = el;
      stop();
      cb.current(at);
    };
    return {
      onPointerDown(e: PointerEvent) {
        fired = false;
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
        if (!el && !fired) return;
        e.preventDefault();
        go();
      },
      onClickCapture(e: Event) {
        if (!fired) return;
        fired = false;
        e.preventDefault();
        e.stopPropagation();
      },
    };
  }, []);
}
