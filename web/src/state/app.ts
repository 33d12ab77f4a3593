// The one Store of the running page, wired to the browser (location, history, visibility,
// notifications, localStorage).
import { ApiError } from '../api/client';
import { t } from '../i18n';
import { Store, type Env } from './store';

function safeStorage(): Storage | null {
  try {
    const s = window.localStorage;
    s.getItem('x');
    return s;
  } catch {
    return null;
  }
}

function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 0) return t('errNetwork');
    if (e.code === 'permission_denied') return t('errPermission');
    if (e.code === 'not_found') return t('errNotFound');
    if (e.code === 'invalid_argument') return t('errInvalid', { msg: e.message });
    return t('errGeneric', { msg: e.message });
  }
  return t('errGeneric', { msg: String((e as Error)?.message ?? e) });
}

const browser = typeof window !== 'undefined';

const env: Env = {
  visible: () => !browser || document.visibilityState === 'visible',
  storage: browser ? safeStorage() : null,
  history: browser
    ? {
        depth: () => (history.state && typeof history.state.d === 'number' ? history.state.d : 0),
        push(path) {
          if (location.pathname === path) return;
          history.pushState({ d: this.depth() + 1 }, '', path);
        },
        replace(path) {
          history.replaceState({ d: this.depth() }, '', path);
        },
        back: () => history.back(),
      }
    : null,
  wsUrl: () => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/ws`,
  notify(title, body, tag, onClick) {
    if (!('Notification' in window) || Notification.permission !== 'granted') return;
    try {
      const n = new Notification(title, { body, tag, icon: '/icon-192.png' });
      n.onclick = () => {
        window.focus();
        onClick();
        n.close();
      };
    } catch {
      /* some platforms only allow notifications from a service worker */
    }
  },
};

export const store = new Store({
  env,
  texts: {
    get sessionEnded() {
      return t('sessionEnded');
    },
    get removedFromRoom() {
      return t('removedFromRoom');
    },
    get sendFailed() {
      return t('sendFailedShort');
    },
    error: errorText,
    notifyTitle: (room, sender, direct) => (direct ? t('notifyDirect', { sender }) : t('notifyMention', { room, sender })),
  },
});
