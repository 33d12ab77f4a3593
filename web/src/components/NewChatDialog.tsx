// Start a 1:1 chat or create a group room.
import { useState } from 'preact/hooks';
import type { User } from '../api/types';
import { t } from '../i18n';
import { store } from '../state/app';
import { useStore } from '../state/useStore';
import { Dialog } from './Dialog';
import { Icon } from './Icon';
import { MemberPicker } from './MemberPicker';

export function NewChatDialog({ onClose }: { onClose: () => void }) {
  const me = useStore((s) => s.me)!;
  const [tab, setTab] = useState<'direct' | 'group'>('direct');
  const [name, setName] = useState('');
  const [selected, setSelected] = useState<Map<number, User>>(new Map());
  const [busy, setBusy] = useState(false);
  const exclude = new Set([me.id]);
  const blank = name.length > 0 && !name.trim();

  const toggle = (u: User) => {
    const next = new Map(selected);
    if (next.has(u.id)) next.delete(u.id);
    else next.set(u.id, u);
    setSelected(next);
  };

  const create = async (e: Event) => {
    e.preventDefault();
    if (!name.trim() || busy) return;
    setBusy(true);
    const ok = await store.createGroup(name.trim(), [...selected.keys()]);
    setBusy(false);
    if (ok) onClose();
  };

  const tabKey = (e: KeyboardEvent) => {
    if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      e.preventDefault();
      const next = tab === 'direct' ? 'group' : 'direct';
      setTab(next);
      document.getElementById('tab-' + next)?.focus();
    }
  };

  return (
    <Dialog title={t('newChatTitle')} onClose={onClose} wide>
      <div class="tabs" role="tablist" aria-label={t('newChatTitle')} onKeyDown={tabKey}>
        {(['direct', 'group'] as const).map((k) => (
          <button
            key={k}
            id={'tab-' + k}
            type="button"
            role="tab"
            aria-selected={tab === k}
            aria-controls={'panel-' + k}
            tabIndex={tab === k ? 0 : -1}
            onClick={() => setTab(k)}
          >
            {k === 'direct' ? t('tabDirect') : t('tabGroup')}
          </button>
        ))}
      </div>
      {tab === 'direct' ? (
        <div id="panel-direct" role="tabpanel" aria-labelledby="tab-direct">
          <p class="muted">{t('chooseOne')}</p>
          <MemberPicker
            multi={false}
            exclude={exclude}
            onPick={(u) => {
              onClose();
              void store.startDirect(u.id);
            }}
          />
        </div>
      ) : (
        <form id="panel-group" role="tabpanel" aria-labelledby="tab-group" onSubmit={create}>
          <label class="field">
            <span>{t('groupName')}</span>
            <input
              required
              maxLength={100}
              value={name}
              placeholder={t('groupNamePlaceholder')}
              aria-invalid={blank}
              aria-describedby={blank ? 'group-name-error' : undefined}
              onInput={(e) => setName(e.currentTarget.value)}
            />
          </label>
          {blank && (
            <p id="group-name-error" class="form-error" role="alert">
              {t('groupNameBlank')}
            </p>
          )}
          <p class="muted">{t('chooseMembers')}</p>
          {selected.size > 0 && (
            <div class="chips" aria-label={t('selected', { n: selected.size })}>
              {[...selected.values()].map((u) => (
                <button key={u.id} type="button" class="chip" onClick={() => toggle(u)} aria-label={`${u.name} ×`}>
                  {u.name} <Icon name="close" size={14} />
                </button>
              ))}
            </div>
          )}
          <MemberPicker multi exclude={exclude} selected={selected} onToggle={toggle} />
          <div class="dialog-actions">
            <span class="muted">{t('selected', { n: selected.size })}</span>
            <button type="submit" class="btn btn-primary" disabled={!name.trim() || busy}>
              {t('create')}
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
