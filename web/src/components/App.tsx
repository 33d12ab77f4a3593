import { useEffect, useReducer } from 'preact/hooks';
import { hasLang, loadLang, setLang, t } from '../i18n';
import { store } from '../state/app';
import { totalUnread } from '../state/rooms';
import { useStore } from '../state/useStore';
import { AnswerOnly, Login } from './lazy';
import { Shell } from './Shell';

export function App() {
  const phase = useStore((s) => s.phase);
  const lang = useStore((s) => s.settings.lang);
  const rooms = useStore((s) => s.rooms);
  const [, loaded] = useReducer((n: number) => n + 1, 0);
  if (!hasLang(lang)) loadLang(lang).then(loaded, () => {});
  setLang(lang);

  // The unread count in the page title, so it shows on the tab while working elsewhere.
  useEffect(() => {
    const n = phase === 'app' ? totalUnread(rooms) : 0;
    document.title = n > 0 ? `(${n > 999 ? '999+' : n}) ${t('appName')}` : t('appName');
  }, [rooms, phase, lang]);

  useEffect(() => {
    const onVis = () => {
      if (document.visibilityState === 'visible') {
        store.wake();
        store.onVisible();
      }
    };
    const onOnline = () => store.setOnline(true);
    const onOffline = () => store.setOnline(false);
    if (!navigator.onLine) onOffline();
    const onPop = () => store.fromLocation(location.pathname);
    document.addEventListener('visibilitychange', onVis);
    window.addEventListener('online', onOnline);
    window.addEventListener('offline', onOffline);
    window.addEventListener('focus', onVis);
    window.addEventListener('popstate', onPop);
    return () => {
      document.removeEventListener('visibilitychange', onVis);
      window.removeEventListener('online', onOnline);
      window.removeEventListener('offline', onOffline);
      window.removeEventListener('focus', onVis);
      window.removeEventListener('popstate', onPop);
    };
  }, []);

  if (phase === 'boot') {
    return (
      <div class="boot" role="status">
        <span class="brand-mark" aria-hidden="true">隣</span>
        <span>{t('loading')}</span>
      </div>
    );
  }
  // Keyed by language: switching re-renders every text.
  const k = lang + (hasLang(lang) ? '' : '-loading');
  return phase === 'login' ? <Login key={k} /> : phase === 'app' ? <Shell key={k} /> : <AnswerOnly key={k} />;
}
