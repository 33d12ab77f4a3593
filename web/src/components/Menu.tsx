// A "⋯" button with a popup menu: arrow keys move, Esc closes and gives focus back, a click
// outside closes it.
import { useEffect, useRef, useState } from 'preact/hooks';
import { Icon, type IconName } from './Icon';

export interface MenuItem {
  label: string;
  icon: IconName;
  danger?: boolean;
  run: () => void;
}

export function Menu({
  label,
  items,
  wrapClass,
  btnClass,
  menuClass,
}: {
  label: string;
  items: MenuItem[];
  wrapClass: string;
  btnClass: string;
  menuClass: string;
}) {
  const [open, setOpen] = useState(false);
  const btn = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    menu.current?.querySelector<HTMLElement>('[role=menuitem]')?.focus();
    const onDown = (e: MouseEvent) => {
      if (!menu.current?.contains(e.target as Node) && !btn.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    return () => document.removeEventListener('mousedown', onDown);
  }, [open]);

  const onKey = (e: KeyboardEvent) => {
    const els = Array.from(menu.current!.querySelectorAll<HTMLElement>('[role=menuitem]'));
    const i = els.indexOf(document.activeElement as HTMLElement);
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      setOpen(false);
      btn.current?.focus();
    } else if (e.key === 'ArrowDown') {
      e.preventDefault();
      els[(i + 1) % els.length].focus();
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      els[(i - 1 + els.length) % els.length].focus();
    } else if (e.key === 'Tab') {
      setOpen(false);
    }
  };

  return (
    <div class={wrapClass}>
      <button
        ref={btn}
        type="button"
        class={'icon-btn ' + btnClass}
        aria-label={label}
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
      >
        <Icon name="more" size={18} />
      </button>
      {open && (
        <div ref={menu} class={'menu ' + menuClass} role="menu" aria-label={label} onKeyDown={onKey}>
          {items.map((it) => (
            <button
              key={it.label}
              type="button"
              role="menuitem"
              class={it.danger ? 'danger' : undefined}
              onClick={() => {
                setOpen(false);
                it.run();
              }}
            >
              <Icon name={it.icon} size={18} /> {it.label}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
