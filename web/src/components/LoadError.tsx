// What could not be loaded, said in place of the list (never an empty list or 読み込み中…
// that never ends), with a retry.
import { t } from '../i18n';

export function LoadError({ text, onRetry, tag }: { text: string; onRetry: () => void; tag?: string }) {
  return (
    <div class="load-error" role="alert" data-error={tag}>
      <p>{text}</p>
      <button type="button" class="btn btn-small" onClick={onRetry}>
        {t('retryLoad')}
      </button>
    </div>
  );
}
