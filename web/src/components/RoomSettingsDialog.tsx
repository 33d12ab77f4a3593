// A group room's settings: name and description (can.edit_info), rules (can.edit_rules),
// official and the org-tree sync (can.edit_official, tenant admins). Only what changed is sent.
import { useEffect, useState } from 'preact/hooks';
import type { Department, OrgSync, RoomPatch, RoomRules, RoomSummary } from '../api/types';
import { t } from '../i18n';
import { store } from '../state/app';
import { focusOnce } from '../util/memo';
import { departments } from './DeptTree';
import { Dialog } from './Dialog';

const MAX_DESCRIPTION = 1000;

/** The fields of `next` that differ from `cur`. */
function changedRules(cur: RoomRules, next: RoomRules): Partial<RoomRules> | null {
  const out: Partial<RoomRules> = {};
  for (const k of Object.keys(next) as (keyof RoomRules)[]) {
    if (JSON.stringify(cur[k]) !== JSON.stringify(next[k])) (out as Record<string, unknown>)[k] = next[k];
  }
  return Object.keys(out).length ? out : null;
}

export function RoomSettingsDialog({ s, onClose }: { s: RoomSummary; onClose: () => void }) {
  const can = s.can;
  const [name, setName] = useState(s.name);
  const [description, setDescription] = useState(s.description);
  const [rules, setRules] = useState<RoomRules>(s.rules);
  const [depts, setDepts] = useState<Department[] | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const sync = rules.sync;

  useEffect(() => {
    if (can.edit_official) departments().then(setDepts, () => setDepts([]));
  }, []);

  const set = (patch: Partial<RoomRules>) => setRules({ ...rules, ...patch });
  const setSync = (next: OrgSync | null) => set({ sync: next });
  const check = (key: 'announcement' | 'members_invite' | 'members_edit' | 'official', label: string) => (
    <label class="radio">
      <input type="checkbox" checked={rules[key]} onChange={(e) => set({ [key]: e.currentTarget.checked })} />
      {label}
    </label>
  );

  const save = async (e: Event) => {
    e.preventDefault();
    const patch: RoomPatch = {};
    if (can.edit_info) {
      if (!name.trim()) return setError(t('nameRequired'));
      if (description.length > MAX_DESCRIPTION) return setError(t('descriptionTooLong', { n: MAX_DESCRIPTION }));
      if (name.trim() !== s.name) patch.name = name.trim();
      if (description.trim() !== s.description) patch.description = description.trim();
    }
    const r = changedRules(s.rules, rules.official ? rules : { ...rules, sync: null });
    if (r) patch.rules = r;
    if (!Object.keys(patch).length) return onClose();
    setError('');
    setBusy(true);
    const ok = await store.updateRoom(s.id, patch);
    setBusy(false);
    if (ok) onClose();
  };

  return (
    <Dialog title={t('roomSettings')} onClose={onClose}>
      <form onSubmit={save} noValidate>
        {can.edit_info && (
          <>
            <label class="field">
              <span>{t('roomName')}</span>
              <input value={name} maxLength={100} required ref={focusOnce} onInput={(e) => setName(e.currentTarget.value)} />
            </label>
            <label class="field">
              <span>{t('description')}</span>
              <textarea rows={4} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
            </label>
          </>
        )}
        {can.edit_rules && (
          <fieldset class="fieldset">
            <legend>{t('rulesTitle')}</legend>
            {check('announcement', t('ruleAnnouncementLabel'))}
            {check('members_invite', t('ruleInviteLabel'))}
            {check('members_edit', t('ruleEditLabel'))}
          </fieldset>
        )}
        {can.edit_official && (
          <fieldset class="fieldset">
            <legend>{t('officialTitle')}</legend>
            {check('official', t('ruleOfficialLabel'))}
            <fieldset class="fieldset" disabled={!rules.official}>
              <legend>{t('syncLabel')}</legend>
              <label class="radio">
                <input type="radio" name="sync" checked={!sync} onChange={() => setSync(null)} />
                {t('syncNone')}
              </label>
              <label class="radio">
                <input type="radio" name="sync" checked={sync?.kind === 'tenant'} onChange={() => setSync({ kind: 'tenant' })} />
                {t('syncTenant')}
              </label>
              <label class="radio">
                <input
                  type="radio"
                  name="sync"
                  checked={sync?.kind === 'department'}
                  disabled={!depts?.length}
                  onChange={() => depts?.length && setSync({ kind: 'department', dept: depts[0].id, subtree: true })}
                />
                {t('syncDept')}
              </label>
              {sync?.kind === 'department' && (
                <>
                  <label class="field">
                    <span>{t('syncDeptPick')}</span>
                    <select
                      value={sync.dept}
                      onChange={(e) => setSync({ ...sync, dept: Number(e.currentTarget.value) })}
                    >
                      {(depts ?? []).map((d) => (
                        <option key={d.id} value={d.id}>
                          {d.path.split('/').join(' › ')}
                        </option>
                      ))}
                    </select>
                  </label>
                  <label class="radio">
                    <input
                      type="checkbox"
                      checked={sync.subtree}
                      onChange={(e) => setSync({ ...sync, subtree: e.currentTarget.checked })}
                    />
                    {t('syncSubtree')}
                  </label>
                </>
              )}
              <p class="muted radio-note">{t('syncNote')}</p>
            </fieldset>
          </fieldset>
        )}
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
        <div class="dialog-actions">
          <button type="button" class="btn" onClick={onClose}>
            {t('cancel')}
          </button>
          <button type="submit" class="btn btn-primary" disabled={busy}>
            {t('save')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
