// The org tree (部 → 課 → 係): expand a department to see its sub-departments and staff.
import type { ComponentChild } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Department, User } from '../api/types';
import { t } from '../i18n';
import { store } from '../state/app';
import { Icon } from './Icon';
import { LoadError } from './LoadError';

let deptCache: Promise<Department[]> | null = null;
export function departments(): Promise<Department[]> {
  if (!deptCache) deptCache = store.api.departments().catch((e) => ((deptCache = null), Promise.reject(e)));
  return deptCache;
}

function DeptNode({
  d,
  all,
  renderUser,
}: {
  d: Department;
  all: Department[];
  renderUser: (u: User) => ComponentChild;
}) {
  const [open, setOpen] = useState(false);
  const [users, setUsers] = useState<User[] | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const children = all.filter((x) => x.parent === d.id);
  const load = () => {
    setFailed(null);
    store.api.users({ department: d.id, limit: 200 }).then(
      (us) => setUsers(us.filter((u) => u.department?.id === d.id)),
      (e) => setFailed(store.hub.texts.error(e)),
    );
  };
  const toggle = () => {
    const next = !open;
    setOpen(next);
    if (next && users === null) load();
  };
  return (
    <li class="dept">
      <button type="button" class="dept-btn" aria-expanded={open} onClick={toggle}>
        <Icon name={open ? 'down' : 'right'} size={16} />
        <span>{d.name}</span>
      </button>
      {open && (
        <ul class="dept-children">
          {children.map((c) => (
            <DeptNode key={c.id} d={c} all={all} renderUser={renderUser} />
          ))}
          {failed !== null ? (
            <li>
              <LoadError text={t('searchFailed', { msg: failed })} onRetry={load} />
            </li>
          ) : users === null ? (
            <li class="muted pad-s">{t('loading')}</li>
          ) : (
            users.map((u) => <li key={u.id}>{renderUser(u)}</li>)
          )}
        </ul>
      )}
    </li>
  );
}

export function DeptTree({ renderUser }: { renderUser: (u: User) => ComponentChild }) {
  const [all, setAll] = useState<Department[] | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const load = () => {
    setFailed(null);
    departments().then(setAll, (e) => setFailed(store.hub.texts.error(e)));
  };
  useEffect(load, []);
  if (failed !== null) return <LoadError text={t('searchFailed', { msg: failed })} onRetry={load} />;
  if (!all) return <p class="muted">{t('loading')}</p>;
  return (
    <ul class="dept-tree">
      {all
        .filter((d) => d.parent === null)
        .map((d) => (
          <DeptNode key={d.id} d={d} all={all} renderUser={renderUser} />
        ))}
    </ul>
  );
}
