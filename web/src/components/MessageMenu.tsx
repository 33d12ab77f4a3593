// The "⋯" menu of a message: reply, react, copy, pin, and for one's own messages edit and
// delete. An item whose handler is absent is not offered.
import { t } from '../i18n';
import { Menu, type MenuItem } from './Menu';

export function MessageMenu({
  mine,
  onReply,
  onReact,
  onEdit,
  onDelete,
  onCopy,
  pinned,
  onPin,
}: {
  mine: boolean;
  /** Absent where the reader may not post (no reply item). */
  onReply?: () => void;
  onReact: () => void;
  /** Absent for what cannot be edited (a stamp). */
  onEdit?: () => void;
  onDelete: () => void;
  /** Absent when there is no text. */
  onCopy?: () => void;
  pinned: boolean;
  /** Absent where the reader may not pin (can.pin). */
  onPin?: () => void;
}) {
  const items: MenuItem[] = [];
  if (onReply) items.push({ label: t('reply'), icon: 'reply', run: onReply });
  items.push({ label: t('react'), icon: 'smile', run: onReact });
  if (onCopy) items.push({ label: t('copy'), icon: 'check', run: onCopy });
  if (onPin) items.push({ label: t(pinned ? 'unpin' : 'pin'), icon: 'pin', run: onPin });
  if (mine) {
    if (onEdit) items.push({ label: t('edit'), icon: 'edit', run: onEdit });
    items.push({ label: t('delete'), icon: 'trash', danger: true, run: onDelete });
  }
  return <Menu label={t('messageActions')} items={items} wrapClass="msg-actions" btnClass="msg-menu-btn" menuClass="msg-menu" />;
}
