// The one Store of the running page, wired to the browser (location, history, visibility,
// notifications, localStorage).
import { ApiError } from '../api/client';
import { t, type Key } from '../i18n';
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

// The server's message is English; where its code says enough, the user reads their language.
// invalid_argument keeps the server's message (it says which input was wrong).
const byCode: Record<string, Key> = {
  permission_denied: 'errPermission',
  not_found: 'errNotFound',
  conflict: 'errConflict',
  rate_limited: 'errRateLimited',
  unavailable: 'errBusy',
};

// A conflict's reason says precisely what stood in the way (an action stamp's answer; the
// texts come with the action card, which is on screen when it is answered).
const byReason: Record<string, Key> = {
  closed: 'actErrClosed',
  deadline: 'actErrPastDeadline',
  answered: 'actErrAnswered',
};

function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 0) return t('errNetwork');
    const reason = e.code === 'conflict' && byReason[String(e.detail.reason)];
    if (reason) return t(reason);
    if (byCode[e.code]) return t(byCode[e.code]);
    if (e.code === 'invalid_argument') return t('errInvalid', { msg: e.message });
    if (e.status === 429) return t('errRateLimited');
    if (e.status === 503) return t('errBusy');
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
    // room-5 → /rooms/5, safety-3 → /safety/3.
    const options = { body, tag, icon: '/icon-192.png', data: { url: '/' + tag.replace(/^room/, 'rooms').replace('-', '/') } };
    try {
      const n = new Notification(title, options);
      n.onclick = () => {
        window.focus();
        onClick();
        n.close();
      };
    } catch {
      // Android Chrome allows them only from a service worker (sw.ts opens the room on a click).
      navigator.serviceWorker?.ready.then((r) => r.showNotification(title, options)).catch(() => {});
    }
  },
};

export const store = new Store({
  env,
  texts: {
    get sessionEnded() {
      return t('sessionEnded');
    },
    get offline() {
      return t('connOfflineNow');
    },
    get removedFromRoom() {
      return t('removedFromRoom');
    },
    get sendFailed() {
      return t('sendFailedShort');
    },
    get stamp() {
      return t('stampPreview');
    },
    error: errorText,
    safety: (by) => (by ? t('safetyBy', { name: by }) : t('safety')),
    get zoneForbidden() {
      return t('loginZoneForbidden');
    },
    notifyTitle: (room, sender, direct) => (direct ? t('notifyDirect', { sender }) : t('notifyMention', { room, sender })),
  },
});
