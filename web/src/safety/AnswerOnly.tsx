// 安否確認への回答: all that a restricted account (利用制限) gets through the Internet zone
// while a check lets it answer from there (docs/api.md 安否確認, "Internet zone"). The
// start-up met zone_forbidden (state/store.ts startApp), so there is no WebSocket: the open
// checks are asked for every 30 s and shown as the usual banners, with the answer sheet and
// the offline queue (answers.ts); and a logout.
import { useEffect, useState } from 'preact/hooks';
import type { Safety } from '../api/types';
import { Icon } from '../components/Icon';
import { LoadError } from '../components/LoadError';
import { Toast } from '../components/Toast';
import { t } from '../i18n';
import { store } from '../state/app';
import { useStore } from '../state/useStore';
import { answers } from './answers';
import { pollResult } from './poll';
import { SafetyBanner } from './SafetyBanner';
import './safety.css';

export const POLL_MS = 30000;

export function AnswerOnly() {
  const me = useStore((s) => s.me);
  const checks = useStore((s) => s.safety);
  const [loaded, setLoaded] = useState(false);
  const [failed, setFailed] = useState<string | null>(null);
  const [poll, setPoll] = useState<() => void>(() => () => {});

  useEffect(() => {
    let first = true;
    let live = true;
    const run = () =>
      store.api.request<{ safety: Safety[] }>('GET', '/api/safety').then(
        (r) => {
          if (!live) return;
          store.set({ safety: pollResult(store.state.safety, r.safety, (s) => first || store.safety.notify(s)) });
          first = false;
          setLoaded(true);
          setFailed(null);
          // The line is there: an answer waiting in the queue goes now.
          void answers().flush();
        },
        (e) => live && setFailed(store.hub.texts.error(e)),
      );
    setPoll(() => run);
    void run();
    const timer = setInterval(run, POLL_MS);
    window.addEventListener('online', run);
    return () => {
      live = false;
      clearInterval(timer);
      window.removeEventListener('online', run);
    };
  }, []);

  return (
    <div class="sf-only">
      <header class="sf-only-head">
        <span class="brand-mark" aria-hidden="true">
          隣
        </span>
        <h1>{t('sfOnlyTitle')}</h1>
        <button type="button" class="btn" onClick={() => void store.logout()}>
          <Icon name="logout" size={18} /> {t('logout')}
        </button>
      </header>
      <main class="sf-only-body">
        <p class="sf-only-note">{t('sfOnlyNote')}</p>
        {me && <p class="muted">{t('sfOnlyAs', { name: me.name })}</p>}
        {failed !== null && <LoadError text={failed} onRetry={poll} />}
        {checks.length ? (
          <SafetyBanner />
        ) : loaded ? (
          <p class="sf-only-none" role="status">
            {t('sfOnlyNone')}
          </p>
        ) : (
          failed === null && <p class="muted">{t('loading')}</p>
        )}
      </main>
      <Toast />
    </div>
  );
}
