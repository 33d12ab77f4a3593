// The dashboard of one check (/safety/N): the counts per answer, live (safety.updated, which
// the server coalesces to about one a second, state/safety.ts), the departments 部 → 課 → 係
// (collapsible, tree.ts) with answered / targets and the first question's counts, and the
// targets page by page (五十音, with 内線), filtered by state, department and answer; 代理回答
// from the list, 催促 (everyone who has not answered, or one department), 終了, the CSV
// (UTF-8 with BOM, Shift_JIS) and the print page as plain links. The target list follows the
// live tally too, reloading the rows shown (same filters, as many as are shown, up to a page's
// most) every 5 s at most (throttle.ts), so a 未回答 list shrinks as answers come in.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import type { Safety, SafetyTally, SafetyTallyRow } from '../api/types';
import { ask } from '../components/confirm';
import { Icon } from '../components/Icon';
import { LoadError } from '../components/LoadError';
import { t } from '../i18n';
import { store } from '../state/app';
import { useStore } from '../state/useStore';
import { formatFull } from '../util/date';
import { summary } from './answers';
import { AnswerSheet } from './AnswerSheet';
import { closeSafety, exportUrl, getSafety, MAX_TARGETS, printUrl, remind, targets, type SafetyTarget, type SafetyView as View, type TargetFilter } from './api';
import { TrainingTag } from './SafetyBanner';
import { OpenTag, ViewHead } from './SafetyView';
import { throttle } from './throttle';
import { count, nest, type DeptNode } from './tree';

/** 429's wait, said in minutes and seconds. */
function waitText(e: ApiError): string {
  const ms = typeof e.detail.retry_after_ms === 'number' ? e.detail.retry_after_ms : (e.retryAfter ?? 60) * 1000;
  const s = Math.ceil(ms / 1000);
  return t('sfRemindWait', { m: Math.floor(s / 60), s: s % 60 });
}

export function Dashboard({ id }: { id: number }) {
  const lang = useStore((s) => s.settings.lang);
  const live = useStore((s) => s.safetyLive[id]);
  const [view, setView] = useState<View | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const [filter, setFilter] = useState<TargetFilter>({});
  const load = () => {
    setFailed(null);
    // What came live before this answer is older than it.
    const { [id]: _old, ...rest } = store.state.safetyLive;
    store.set({ safetyLive: rest });
    getSafety(store.api, id).then(setView, (e) => setFailed(store.hub.texts.error(e)));
  };
  useEffect(load, [id]);
  const back = () => store.navigate({ room: null, panel: 'safety' });
  if (failed !== null || !view) {
    return (
      <section class="sf-view" aria-labelledby="sf-dash-title">
        <ViewHead title={t('safety')} id="sf-dash-title" back={back} />
        <div class="sf-body">{failed !== null ? <LoadError text={failed} onRetry={load} /> : <p class="muted">{t('loading')}</p>}</div>
      </section>
    );
  }
  const s: Safety = live?.safety ?? view.safety;
  const tally = live?.tally ?? view.tally;
  const can = view.can;
  const open = s.open;

  const doRemind = async (dept = 0, name = '') => {
    if (!(await ask(name ? t('sfRemindDeptQ', { dept: name }) : t('sfRemindQ'), t('sfRemind')))) return;
    try {
      const n = await remind(store.api, id, dept);
      store.toast(t('sfReminded', { n: n.toLocaleString() }));
    } catch (e) {
      if (e instanceof ApiError && e.status === 429) store.toast(waitText(e), 'error');
      else if (e instanceof ApiError && e.status === 409) store.toast(t('sfRemindNobody'), 'error');
      else store.hub.fail(e);
    }
  };
  const doClose = async () => {
    if (!(await ask(t('sfCloseQ', { title: s.title }), t('sfClose')))) return;
    await store.hub.attempt(async () => {
      const closed = await closeSafety(store.api, id);
      setView({ ...view, safety: closed });
      store.set({ safetyLive: { ...store.state.safetyLive, [id]: { safety: closed, scope: live?.scope ?? 0, tally: tally! } } });
    });
  };

  return (
    <section class={'sf-view' + (s.training ? ' is-training' : '')} aria-labelledby="sf-dash-title">
      <ViewHead
        title={
          <>
            <TrainingTag on={s.training} /> {s.title}
          </>
        }
        id="sf-dash-title"
        back={back}
      >
        <OpenTag s={s} />
      </ViewHead>
      <div class="sf-body">
        <p class="muted">
          {t('sfStartedOn', { time: formatFull(s.started_at, lang) })}
          {!open && ' · ' + t('sfClosedOn', { time: formatFull(s.closed_at, lang) })}
        </p>
        <div class="sf-tools">
          {open && can?.remind && (
            <button type="button" class="btn btn-primary" onClick={() => void doRemind()}>
              {t('sfRemindAll')}
            </button>
          )}
          {can?.export && (
            <>
              <a class="btn" href={exportUrl(id, false)} download>
                <Icon name="download" size={18} /> {t('sfCsv')}
              </a>
              <a class="btn" href={exportUrl(id, true)} download>
                <Icon name="download" size={18} /> {t('sfCsvSjis')}
              </a>
              <a class="btn" href={printUrl(id)} target="_blank" rel="noopener">
                {t('sfPrint')}
              </a>
            </>
          )}
          {open && can?.close && (
            <button type="button" class="btn btn-danger" onClick={() => void doClose()}>
              {t('sfClose')}
            </button>
          )}
        </div>
        {tally && <Totals s={s} tally={tally} />}
        {tally && tally.depts.length > 0 && (
          <DeptTable s={s} rows={tally.depts} remindable={open && !!can?.remind} onRemind={doRemind} onPick={(dept) => setFilter({ ...filter, dept })} />
        )}
        <Targets s={s} filter={filter} setFilter={setFilter} rows={tally?.depts ?? []} proxy={open && !!can?.answer_for} tick={live} />
      </div>
    </section>
  );
}

/** The whole check's counts: answered of the targets, then each choice question's options. */
function Totals({ s, tally }: { s: Safety; tally: SafetyTally }) {
  const total = tally.total;
  const pct = total.targets ? Math.round((total.answered / total.targets) * 100) : 0;
  // The first question's options are coloured (重傷 in red); the others are plain.
  const first = s.questions.findIndex((q) => q.kind === 'choice');
  return (
    <div class="sf-totals">
      <p class="sf-rate">
        <strong>{t('sfAnsweredOf', { n: total.answered.toLocaleString(), total: total.targets.toLocaleString() })}</strong>
        <span>（{pct}%）</span>
        <span class="sf-unanswered">{t('sfUnansweredN', { n: (total.targets - total.answered).toLocaleString() })}</span>
      </p>
      <meter class="sf-meter" min={0} max={total.targets || 1} value={total.answered} aria-label={t('sfRate')} />
      {s.questions.map((q, qi) =>
        q.kind !== 'choice' ? null : (
          <div key={q.key} class="sf-counts">
            <h2>{q.label}</h2>
            <ul>
              {q.options!.map((o, oi) => (
                <li key={oi} class={'sf-count' + (qi === first ? ' sf-opt-' + oi : '')} data-q={q.key} data-opt={oi}>
                  <span>{o}</span>
                  <strong>{count(total, qi, oi).toLocaleString()}</strong>
                </li>
              ))}
            </ul>
          </div>
        ),
      )}
    </div>
  );
}

function DeptTable({
  s,
  rows,
  remindable,
  onRemind,
  onPick,
}: {
  s: Safety;
  rows: SafetyTallyRow[];
  remindable: boolean;
  onRemind: (dept: number, name: string) => void;
  onPick: (dept: number) => void;
}) {
  const first = s.questions.findIndex((q) => q.kind === 'choice');
  const q = s.questions[first];
  return (
    <div class="sf-depts">
      <h2>{t('sfByDept')}</h2>
      <ul class="sf-tree" aria-label={t('sfByDept')}>
        {nest(rows).map((n) => (
          <DeptRow key={n.row.dept} n={n} depth={0} q={q?.options ?? []} qi={first} remindable={remindable} onRemind={onRemind} onPick={onPick} />
        ))}
      </ul>
    </div>
  );
}

function DeptRow({
  n,
  depth,
  q,
  qi,
  remindable,
  onRemind,
  onPick,
}: {
  n: DeptNode;
  depth: number;
  q: string[];
  qi: number;
  remindable: boolean;
  onRemind: (dept: number, name: string) => void;
  onPick: (dept: number) => void;
}) {
  const [open, setOpen] = useState(depth === 0);
  const r = n.row;
  const name = r.name ?? '';
  return (
    <li class="sf-dept" data-dept={r.dept}>
      <div class="sf-dept-line">
        {n.children.length ? (
          <button type="button" class="icon-btn" aria-label={t('sfExpand', { name })} aria-expanded={open} onClick={() => setOpen(!open)}>
            <Icon name={open ? 'down' : 'right'} size={16} />
          </button>
        ) : (
          <span class="sf-dept-pad" />
        )}
        <button type="button" class="sf-dept-name" title={r.path} onClick={() => onPick(r.dept)}>
          {name}
        </button>
        <span class="sf-dept-rate">{t('sfAnsweredOf', { n: r.answered.toLocaleString(), total: r.targets.toLocaleString() })}</span>
        <span class="sf-dept-counts">
          {q.map((o, oi) => (
            <span key={oi} class={'sf-mini sf-opt-' + oi}>
              {o} {count(r, qi, oi)}
            </span>
          ))}
        </span>
        {remindable && r.answered < r.targets && (
          <button type="button" class="btn btn-small" onClick={() => onRemind(r.dept, name)}>
            {t('sfRemind')}
          </button>
        )}
      </div>
      {open && n.children.length > 0 && (
        <ul>
          {n.children.map((c) => (
            <DeptRow key={c.row.dept} n={c} depth={depth + 1} q={q} qi={qi} remindable={remindable} onRemind={onRemind} onPick={onPick} />
          ))}
        </ul>
      )}
    </li>
  );
}

function Targets({
  s,
  filter,
  setFilter,
  rows,
  proxy,
  tick,
}: {
  s: Safety;
  filter: TargetFilter;
  setFilter: (f: TargetFilter) => void;
  rows: SafetyTallyRow[];
  proxy: boolean;
  /** The live tally: when it changes, the list is reloaded (every 5 s at most). */
  tick: unknown;
}) {
  const [list, setList] = useState<SafetyTarget[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const [answering, setAnswering] = useState<SafetyTarget | null>(null);
  // Only the latest request's answer is used (a refresh may cross a change of filter).
  const seq = useRef(0);
  /**
   * A page (`cursor`) or the first page; `quiet`: the list stays shown meanwhile, reloaded
   * with as many rows as it shows (the pages loaded are kept).
   */
  const load = (cursor = '', quiet = false) => {
    const n = ++seq.current;
    setFailed(null);
    if (!cursor && !quiet) setList(null);
    const limit = quiet && list ? Math.min(Math.max(list.length, 50), MAX_TARGETS) : 50;
    targets(store.api, s.id, filter, cursor, limit).then(
      (p) => {
        if (n !== seq.current) return;
        setList((l) => [...(cursor && l ? l : []), ...p.targets]);
        setNext(p.next);
      },
      (e) => n === seq.current && !quiet && setFailed(store.hub.texts.error(e)),
    );
  };
  useEffect(() => load(), [filter.state, filter.dept, filter.q]);
  const latest = useRef(load);
  latest.current = load;
  const refresh = useMemo(() => throttle(() => latest.current('', true), 5000), []);
  useEffect(() => {
    if (tick) refresh();
  }, [tick]);
  useEffect(() => refresh.cancel, []);
  const answers: [string, string][] = [];
  s.questions.forEach((q) => q.kind === 'choice' && q.options!.forEach((o, i) => answers.push([`${q.key}:${i}`, q.label + '：' + o])));
  return (
    <div class="sf-targets">
      <h2>{t('sfTargetList')}</h2>
      <div class="sf-filters">
        <label class="field">
          <span>{t('sfFilterState')}</span>
          <select value={filter.state ?? ''} onChange={(e) => setFilter({ ...filter, state: e.currentTarget.value as TargetFilter['state'] })}>
            <option value="">{t('sfStateAll')}</option>
            <option value="unanswered">{t('sfStateUnanswered')}</option>
            <option value="answered">{t('sfStateAnswered')}</option>
          </select>
        </label>
        <label class="field">
          <span>{t('sfFilterDept')}</span>
          <select value={String(filter.dept ?? 0)} onChange={(e) => setFilter({ ...filter, dept: Number(e.currentTarget.value) })}>
            <option value="0">{t('sfDeptAll')}</option>
            {rows.map((r) => (
              <option key={r.dept} value={String(r.dept)}>
                {r.path}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>{t('sfFilterAnswer')}</span>
          <select value={filter.q ?? ''} onChange={(e) => setFilter({ ...filter, q: e.currentTarget.value })}>
            <option value="">{t('sfAnswerAll')}</option>
            {answers.map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
        </label>
      </div>
      {failed !== null ? (
        <LoadError text={failed} onRetry={() => load()} />
      ) : !list ? (
        <p class="muted">{t('loading')}</p>
      ) : list.length === 0 ? (
        <p class="muted">{t('sfNobody')}</p>
      ) : (
        <ul class="sf-people" data-list="sf-targets">
          {list.map((x) => (
            <li key={x.user.id} class="sf-person">
              <span class="sf-person-text">
                <span class="person-name">{x.user.name}</span>
                <span class="person-sub">
                  {x.user.dept_path}
                  {x.user.extension && ' · ' + t('sfExt', { n: x.user.extension })}
                </span>
              </span>
              <span class={'sf-answer' + (x.answer ? '' : ' is-none')}>
                {x.answer ? summary(s.questions, x.answer) : t('sfStateUnanswered')}
                {x.proxy && <span class="tag">{t('sfProxy')}</span>}
              </span>
              {proxy && (
                <button type="button" class="btn btn-small" aria-haspopup="dialog" onClick={() => setAnswering(x)}>
                  {t('sfProxyAnswer')}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {next && list && (
        <button type="button" class="btn" onClick={() => load(next)}>
          {t('sfMore')}
        </button>
      )}
      {answering && (
        <AnswerSheet
          c={s}
          start={answering.answer ?? {}}
          forUser={{ id: answering.user.id, name: answering.user.name }}
          onClose={() => setAnswering(null)}
          onSent={() => {
            setAnswering(null);
            load();
          }}
        />
      )}
    </div>
  );
}
