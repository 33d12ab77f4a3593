// A modal dialog: focus moves in and is kept inside, Esc or the close button closes it, and
// focus goes back to where it was.
import type { ComponentChildren } from 'preact';
import { useRef } from 'preact/hooks';
import { t } from '../i18n';
import { trapTab, useModalFocus } from '../util/focus';
import { Icon } from './Icon';

let seq = 0;

export function Dialog({
  title,
  onClose,
  children,
  wide = false,
  sheet = false,
  cls = '',
}: {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
  wide?: boolean;
  /** On a phone, a sheet at the bottom rather than the whole screen. */
  sheet?: boolean;
  /** More classes of the dialog box (its size, its layout). */
  cls?: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const idRef = useRef('dlg-' + ++seq);
  const closeRef = useRef(onClose);
  closeRef.current = onClose;
  useModalFocus(ref);

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      closeRef.current();
      return;
    }
    trapTab(e, ref.current!);
  };

  return (
    <div class={'overlay' + (sheet ? ' overlay-sheet' : '')} onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        ref={ref}
        class={'dialog' + (wide ? ' dialog-wide' : '') + (cls ? ' ' + cls : '')}
        role="dialog"
        aria-modal="true"
        aria-labelledby={idRef.current}
        tabIndex={-1}
        onKeyDown={onKeyDown}
      >
        <div class="dialog-head">
          <h2 id={idRef.current}>{title}</h2>
          <button type="button" class="icon-btn" onClick={onClose} aria-label={t('close')}>
            <Icon name="close" />
          </button>
        </div>
        <div class="dialog-body">{children}</div>
      </div>
    </div>
  );
}
