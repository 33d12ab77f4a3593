import { useState } from 'preact/hooks';
import { t, type Lang } from '../i18n';
import { store } from '../state/app';
import { useStore } from '../state/useStore';
import { Dialog } from './Dialog';

function permission(): NotificationPermission | 'unsupported' {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

export function SettingsDialog({ onClose }: { onClose: () => void }) {
  const settings = useStore((s) => s.settings);
  const [perm, setPerm] = useState(permission);
  return (
    <Dialog title={t('settingsTitle')} onClose={onClose}>
      <fieldset class="fieldset">
        <legend>{t('sendKey')}</legend>
        <label class="radio">
          <input
            type="radio"
            name="sendkey"
            checked={settings.sendKey === 'enter'}
            onChange={() => store.updateSettings({ sendKey: 'enter' })}
          />
          {t('sendKeyEnter')}
        </label>
        <label class="radio">
          <input
            type="radio"
            name="sendkey"
            checked={settings.sendKey === 'ctrl-enter'}
            onChange={() => store.updateSettings({ sendKey: 'ctrl-enter' })}
          />
          {t('sendKeyCtrl')}
        </label>
      </fieldset>
      <fieldset class="fieldset">
        <legend>{t('notifications')}</legend>
        <p class="muted">{t('notifyDesc')}</p>
        <label class="radio">
          <input type="checkbox" checked={settings.notify} onChange={(e) => store.updateSettings({ notify: e.currentTarget.checked })} />
          {t('notifyOn')}
        </label>
        {perm === 'default' && (
          <button
            type="button"
            class="btn btn-small"
            onClick={() => Notification.requestPermission().then((p) => setPerm(p), () => setPerm(permission()))}
          >
            {t('notifyEnable')}
          </button>
        )}
        {perm === 'granted' && <p class="muted">{t('notifyGranted')}</p>}
        {perm === 'denied' && <p class="muted">{t('notifyDenied')}</p>}
        {perm === 'unsupported' && <p class="muted">{t('notifyUnsupported')}</p>}
      </fieldset>
      <label class="field">
        <span>{t('language')}</span>
        <select value={settings.lang} onChange={(e) => store.updateSettings({ lang: e.currentTarget.value as Lang })}>
          <option value="ja">日本語</option>
          <option value="en">English</option>
        </select>
      </label>
    </Dialog>
  );
}
