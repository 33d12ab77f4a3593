import { t } from '../i18n';
import { useStore } from '../state/useStore';

export function Toast() {
  const toast = useStore((s) => s.toast);
  return (
    <div class="toast-region" role="status" aria-live="polite">
      {toast && (
        <div class={'toast toast-' + toast.kind}>
          {toast.text}
          {toast.retry && (
            <button type="button" class="btn btn-small toast-retry" onClick={toast.retry}>
              {t('retryLoad')}
            </button>
          )}
        </div>
      )}
    </div>
  );
}
