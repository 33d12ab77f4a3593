import { useState } from 'preact/hooks';
import type { User } from '../api/types';
import { t } from '../i18n';
import { store } from '../state/app';
import { Dialog } from './Dialog';
import { MemberPicker } from './MemberPicker';

export function AddMembersDialog({ room, current, onClose }: { room: number; current: Set<number>; onClose: () => void }) {
  const [selected, setSelected] = useState<Map<number, User>>(new Map());
  const [busy, setBusy] = useState(false);
  const toggle = (u: User) => {
    const next = new Map(selected);
    if (next.has(u.id)) next.delete(u.id);
    else next.set(u.id, u);
    setSelected(next);
  };
  return (
    <Dialog title={t('addMembers')} onClose={onClose} wide>
      <MemberPicker multi exclude={current} selected={selected} onToggle={toggle} />
      <div class="dialog-actions">
        <span class="muted">{t('selected', { n: selected.size })}</span>
        <button
          type="button"
          class="btn btn-primary"
          disabled={!selected.size || busy}
          onClick={async () => {
            setBusy(true);
            const ok = await store.addMembers(room, [...selected.keys()]);
            setBusy(false);
            if (ok) onClose();
          }}
        >
          {t('add')}
        </button>
      </div>
    </Dialog>
  );
}
