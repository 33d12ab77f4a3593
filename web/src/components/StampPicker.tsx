// The composer's stamp picker: a panel above the composer (on a phone, a sheet at the bottom
// of the screen). Choosing a stamp sends it at once (with the reply being written, if any).
// Esc, the close button or a click outside closes it; focus goes back to the stamp button.
import { useEffect, useRef } from 'preact/hooks';
import { t } from '../i18n';
import { noteStampUsed } from '../stamps/recent';
import { Icon } from './Icon';
import { StampGrid } from './StampGrid';

export function StampPicker({ onPick, onClose }: { onPick: (id: string) => void; onClose: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  const close = useRef(onClose);
  close.current = onClose;

  useEffect(() => {
    const onDown = (e: MouseEvent) => {
      const target = e.target as Element;
      if (!ref.current?.contains(target) && !target.closest?.('.stamp-btn')) close.current();
    };
    document.addEventListener('mousedown', onDown);
    return () => document.removeEventListener('mousedown', onDown);
  }, []);

  return (
    <div
      ref={ref}
      class="stamp-picker"
      role="dialog"
      aria-labelledby="stamp-picker-title"
      aria-describedby="stamp-picker-hint"
      onKeyDown={(e) => {
        if (e.key !== 'Escape') return;
        e.preventDefault();
        e.stopPropagation();
        onClose();
      }}
    >
      <div class="stamp-picker-head">
        <h2 id="stamp-picker-title" class="stamp-title">
          {t('stampPreview')}
        </h2>
        <span id="stamp-picker-hint" class="stamp-hint">
          {t('stampPickerHint')}
        </span>
        <button type="button" class="icon-btn" onClick={onClose} aria-label={t('close')}>
          <Icon name="close" size={18} />
        </button>
      </div>
      <StampGrid
        autoFocus
        onPick={(id) => {
          noteStampUsed(id);
          onPick(id);
        }}
      />
    </div>
  );
}
