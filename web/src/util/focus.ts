// Focus inside modal layers (dialogs, the image viewer): focus moves in when one opens, Tab
// stays inside, and focus goes back to where it was when it closes.
import type { RefObject } from 'preact';
import { useEffect } from 'preact/hooks';

export const FOCUSABLE =
  'a[href],button:not([disabled]),input:not([disabled]),select:not([disabled]),textarea:not([disabled]),[tabindex]:not([tabindex="-1"])';

/** On open: focus the [data-autofocus] element (else the first focusable, else the layer). */
export function useModalFocus(ref: RefObject<HTMLElement>): void {
  useEffect(() => {
    const prev = document.activeElement as HTMLElement | null;
    const el = ref.current!;
    const first = el.querySelector<HTMLElement>('[data-autofocus]') || el.querySelector<HTMLElement>(FOCUSABLE);
    (first || el).focus();
    return () => {
      if (prev && document.contains(prev)) prev.focus();
    };
  }, []);
}

/** Keeps Tab and Shift+Tab among the visible focusable elements of `root`. */
export function trapTab(e: KeyboardEvent, root: HTMLElement): void {
  if (e.key !== 'Tab') return;
  const items = Array.from(root.querySelectorAll<HTMLElement>(FOCUSABLE)).filter((x) => x.offsetParent !== null);
  if (!items.length) return;
  const first = items[0];
  const last = items[items.length - 1];
  if (e.shiftKey && document.activeElement === first) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && document.activeElement === last) {
    e.preventDefault();
    first.focus();
  }
}
