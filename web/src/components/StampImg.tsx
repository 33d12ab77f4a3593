// A stamp's picture; its text alternative is the stamp's Japanese words.
import { t } from '../i18n';
import { findStamp, stampUrl } from '../stamps/catalog';

export function StampImg({ id, size = 120, label = true }: { id: string; size?: number; label?: boolean }) {
  const s = findStamp(id);
  return (
    <img
      class="stamp-img"
      src={stampUrl(id)}
      alt={label ? (s?.ja ?? t('stampPreview')) : ''}
      title={label && size > 40 ? s?.ja : undefined}
      width={size}
      height={size}
      draggable={false}
      decoding="async"
    />
  );
}
