import { t } from '../i18n';
import { store } from '../state/app';
import { useStore } from '../state/useStore';

/** Says so when the realtime connection is down; new messages resume by themselves. */
export function ConnectionBanner() {
  const conn = useStore((s) => s.conn);
  const everLive = useStore((s) => s.everLive);
  if (conn === 'live' || conn === 'idle' || conn === 'ended') {
    return <div class="conn-banner-slot" role="status" aria-live="polite" />;
  }
  if (!everLive && conn !== 'waiting') {
    return <div class="conn-banner-slot" role="status" aria-live="polite" />;
  }
  return (
    <div class="conn-banner-slot" role="status" aria-live="polite">
      <div class="conn-banner" data-conn={conn}>
        <span class="spinner" aria-hidden="true" />
        <span>{everLive ? t('connReconnecting') : t('connOffline')}</span>
        {conn === 'waiting' && (
          <button type="button" class="btn btn-small" onClick={() => store.wake()}>
            {t('connRetryNow')}
          </button>
        )}
      </div>
    </div>
  );
}
