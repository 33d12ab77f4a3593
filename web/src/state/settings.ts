// User preferences kept in this browser.
import type { Lang } from '../i18n';
import type { SendKey } from '../util/composer';

export interface Settings {
  lang: Lang;
  sendKey: SendKey;
  notify: boolean;
}

const KEY = 'tonari.settings';

export function defaultSettings(): Settings {
  return { lang: 'ja', sendKey: 'enter', notify: true };
}

export function loadSettings(storage: Storage | null): Settings {
  const d = defaultSettings();
  try {
    const raw = storage?.getItem(KEY);
    if (!raw) return d;
    const v = JSON.parse(raw) as Partial<Settings>;
    return {
      lang: v.lang === 'en' ? 'en' : 'ja',
      sendKey: v.sendKey === 'ctrl-enter' ? 'ctrl-enter' : 'enter',
      notify: v.notify !== false,
    };
  } catch {
    return d;
  }
}

export function saveSettings(storage: Storage | null, s: Settings): void {
  try {
    storage?.setItem(KEY, JSON.stringify(s));
  } catch {
    /* private mode, quota: settings stay for this session */
  }
}
