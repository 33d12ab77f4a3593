// 質問を編集 in the start dialog: the questions the check will ask, each with its text, its
// options (a choice: 2–10, added, removed, renamed), 必須, up / down and remove; questions
// added as 選択式, 自由記述 or 現在地; テンプレートに戻す. The list itself is questions.ts's
// reducer; what breaks the server's rules is said beside the question (once `shown`).
import { useEffect, useRef } from 'preact/hooks';
import type { SafetyQuestion } from '../api/types';
import { Icon } from '../components/Icon';
import { t, type Key } from '../i18n';
import { MAX_OPTIONS, MAX_QUESTIONS, MIN_OPTIONS, OPTION_MAX, LABEL_MAX, type Problem, type QAction } from './questions';

const kinds: [SafetyQuestion['kind'], Key][] = [
  ['choice', 'sfKindChoice'],
  ['text', 'sfKindText'],
  ['location', 'sfKindLocation'],
];
const kindText = (k: SafetyQuestion['kind']) => t(kinds.find((x) => x[0] === k)![1]);
const say = (p: Problem) => t(p.text, { n: p.n ?? 0 });

/** The questions in one line: 本人の状況（無事/軽傷/重傷）、出勤（…）、現在地. */
export function questionLine(qs: SafetyQuestion[]): string {
  return qs.map((q) => q.label + (q.kind === 'choice' ? `（${(q.options ?? []).join('/')}）` : '')).join('、');
}

export function QuestionEditor({
  qs,
  dispatch,
  problems,
  shown,
  edited,
  onReset,
  fresh,
}: {
  qs: SafetyQuestion[];
  dispatch: (a: QAction) => void;
  problems: Problem[];
  /** Whether to say every problem (after a try to start); the list's own always show. */
  shown: boolean;
  edited: boolean;
  onReset: () => void;
  /** The key of the question just added: its text gets the focus. */
  fresh: string;
}) {
  const whole = problems.filter((p) => p.q < 0);
  return (
    <div class="sf-qedit">
      <ol class="sf-qlist">
        {qs.map((q, i) => (
          <QuestionCard
            key={q.key}
            q={q}
            i={i}
            last={i === qs.length - 1}
            only={qs.length === 1}
            dispatch={dispatch}
            problems={shown ? problems.filter((p) => p.q === i) : []}
            focus={q.key === fresh}
          />
        ))}
      </ol>
      {whole.length > 0 && (
        <ul class="sf-qproblems" role="alert" tabIndex={-1}>
          {whole.map((p) => (
            <li key={p.text}>{say(p)}</li>
          ))}
        </ul>
      )}
      <div class="sf-qadd" role="group" aria-label={t('sfQAdd')}>
        <span class="sf-qadd-label">{t('sfQAdd')}</span>
        {kinds.map(([k, label]) => (
          <button key={k} type="button" class="btn btn-small" aria-label={t('sfQAddKind', { kind: t(label) })} disabled={qs.length >= MAX_QUESTIONS} onClick={() => dispatch({ type: 'add', kind: k })}>
            <Icon name="plus" size={16} /> {t(label)}
          </button>
        ))}
      </div>
      {edited && (
        <p class="sf-qedited">
          <span class="muted">{t('sfQEdited')}</span>
          <button type="button" class="btn btn-small" onClick={onReset}>
            {t('sfQReset')}
          </button>
        </p>
      )}
    </div>
  );
}

function QuestionCard({
  q,
  i,
  last,
  only,
  dispatch,
  problems,
  focus,
}: {
  q: SafetyQuestion;
  i: number;
  last: boolean;
  only: boolean;
  dispatch: (a: QAction) => void;
  problems: Problem[];
  focus: boolean;
}) {
  const name = t('sfQN', { n: i + 1 });
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (focus) input.current?.focus();
  }, []);
  const labelProblem = problems.find((p) => p.opt === undefined && p.text !== 'sfQOptCount');
  const countProblem = problems.find((p) => p.text === 'sfQOptCount');
  const opts = q.options ?? [];
  const errId = `sf-qerr-${q.key}`;
  return (
    <li class="sf-qcard" data-key={q.key}>
      <div class="sf-qcard-head">
        <span class="sf-qnum">{name}</span>
        <span class="tag">{kindText(q.kind)}</span>
        <label class="sf-qreq">
          <input type="checkbox" checked={q.required} onChange={(e) => dispatch({ type: 'required', i, on: e.currentTarget.checked })} />
          {t('sfRequired')}
        </label>
        <span class="sf-qmoves">
          <button type="button" class="icon-btn sf-up" aria-label={t('sfQUp', { q: name })} title={t('sfQUp', { q: name })} disabled={i === 0} onClick={() => dispatch({ type: 'move', i, by: -1 })}>
            <Icon name="down" size={16} />
          </button>
          <button type="button" class="icon-btn" aria-label={t('sfQDown', { q: name })} title={t('sfQDown', { q: name })} disabled={last} onClick={() => dispatch({ type: 'move', i, by: 1 })}>
            <Icon name="down" size={16} />
          </button>
          <button type="button" class="icon-btn" aria-label={t('sfQRemove', { q: name })} title={t('sfQRemove', { q: name })} disabled={only} onClick={() => dispatch({ type: 'remove', i })}>
            <Icon name="trash" size={16} />
          </button>
        </span>
      </div>
      <input
        ref={input}
        class="sf-input"
        value={q.label}
        maxLength={LABEL_MAX}
        aria-label={t('sfQLabel', { q: name })}
        aria-invalid={!!labelProblem}
        aria-describedby={labelProblem ? errId : undefined}
        onInput={(e) => dispatch({ type: 'label', i, text: e.currentTarget.value })}
      />
      {labelProblem && (
        <p class="sf-qerr" id={errId}>
          {say(labelProblem)}
        </p>
      )}
      {q.kind === 'choice' && (
        <>
          <ol class="sf-qopts">
            {opts.map((o, j) => {
              const p = problems.find((x) => x.opt === j);
              const label = t('sfQOpt', { q: name, n: j + 1 });
              return (
                <li key={j}>
                  <div class="sf-qopt">
                    <input
                      class="sf-input"
                      value={o}
                      maxLength={OPTION_MAX}
                      aria-label={label}
                      aria-invalid={!!p}
                      aria-describedby={p ? `${errId}-${j}` : undefined}
                      onInput={(e) => dispatch({ type: 'option', i, j, text: e.currentTarget.value })}
                    />
                    <button
                      type="button"
                      class="icon-btn"
                      aria-label={t('sfQOptRemove', { q: name, n: j + 1 })}
                      title={t('sfQOptRemove', { q: name, n: j + 1 })}
                      disabled={opts.length <= MIN_OPTIONS}
                      onClick={() => dispatch({ type: 'removeOption', i, j })}
                    >
                      <Icon name="close" size={16} />
                    </button>
                  </div>
                  {p && (
                    <p class="sf-qerr" id={`${errId}-${j}`}>
                      {say(p)}
                    </p>
                  )}
                </li>
              );
            })}
          </ol>
          {countProblem && <p class="sf-qerr">{say(countProblem)}</p>}
          <button type="button" class="btn btn-small" disabled={opts.length >= MAX_OPTIONS} onClick={() => dispatch({ type: 'addOption', i })} aria-label={`${name} ${t('sfQOptAdd')}`}>
            <Icon name="plus" size={16} /> {t('sfQOptAdd')}
          </button>
        </>
      )}
    </li>
  );
}
