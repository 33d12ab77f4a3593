// The "⋯" menu of a message: reply, copy, and for one's own messages edit and delete.
import { t } from '../i18n';
import { Menu, type MenuItem } from './Menu';

export function MessageMenu({
  mine,
  onReply,
  onEdit,
  onDelete,
  onCopy,
}: {
  mine: boolean;
  /** Absent where the reader may not post (no reply item). */
  onReply?: () => void;
  onEdit: () => void;
  onDelete: () => void;
  onCopy: () => void;
}) {
  const items: MenuItem[] = [];
  if (onReply) items.push({ label: t('reply'), icon: 'reply', run: onReply });
  items.push({ label: t('copy'), icon: 'check', run: onCopy });
  if (mine) items.push({ label: t('edit'), icon: 'edit', run: onEdit }, { label: t('delete'), icon: 'trash', danger: true, run: onDelete });
  return <Menu label={t('messageActions')} items={items} wrapClass="msg-actions" btnClass="msg-menu-btn" menuClass="msg-menu" />;
}
