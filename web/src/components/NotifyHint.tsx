// A one-time offer to turn on desktop notifications (the browser asks only after a click).
import { useState } from 'preact/hooks';
import { t } from '../i18n';
import { useStore } from '../state/useStore';
import { Icon } from './Icon';
import './notify.css';

const KEY = 'tonari.notifyHintDone';

function wanted(): boolean {
  try {
    return typeof Notification !== 'undefined' && Notification.permission === 'default' && !localStorage.getItem(KEY);
  } catch {
    return false;
  }
}

export function NotifyHint() {
  const notify = useStore((s) => s.settings.notify);
  const [show, setShow] = useState(wanted);
  if (!show || !notify) return null;
  const done = () => {
    try {
      localStorage.setItem(KEY, '1');
    } catch {
      /* ignore */
    }
    setShow(false);
  };
  return (
    <div class="notify-hint" role="region" aria-label={t('notifications')}>
      <p>{t('notifyDesc')}</p>
      <div class="notify-actions">
        <button
          type="button"
          class="btn btn-small btn-primary"
          onClick={() => {
            Notification.requestPermission().finally(done);
          }}
        >
          {t('notifyEnable')}
        </button>
        <button type="button" class="icon-btn" onClick={done} aria-label={t('close')}>
          <Icon name="close" size={18} />
        </button>
      </div>
    </div>
  );
}
