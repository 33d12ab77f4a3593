// memo() without preact/compat: re-render only when a prop changed (shallow compare).
import { Component, h, type FunctionComponent } from 'preact';

export function memo<P extends object>(C: FunctionComponent<P>): FunctionComponent<P> {
  class Memoed extends Component<P> {
    shouldComponentUpdate(next: P): boolean {
      const a = this.props as Record<string, unknown>;
      const b = next as Record<string, unknown>;
      for (const k in a) if (k !== 'children' && a[k] !== b[k]) return true;
      for (const k in b) if (k !== 'children' && !(k in a)) return true;
      return false;
    }
    render(props: P) {
      return h(C, props);
    }
  }
  return Memoed as unknown as FunctionComponent<P>;
}

/** A ref callback that focuses the element the first time it is mounted. */
export function focusOnce(el: HTMLElement | null): void {
  if (el && !el.dataset.f) {
    el.dataset.f = '1';
    el.focus();
  }
}
