// The results of an action stamp: per option (日程調整: per candidate and ○△×) the count,
// and where the reader may see names, who answered it, page by page in the server's 五十音
// order; who has not answered; the export. Anonymous questions: counts only, and the
// asker's export has counts only. The tally follows the timeline's copy (live).
import { useEffect, useState } from 'preact/hooks';
import { actionAnswers, actionExportUrl, actionPending } from '../api/collab';
import type { User } from '../api/types';
import { fetchAndSave } from '../api/download';
import { t } from '../i18n';
import { store } from '../state/app';
import { findBySeq } from '../state/timeline';
import { useStore } from '../state/useStore';
import { countOf, mayExport, maySeeNames, optionLabels, valuesPer } from '../util/actions';
import { VALUES } from './ActionSchedule';
import { Dialog } from './Dialog';
import { Icon } from './Icon';
import { PersonRow } from './PersonRow';

const PAGE = 50;

type Page = { users: User[]; next: string | null };
type Load = (after: string | null) => Promise<Page>;

/** One list of people behind a disclosure: loaded when opened, again when its count moves. */
function People({ label, count, share, load }: { label: string; count: number; share?: number; load: Load }) {
  const [open, setOpen] = useState(false);
  const [page, setPage] = useState<Page | null>(null);
  const [busy, setBusy] = useState(false);
  const get = (after: string | null, keep: User[]) => {
    setBusy(true);
    load(after).then(
      (p) => {
        setBusy(false);
        setPage({ users: [...keep, ...p.users], next: p.next });
      },
      (e) => {
        setBusy(false);
        store.hub.fail(e);
      },
    );
  };
  useEffect(() => {
    if (open) get(null, []);
  }, [open, count]);
  return (
    <details class="res-list" onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}>
      <summary>
        {share !== undefined && <span class="action-bar" style={{ width: share * 100 + '%' }} aria-hidden="true" />}
        <span class="res-label">{label}</span>
        <span class="res-count">{t('actCount', { n: count })}</span>
      </summary>
      {!page ? (
        <p class="muted">{t('loading')}</p>
      ) : page.users.length ? (
        <ul class="people">
          {page.users.map((u) => (
            <li key={u.id} class="person">
              <PersonRow u={u} />
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">{t('actNoOne')}</p>
      )}
      {page?.next && (
        <button type="button" class="btn btn-small btn-block" disabled={busy} onClick={() => get(page.next, page.users)}>
          {t('actShowMore')}
        </button>
      )}
    </details>
  );
}

const FORMATS = [
  { format: 'csv', label: 'actCsv', ext: 'csv' },
  { format: 'csv_sjis', label: 'actCsvSjis', ext: 'csv' },
  { format: 'xlsx', label: 'actXlsx', ext: 'xlsx' },
] as const;

export function ActionResults({ room, seq, onClose }: { room: number; seq: number; onClose: () => void }) {
  const m = useStore((s) => {
    const tl = s.timelines[room];
    return tl && findBySeq(tl.messages, seq);
  });
  const me = useStore((s) => s.me)!;
  const [exporting, setExporting] = useState(false);
  const a = m?.action;
  // The question went away (deleted): nothing left to show.
  useEffect(() => {
    if (!a || m.deleted) onClose();
  }, [!a || m?.deleted]);
  if (!a || !m) return null;

  const names = maySeeNames(a, m.sender, me.id);
  const labels = optionLabels(a, t);
  const per = valuesPer(a.kind);
  const total = Math.max(1, a.answered);
  const rows: { option: number; value: number; label: string }[] = [];
  labels.forEach((label, option) => {
    for (let value = 0; value < per; value++) {
      rows.push({ option, value, label: per > 1 ? t('actCell', { label, value: t(VALUES[value].mark) }) : label });
    }
  });
  const answers = (option: number, value: number): Load => (after) =>
    actionAnswers(store.api, room, seq, option, value, { after, limit: PAGE });
  const pending: Load = (after) => actionPending(store.api, room, seq, { after, limit: PAGE });

  const save = (f: (typeof FORMATS)[number]) => {
    if (exporting) return;
    setExporting(true);
    fetchAndSave(actionExportUrl(room, seq, f.format), `${a.title}.${f.ext}`)
      .catch((e) => store.hub.fail(e))
      .finally(() => setExporting(false));
  };

  return (
    <Dialog title={t('actResultsTitle')} onClose={onClose} wide>
      <p class="res-title">{a.title}</p>
      <p class="muted res-summary">
        {a.kind === 'task'
          ? t('actDoneOf', { n: a.answered, total: a.answered + a.pending })
          : t('actAnswered', { n: a.answered }) + ' · ' + t('actPending', { n: a.pending })}
        {a.anonymous && <span class="tag tag-anon">{t('actBadgeAnonymous')}</span>}
      </p>
      {!names && <p class="res-note">{t(a.anonymous ? 'actHiddenAnonymous' : 'actHiddenAsker')}</p>}
      {a.counts && (
        <div class="res-lists">
          {rows.map((r) => {
            const n = countOf(a, r.option, r.value);
            return names ? (
              <People key={r.option * 3 + r.value} label={r.label} count={n} share={n / total} load={answers(r.option, r.value)} />
            ) : (
              <div key={r.option * 3 + r.value} class="res-list res-static">
                <span class="action-bar" style={{ width: (n / total) * 100 + '%' }} aria-hidden="true" />
                <span class="res-label">{r.label}</span>
                <span class="res-count">{t('actCount', { n })}</span>
              </div>
            );
          })}
          {names && <People label={t('actPendingList', { n: a.pending })} count={a.pending} load={pending} />}
        </div>
      )}
      {mayExport(a, m.sender, me.id) && (
        <section class="res-export" aria-labelledby={'res-export-' + seq}>
          <h3 id={'res-export-' + seq}>{t('actExport')}</h3>
          {a.anonymous && <p class="muted">{t('actExportCounts')}</p>}
          <div class="res-export-btns">
            {FORMATS.map((f) => (
              <button
                key={f.format}
                type="button"
                class="btn btn-small"
                disabled={exporting}
                aria-label={t('actExportOf', { format: t(f.label) })}
                onClick={() => save(f)}
              >
                <Icon name="download" size={18} />
                {t(f.label)}
              </button>
            ))}
          </div>
        </section>
      )}
    </Dialog>
  );
}
