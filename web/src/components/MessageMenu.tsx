// The "⋯" menu of a message: reply, copy, and for one's own messages edit and delete.
import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../i18n';
import { Icon } from './Icon';

export function MessageMenu({
  mine,
  onReply,
  onEdit,
  onDelete,
  onCopy,
}: {
  mine: boolean;
  onReply: () => void;
  onEdit: () => void;
  onDelete: () => void;
  onCopy: () => void;
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

  const run = (fn: () => void) => () => {
    setOpen(false);
    fn();
  };

  const onKey = (e: KeyboardEvent) => {
    const items = Array.from(menu.current!.querySelectorAll<HTMLElement>('[role=menuitem]'));
    const i = items.indexOf(document.activeElement as HTMLElement);
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      setOpen(false);
      btn.current?.focus();
    } else if (e.key === 'ArrowDown') {
      e.preventDefault();
      items[(i + 1) % items.length].focus();
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      items[(i - 1 + items.length) % items.length].focus();
    } else if (e.key === 'Tab') {
      setOpen(false);
    }
  };

  return (
    <div class="msg-actions">
      <button
        ref={btn}
        type="button"
        class="icon-btn msg-menu-btn"
        aria-label={t('messageActions')}
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
      >
        <Icon name="more" size={18} />
      </button>
      {open && (
        <div ref={menu} class="menu msg-menu" role="menu" aria-label={t('messageActions')} onKeyDown={onKey}>
          <button type="button" role="menuitem" onClick={run(onReply)}>
            <Icon name="reply" size={18} /> {t('reply')}
          </button>
          <button type="button" role="menuitem" onClick={run(onCopy)}>
            <Icon name="check" size={18} /> {t('copy')}
          </button>
          {mine && (
            <button type="button" role="menuitem" onClick={run(onEdit)}>
              <Icon name="edit" size={18} /> {t('edit')}
            </button>
          )}
          {mine && (
            <button type="button" role="menuitem" class="danger" onClick={run(onDelete)}>
              <Icon name="trash" size={18} /> {t('delete')}
            </button>
          )}
        </div>
      )}
    </div>
  );
}
