import { t } from '../i18n';

export function UnreadDivider() {
  return (
    <li class="unread-divider" id="unread-divider">
      <span>{t('unreadFromHere')}</span>
    </li>
  );
}
