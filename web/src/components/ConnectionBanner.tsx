import { t } from '../i18n';
import { store } from '../state/app';
import { useStore } from '../state/useStore';

/**
 * Says so when the server cannot be reached: at once when the browser goes offline or a
 * request fails, and while the realtime connection is down. It lies over the top of the
 * panes (styles.css .conn-banner-slot), so nothing moves when it comes and goes.
 */
export function ConnectionBanner() {
  const conn = useStore((s) => s.conn);
  const everLive = useStore((s) => s.everLive);
  const net = useStore((s) => s.net);
  const offline = net === 'offline';
  const down = conn === 'waiting' || conn === 'connecting' || conn === 'syncing';
  const show = net !== 'online' || (down && (everLive || conn === 'waiting'));
  return (
    <div class="conn-banner-slot" role="status" aria-live="polite">
      {show && (
        <div class="conn-banner" data-conn={offline ? 'offline' : conn}>
          <span class="spinner" aria-hidden="true" />
          <span>{offline ? t('connOfflineNow') : everLive ? t('connReconnecting') : t('connOffline')}</span>
          {conn === 'waiting' && (
            <button type="button" class="btn btn-small" onClick={() => store.wake()}>
              {t('connRetryNow')}
            </button>
          )}
        </div>
      )}
    </div>
  );
}
