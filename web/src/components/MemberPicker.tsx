// Choose colleagues: search by name or reading (たなか finds 田中), or browse the org tree.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { User } from '../api/types';
import { t } from '../i18n';
import { store } from '../state/app';
import { DeptTree } from './DeptTree';
import { Icon } from './Icon';
import { LoadError } from './LoadError';
import { PersonRow } from './PersonRow';

export function MemberPicker({
  multi,
  exclude,
  selected,
  onToggle,
  onPick,
}: {
  multi: boolean;
  /** Users that cannot be chosen (me, current members), shown as already in. */
  exclude: Set<number>;
  selected?: Map<number, User>;
  onToggle?: (u: User) => void;
  onPick?: (u: User) => void;
}) {
  const [q, setQ] = useState('');
  const [results, setResults] = useState<User[] | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const ctrl = useRef<AbortController | null>(null);

  useEffect(() => {
    if (timer.current) clearTimeout(timer.current);
    const query = q.trim();
    if (!query) {
      ctrl.current?.abort();
      setResults(null);
      setFailed(null);
      return;
    }
    timer.current = setTimeout(() => {
      ctrl.current?.abort();
      const c = new AbortController();
      ctrl.current = c;
      store.api.users({ q: query, limit: 50 }, c.signal).then(
        (us) => {
          if (c.signal.aborted) return;
          setFailed(null);
          setResults(us);
        },
        (e) => {
          if (c.signal.aborted) return;
          // Never an empty list for a search that did not run: say so, with a retry.
          setResults(null);
          setFailed(store.hub.texts.error(e));
        },
      );
    }, 200);
  }, [q, attempt]);

  const renderUser = (u: User) => {
    const out = exclude.has(u.id);
    if (multi) {
      const checked = out || !!selected?.has(u.id);
      return (
        <label class={'person pick' + (out ? ' disabled' : '')}>
          <input type="checkbox" checked={checked} disabled={out} onChange={() => onToggle?.(u)} />
          <PersonRow u={u} extra={out ? t('alreadyMember') : undefined} />
        </label>
      );
    }
    return (
      <button type="button" class="person pick" disabled={out} onClick={() => onPick?.(u)}>
        <PersonRow u={u} />
      </button>
    );
  };

  return (
    <div class="picker">
      <div class="search-box">
        <Icon name="search" size={18} />
        <input
          type="search"
          aria-label={t('searchPeople')}
          placeholder={t('searchPlaceholder')}
          value={q}
          data-autofocus
          onInput={(e) => setQ(e.currentTarget.value)}
        />
      </div>
      <div class="picker-list">
        {failed !== null ? (
          <LoadError text={t('searchFailed', { msg: failed })} onRetry={() => setAttempt((n) => n + 1)} tag="search" />
        ) : results !== null ? (
          <section aria-label={t('searchResults')}>
            {results.length ? (
              <ul class="people" data-list="search">
                {results.map((u) => (
                  <li key={u.id}>{renderUser(u)}</li>
                ))}
              </ul>
            ) : (
              <p class="muted">{t('noPeople')}</p>
            )}
          </section>
        ) : (
          <section aria-label={t('orgTree')}>
            <h3 class="sub-title">{t('orgTree')}</h3>
            <DeptTree renderUser={renderUser} />
          </section>
        )}
      </div>
    </div>
  );
}
