// The stamps to choose from: 最近使ったスタンプ (this browser's, stamps/recent.ts) and then all
// of them. One Tab stop; the arrow keys move in the grid, Home and End to its ends, Enter
// or Space chooses.
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { t } from '../i18n';
import { STAMPS } from '../stamps/catalog';
import { recentStamps } from '../stamps/recent';
import { StampImg } from './StampImg';

let grids = 0;

/** The button the arrow key `key` leads to from `from`, found by where they are drawn. */
function neighbour(items: HTMLElement[], from: number, key: string): number {
  if (key === 'ArrowRight') return Math.min(items.length - 1, from + 1);
  if (key === 'ArrowLeft') return Math.max(0, from - 1);
  if (key === 'Home') return 0;
  if (key === 'End') return items.length - 1;
  const down = key === 'ArrowDown';
  if (!down && key !== 'ArrowUp') return -1;
  const r = items[from].getBoundingClientRect();
  let best = from;
  let bestRow = Infinity;
  let bestDx = Infinity;
  items.forEach((el, i) => {
    const q = el.getBoundingClientRect();
    const row = down ? q.top - r.top : r.top - q.top;
    if (row < r.height / 2) return;
    const dx = Math.abs(q.left - r.left);
    if (row < bestRow - 1 || (Math.abs(row - bestRow) <= 1 && dx < bestDx)) {
      best = i;
      bestRow = row;
      bestDx = dx;
    }
  });
  return best;
}

export function StampGrid({ onPick, autoFocus = false }: { onPick: (id: string) => void; autoFocus?: boolean }) {
  const [recent] = useState(recentStamps);
  const [uid] = useState(() => 'stamps' + ++grids);
  const [active, setActive] = useState(0);
  const root = useRef<HTMLDivElement>(null);
  const moved = useRef(autoFocus);
  const ids = [...recent, ...STAMPS.map((s) => s.id)];

  useLayoutEffect(() => {
    if (!moved.current) return;
    moved.current = false;
    root.current?.querySelectorAll<HTMLElement>('[data-stamp]')[active]?.focus();
  }, [active]);

  const onKeyDown = (e: KeyboardEvent) => {
    const items = Array.from(root.current!.querySelectorAll<HTMLElement>('[data-stamp]'));
    const from = items.indexOf(document.activeElement as HTMLElement);
    if (from < 0) return;
    const to = neighbour(items, from, e.key);
    if (to < 0) return;
    e.preventDefault();
    moved.current = true;
    setActive(to);
    if (to === active) items[to].focus();
  };

  const button = (id: string, i: number) => (
    <li key={i}>
      <button
        type="button"
        class="stamp-choice"
        data-stamp={id}
        tabIndex={i === active ? 0 : -1}
        onClick={() => onPick(id)}
        onFocus={() => setActive(i)}
      >
        <StampImg id={id} size={64} />
      </button>
    </li>
  );

  return (
    <div ref={root} class="stamp-grid" onKeyDown={onKeyDown}>
      {recent.length > 0 && (
        <>
          <h3 class="stamp-head" id={uid + 'r'}>
            {t('stampRecent')}
          </h3>
          <ul class="stamp-list" aria-labelledby={uid + 'r'}>
            {recent.map((id, i) => button(id, i))}
          </ul>
        </>
      )}
      <h3 class="stamp-head" id={uid + 'a'}>
        {t('stampAll')}
      </h3>
      <ul class="stamp-list" aria-labelledby={uid + 'a'}>
        {ids.slice(recent.length).map((id, i) => button(id, recent.length + i))}
      </ul>
    </div>
  );
}
