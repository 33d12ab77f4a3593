// Asking an action stamp from the composer: the kind (はい/いいえ, 出欠, 選択, 日程調整,
// タスク), the question, the options, candidate dates or assignees of its kind, and the
// settings (締切, 回答の公開, 回答の変更, 匿名). Checked with the server's limits before it
// goes (util/actions.ts); it is sent through the outbox like any message.
import { useMemo, useState } from 'preact/hooks';
import type { ActionKind } from '../api/types';
import { lang, t, type Key } from '../i18n';
import { store } from '../state/app';
import { useStore } from '../state/useStore';
import {
  candidateLabel,
  dayValue,
  daysBetween,
  emptyDraft,
  KINDS,
  LIMITS,
  localValue,
  parseDay,
  parseLocal,
  toSpec,
  validate,
  type Draft,
  type Field,
} from '../util/actions';
import { matches } from '../util/kana';
import { Avatar } from './Avatar';
import { Dialog } from './Dialog';
import { Icon } from './Icon';
import './actions.css';

const KIND_NAME: Record<ActionKind, Key> = {
  yesno: 'actKindYesno',
  attendance: 'actKindAttendance',
  choice: 'actKindChoice',
  schedule: 'actKindSchedule',
  task: 'actKindTask',
};
const PLACEHOLDER: Record<ActionKind, Key> = {
  yesno: 'actPhYesno',
  attendance: 'actPhAttendance',
  choice: 'actPhChoice',
  schedule: 'actPhSchedule',
  task: 'actPhTask',
};

/** Tomorrow at 17:00: where a new deadline starts. */
function tomorrowFive(): number {
  const d = new Date();
  d.setDate(d.getDate() + 1);
  d.setHours(17, 0, 0, 0);
  return d.getTime();
}

/** The error line of a field, and what the field carries to point at it. */
function useErrors(shown: boolean, draft: Draft) {
  const problems = shown ? validate(draft, Date.now()) : [];
  const of = (f: Field) => problems.find((p) => p.field === f);
  const attrs = (f: Field) =>
    of(f) ? { 'aria-invalid': true as const, 'aria-describedby': 'act-err-' + f } : { 'aria-invalid': false as const };
  const Line = ({ f }: { f: Field }) => {
    const p = of(f);
    return p ? (
      <p class="act-error" id={'act-err-' + f}>
        {t(p.key, p.vars)}
      </p>
    ) : null;
  };
  return { problems, attrs, Line };
}

export function ActionDialog({ room, onClose }: { room: number; onClose: () => void }) {
  const me = useStore((s) => s.me)!;
  const members = useStore((s) => s.members[room]);
  const moreMembers = useStore((s) => !!s.membersNext[room]);
  const [d, setD] = useState<Draft>(emptyDraft);
  const [tried, setTried] = useState(false);
  const { problems, attrs, Line } = useErrors(tried, d);
  const set = (patch: Partial<Draft>) => setD((cur) => ({ ...cur, ...patch }));

  const setKind = (kind: ActionKind) =>
    setD((cur) => ({
      ...cur,
      kind,
      // Each kind starts its own list: choices two blank rows, candidates none.
      options: kind === cur.kind ? cur.options : kind === 'choice' ? ['', ''] : [],
    }));

  const submit = (e: Event) => {
    e.preventDefault();
    const found = validate(d, Date.now());
    if (found.length) {
      setTried(true);
      requestAnimationFrame(() => document.querySelector<HTMLElement>('.act-form [aria-invalid="true"]')?.focus());
      return;
    }
    store.sendSpecial(room, { action: toSpec(d) });
    onClose();
  };

  return (
    <Dialog title={t('actNew')} onClose={onClose} wide>
      <form class="act-form" onSubmit={submit} noValidate>
        <fieldset class="act-kinds">
          <legend>{t('actKind')}</legend>
          {KINDS.map((k) => (
            <label key={k} class={'act-kind' + (d.kind === k ? ' on' : '')}>
              <input type="radio" class="sr-only" name="act-kind" checked={d.kind === k} onChange={() => setKind(k)} />
              {t(KIND_NAME[k])}
            </label>
          ))}
        </fieldset>
        <label class="field">
          <span>{t(d.kind === 'task' ? 'actTitleTask' : 'actTitle')}</span>
          <input
            type="text"
            value={d.title}
            placeholder={t(PLACEHOLDER[d.kind])}
            data-autofocus
            onInput={(e) => set({ title: e.currentTarget.value })}
            {...attrs('title')}
          />
        </label>
        <Line f="title" />
        {d.kind === 'choice' && <Choices d={d} set={set} attrs={attrs('options')} />}
        {d.kind === 'schedule' && <Candidates d={d} set={set} attrs={attrs('options')} />}
        {(d.kind === 'choice' || d.kind === 'schedule') && <Line f="options" />}
        {d.kind === 'task' && (
          <Assignees
            room={room}
            me={me.id}
            members={members?.map((x) => x.user) ?? []}
            more={moreMembers}
            chosen={d.assignees}
            onChange={(assignees) => set({ assignees })}
            attrs={attrs('assignees')}
          />
        )}
        {d.kind === 'task' && <Line f="assignees" />}
        <Settings d={d} set={set} attrs={attrs('deadline')} />
        <Line f="deadline" />
        {tried && problems.length > 0 && (
          <p class="form-error" role="alert">
            {t('actErrSummary')}
          </p>
        )}
        <div class="dialog-actions">
          <button type="button" class="btn" onClick={onClose}>
            {t('cancel')}
          </button>
          <button type="submit" class="btn btn-primary">
            <Icon name="send" size={18} />
            {t('actCreate')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

type Attrs = Record<string, unknown>;

function Choices({ d, set, attrs }: { d: Draft; set: (p: Partial<Draft>) => void; attrs: Attrs }) {
  const change = (i: number, v: string) => set({ options: d.options.map((o, j) => (j === i ? v : o)) });
  return (
    <fieldset class="fieldset">
      <legend>{t('actOptions')}</legend>
      <ol class="act-rows">
        {d.options.map((o, i) => (
          <li key={i} class="act-row">
            <input
              type="text"
              value={o}
              aria-label={t('actOptionN', { n: i + 1 })}
              onInput={(e) => change(i, e.currentTarget.value)}
              {...(o.trim() ? {} : attrs)}
            />
            <button
              type="button"
              class="icon-btn"
              aria-label={t('actRemoveOption', { n: i + 1 })}
              onClick={() => set({ options: d.options.filter((_, j) => j !== i) })}
            >
              <Icon name="close" size={18} />
            </button>
          </li>
        ))}
      </ol>
      <button
        type="button"
        class="btn btn-small"
        disabled={d.options.length >= LIMITS.choice.max}
        onClick={() => set({ options: [...d.options, ''] })}
      >
        <Icon name="plus" size={18} />
        {t('actAddOption')}
      </button>
      <label class="act-check">
        <input type="checkbox" checked={d.multiple} onChange={(e) => set({ multiple: e.currentTarget.checked })} />
        {t('actMultiple')}
      </label>
    </fieldset>
  );
}

/** 日程調整: candidates from a date (and a time), the day after the last, or a range of days. */
function Candidates({ d, set, attrs }: { d: Draft; set: (p: Partial<Draft>) => void; attrs: Attrs }) {
  const [day, setDay] = useState(() => dayValue(new Date(Date.now() + 86400000)));
  const [time, setTime] = useState('');
  const [last, setLast] = useState<Date | null>(null);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [weekdays, setWeekdays] = useState(true);
  const room = LIMITS.schedule.max - d.options.length;
  const add = (days: Date[]) => {
    const labels = days.map((x) => candidateLabel(x, time, lang())).filter((l) => !d.options.includes(l));
    if (!days.length) return;
    set({ options: [...d.options, ...labels].slice(0, LIMITS.schedule.max) });
    setLast(days[days.length - 1]);
  };
  const one = parseDay(day);
  const a = parseDay(from);
  const b = parseDay(to);
  return (
    <fieldset class="fieldset">
      <legend>{t('actCandidates', { n: d.options.length })}</legend>
      <div class="act-cand-add">
        <label class="field">
          <span>{t('actDate')}</span>
          <input type="date" value={day} onInput={(e) => setDay(e.currentTarget.value)} {...(d.options.length ? {} : attrs)} />
        </label>
        <label class="field">
          <span>{t('actTime')}</span>
          <input type="time" value={time} step={300} onInput={(e) => setTime(e.currentTarget.value)} />
        </label>
        <button type="button" class="btn btn-primary" disabled={!one || room <= 0} onClick={() => one && add([one])}>
          <Icon name="plus" size={18} />
          {t('actAddCandidate')}
        </button>
      </div>
      <button
        type="button"
        class="btn btn-small"
        disabled={!last || room <= 0}
        onClick={() => {
          if (!last) return;
          const next = new Date(last);
          next.setDate(next.getDate() + 1);
          add([next]);
          setDay(dayValue(next));
        }}
      >
        {t('actAddNextDay')}
      </button>
      <details class="act-range">
        <summary>{t('actRangeTitle')}</summary>
        <div class="act-cand-add">
          <label class="field">
            <span>{t('actFrom')}</span>
            <input type="date" value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
          </label>
          <label class="field">
            <span>{t('actTo')}</span>
            <input type="date" value={to} min={from || undefined} onInput={(e) => setTo(e.currentTarget.value)} />
          </label>
        </div>
        <label class="act-check">
          <input type="checkbox" checked={weekdays} onChange={(e) => setWeekdays(e.currentTarget.checked)} />
          {t('actWeekdays')}
        </label>
        <button
          type="button"
          class="btn btn-small"
          disabled={!a || !b || a > b || room <= 0}
          onClick={() => a && b && add(daysBetween(a, b, weekdays, room))}
        >
          {t('actAddRange')}
        </button>
      </details>
      {d.options.length ? (
        <ol class="act-rows act-cands">
          {d.options.map((label, i) => (
            <li key={label} class="act-row">
              <span class="act-cand">{label}</span>
              <button
                type="button"
                class="icon-btn"
                aria-label={t('actRemoveCandidate', { label })}
                onClick={() => set({ options: d.options.filter((_, j) => j !== i) })}
              >
                <Icon name="close" size={18} />
              </button>
            </li>
          ))}
        </ol>
      ) : (
        <p class="muted">{t('actNoCandidates')}</p>
      )}
    </fieldset>
  );
}

/** タスク: who does it, from the room's members (loaded so far; more on request). */
function Assignees({
  room,
  me,
  members,
  more,
  chosen,
  onChange,
  attrs,
}: {
  room: number;
  me: number;
  members: { id: number; name: string; reading: string; login: string; disabled: boolean }[];
  more: boolean;
  chosen: number[];
  onChange: (ids: number[]) => void;
  attrs: Attrs;
}) {
  const [q, setQ] = useState('');
  const shown = useMemo(
    () => members.filter((u) => !u.disabled && matches(q, u.name, u.reading, u.login)),
    [members, q],
  );
  const picked = new Set(chosen);
  const toggle = (id: number) => onChange(picked.has(id) ? chosen.filter((x) => x !== id) : [...chosen, id]);
  return (
    <fieldset class="fieldset">
      <legend>{t('actAssignees', { n: chosen.length })}</legend>
      <input
        type="search"
        class="act-search"
        value={q}
        aria-label={t('actSearchMembers')}
        placeholder={t('actSearchMembers')}
        onInput={(e) => setQ(e.currentTarget.value)}
        {...attrs}
      />
      <ul class="people act-people">
        {shown.map((u) => (
          <li key={u.id}>
            <label class="person pick">
              <input type="checkbox" checked={picked.has(u.id)} onChange={() => toggle(u.id)} />
              <Avatar name={u.name} id={u.id} size={28} />
              <span class="person-name">
                {u.name}
                {u.id === me && <span class="tag">{t('you')}</span>}
              </span>
            </label>
          </li>
        ))}
      </ul>
      <div class="act-inline">
        <button
          type="button"
          class="btn btn-small"
          disabled={!shown.length}
          onClick={() => onChange([...new Set([...chosen, ...shown.map((u) => u.id)])].slice(0, LIMITS.assignees.max))}
        >
          {t('actSelectShown')}
        </button>
        <button type="button" class="btn btn-small" disabled={!chosen.length} onClick={() => onChange([])}>
          {t('actClearAssignees')}
        </button>
        {more && (
          <button type="button" class="btn btn-small" onClick={() => void store.loadMoreMembers(room)}>
            {t('actMoreMembers')}
          </button>
        )}
      </div>
    </fieldset>
  );
}

function Settings({ d, set, attrs }: { d: Draft; set: (p: Partial<Draft>) => void; attrs: Attrs }) {
  const task = d.kind === 'task';
  return (
    <fieldset class="fieldset">
      <legend>{t('actSettings')}</legend>
      <label class="act-check">
        <input type="checkbox" checked={!!d.deadline} onChange={(e) => set({ deadline: e.currentTarget.checked ? tomorrowFive() : 0 })} />
        {t(task ? 'actSetDue' : 'actSetDeadline')}
      </label>
      {!!d.deadline && (
        <label class="field">
          <span>{t(task ? 'actDue' : 'actDeadline')}</span>
          <input
            type="datetime-local"
            value={localValue(d.deadline)}
            min={localValue(Date.now())}
            onInput={(e) => {
              const ms = parseLocal(e.currentTarget.value);
              if (ms) set({ deadline: ms });
            }}
            {...attrs}
          />
        </label>
      )}
      {task && !!d.deadline && <p class="muted act-note">{t('actDueHint')}</p>}
      <fieldset class="act-radios">
        <legend>{t('actVisibility')}</legend>
        <label class="act-check">
          <input type="radio" name="act-public" checked={d.public} onChange={() => set({ public: true })} />
          {t('actPublicAll')}
        </label>
        <label class="act-check">
          <input type="radio" name="act-public" checked={!d.public} onChange={() => set({ public: false })} />
          {t('actPublicAsker')}
        </label>
      </fieldset>
      {!task && (
        <>
          <label class="act-check">
            <input type="checkbox" checked={d.changeable} onChange={(e) => set({ changeable: e.currentTarget.checked })} />
            {t('actChangeable')}
          </label>
          <label class="act-check">
            <input type="checkbox" checked={d.anonymous} onChange={(e) => set({ anonymous: e.currentTarget.checked })} />
            {t('actAnonymous')}
          </label>
        </>
      )}
    </fieldset>
  );
}
