// 日程調整 in the timeline: a row per candidate with its ○△× counts (the best ones marked:
// most ○, then fewest ×) and my ○△× for it; the answer goes when every candidate has one.
import { useEffect, useState } from 'preact/hooks';
import type { Message } from '../api/types';
import { t, type Key } from '../i18n';
import { store } from '../state/app';
import { answer, withdraw } from '../state/collabActions';
import { bestCandidates, countOf, myValue, schedulePicks, type Phase } from '../util/actions';

export const VALUES: { mark: Key; name: Key }[] = [
  { mark: 'actOk', name: 'actOkName' },
  { mark: 'actMaybe', name: 'actMaybeName' },
  { mark: 'actNg', name: 'actNgName' },
];

export function ActionSchedule({
  m,
  phase,
  busy,
  run,
}: {
  m: Message;
  phase: Phase;
  busy: boolean;
  run: (f: () => Promise<unknown>) => void;
}) {
  const a = m.action!;
  const n = a.options.length;
  const mineKey = JSON.stringify(a.mine ?? []);
  const fromMine = () => a.options.map((_, i) => myValue(a, i));
  const [values, setValues] = useState(fromMine);
  // My answer changed elsewhere (another tab, a reload): the choices follow it.
  useEffect(() => setValues(fromMine()), [mineKey, n]);
  const answered = !!a.mine?.length;
  const open = phase === 'open' && (!answered || a.changeable);
  const best = new Set(bestCandidates(a.counts, n));
  const picks = schedulePicks(values, n);
  const changed = JSON.stringify(picks ?? []) !== mineKey;
  const set = (i: number, v: number) => setValues((cur) => cur.map((x, j) => (j === i ? v : x)));

  return (
    <>
      <ul class="sched">
        {a.options.map((label, i) => (
          <li key={i} class={'sched-row' + (best.has(i) ? ' best' : '')}>
            <span class="sched-label">
              {label}
              {best.has(i) && <span class="tag tag-best">{t('actBest')}</span>}
            </span>
            {a.counts && (
              <span class="sched-counts">
                {VALUES.map((v, k) => (
                  <span key={k} class={'sched-count v' + k} title={t(v.name)}>
                    <span aria-hidden="true">{t(v.mark)}</span>
                    <span class="sr-only">{t(v.name)}</span>
                    {countOf(a, i, k)}
                  </span>
                ))}
              </span>
            )}
            <span class="sched-pick" role="radiogroup" aria-label={t('actMine') + ' ' + label}>
              {VALUES.map((v, k) => (
                <label key={k} class={'sched-val v' + k + (values[i] === k ? ' on' : '')}>
                  <input
                    type="radio"
                    class="sr-only"
                    name={`sched-${m.room}-${m.seq}-${i}`}
                    checked={values[i] === k}
                    disabled={!open || busy}
                    onChange={() => set(i, k)}
                  />
                  <span aria-hidden="true">{t(v.mark)}</span>
                  <span class="sr-only">{t(v.name)}</span>
                </label>
              ))}
            </span>
          </li>
        ))}
      </ul>
      {open && (
        <div class="sched-actions">
          <button
            type="button"
            class="btn btn-primary btn-small"
            disabled={busy || !picks || !changed}
            onClick={() => picks && run(() => answer(store.collab, m.room, m.seq, picks))}
          >
            {t(answered ? 'actChange' : 'actSubmit')}
          </button>
          {answered && (
            <button type="button" class="btn btn-small" disabled={busy} onClick={() => run(() => withdraw(store.collab, m.room, m.seq))}>
              {t('actWithdraw')}
            </button>
          )}
          {!picks && <span class="action-hint">{t('actFillAll')}</span>}
        </div>
      )}
      {phase === 'open' && answered && !a.changeable && <p class="action-hint">{t('actFixed')}</p>}
    </>
  );
}
