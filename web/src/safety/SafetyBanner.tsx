// The 安否確認 banner above the shell (PC and phone): one per open check I am a target of.
// Unanswered: the title, when it started, a reminder's sender, and the first required choice
// question's options as big buttons — tap 1 picks one and opens the answer sheet, whose last
// required pick (tap 2) sends the answer at once. Answered: a compact line 回答済み：無事・
// 出勤可能 with 変更, which can be hidden until a reminder comes (the hiding is kept in
// sessionStorage: a reload in the same tab keeps it). Training: another look and 【訓練】. An
// answer not yet stored by the server shows 送信待ち (answers.ts, queue.ts). A click on the
// check's notification (state safetyAsk) opens its answer sheet, or a manager's dashboard.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { SafetyAnswer } from '../api/types';
import { t } from '../i18n';
import { Icon } from '../components/Icon';
import { store } from '../state/app';
import { isSafetyManager, type MyCheck } from '../state/safety';
import { useStore } from '../state/useStore';
import { formatTime } from '../util/date';
import { summary, useAnswers } from './answers';
import { AnswerSheet } from './AnswerSheet';
import './safety.css';

export function SafetyBanner() {
  const checks = useStore((s) => s.safety);
  return (
    <div class="safety-banners">
      {[...checks].reverse().map((c) => (
        <Banner key={c.id} c={c} />
      ))}
    </div>
  );
}

/** 【訓練】 where a check is training (the title may say 訓練 already: the label stays). */
export function TrainingTag({ on }: { on: boolean }) {
  return on ? <span class="tag tag-training">{t('sfTraining')}</span> : null;
}

/** sessionStorage, where the browser has it (not in some private modes). */
function session(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

function Banner({ c }: { c: MyCheck }) {
  const me = useStore((s) => s.me);
  const ask = useStore((s) => s.safetyAsk);
  // The answer-only screen (AnswerOnly.tsx) has no dashboard, and never hides a check.
  const app = useStore((s) => s.phase === 'app');
  const queue = useAnswers();
  const waiting = queue.of(c.id);
  const [sheet, setSheet] = useState<{ start: SafetyAnswer; now?: boolean } | null>(null);
  // The sheet closed: focus comes back to the banner (the button that opened the sheet may be
  // gone, an answer having turned the options into 回答済み … 変更).
  const section = useRef<HTMLElement>(null);
  const change = useRef<HTMLButtonElement>(null);
  const refocus = useRef(false);
  useEffect(() => {
    if (sheet || !refocus.current) return;
    refocus.current = false;
    const at = document.activeElement;
    if (!at || at === document.body || !at.isConnected) (change.current ?? section.current)?.focus();
  });
  // Hidden (when answered) until a reminder newer than the hiding comes; kept for this tab.
  const hideKey = `tonari.safetyHidden.${me?.id ?? 0}.${c.id}`;
  const [hiddenAt, setHiddenAt] = useState(() => Number(session()?.getItem(hideKey)) || 0);
  const hide = (at: number) => {
    setHiddenAt(at);
    try {
      if (at) session()?.setItem(hideKey, String(at));
      else session()?.removeItem(hideKey);
    } catch {
      /* full: hidden for this page only */
    }
  };
  const answer = waiting?.answer ?? c.answer;
  const answered = !!answer;
  const reminded = c.reminded;
  const first = c.questions.find((q) => q.kind === 'choice' && q.required);
  const manager = app && isSafetyManager(me);
  // A reminder shows the banner again, and forgets the hiding.
  useEffect(() => {
    if (hiddenAt && reminded && reminded.at > hiddenAt) hide(0);
  }, [reminded?.at]);
  // This check's notification was clicked.
  useEffect(() => {
    if (ask !== c.id) return;
    store.set({ safetyAsk: 0 });
    if (manager) store.navigate({ room: null, panel: { safety: c.id } });
    else {
      hide(0);
      setSheet({ start: { ...answer } });
    }
  }, [ask]);
  if (app && answered && hiddenAt && !(reminded && reminded.at > hiddenAt)) return null;

  const cls = 'safety-banner' + (c.training ? ' is-training' : '') + (answered ? ' is-answered' : '');
  const head = (
    <span class="sf-title">
      <strong class="sf-kind">{t('safety')}</strong>
      <TrainingTag on={c.training} />
      <span class="sf-name">{c.title}</span>
    </span>
  );
  return (
    <section class={cls} aria-label={t('safety') + ' ' + c.title} data-check={c.id} ref={section} tabIndex={-1}>
      {/* 至急回答してください: only while no answer of mine is stored. */}
      {reminded && (!answered || !!waiting) && (
        <p class="sf-reminded" key={reminded.at}>
          {t('sfRemindedBy', { name: reminded.by_name })}
        </p>
      )}
      {answered ? (
        <div class="sf-line">
          {head}
          <span class="sf-done">
            {waiting ? (
              <span class="sf-waiting">
                <span class="spinner" aria-hidden="true" /> {t('sfWaiting')}
              </span>
            ) : (
              '✓ '
            )}
            {t('sfAnswered', { answer: summary(c.questions, answer) })}
            {!waiting && c.proxy && <span class="tag">{t('sfProxy')}</span>}
          </span>
          <span class="sf-actions">
            <button type="button" class="btn btn-small" aria-haspopup="dialog" ref={change} onClick={() => setSheet({ start: { ...answer } })}>
              {t('sfChange')}
            </button>
            {manager && <DashLink id={c.id} />}
            {/* The answer-only screen has nothing else to show. */}
            {app && (
              <button
                type="button"
                class="icon-btn"
                aria-label={t('sfHide')}
                title={t('sfHide')}
                onClick={() => {
                  hide(Date.now());
                  // The banner goes: focus to the main pane, not to the page's body.
                  document.getElementById('main')?.focus();
                }}
              >
                <Icon name="close" size={18} />
              </button>
            )}
          </span>
        </div>
      ) : (
        <>
          <div class="sf-line">
            {head}
            <span class="sf-time">{t('sfStartedAt', { time: formatTime(c.started_at) })}</span>
            {manager && <DashLink id={c.id} />}
          </div>
          {first ? (
            <div class="sf-ask" role="group" aria-label={first.label}>
              <span class="sf-q">{first.label}</span>
              {first.options!.map((o, i) => (
                <button key={i} type="button" class={'sf-big sf-opt-' + i} aria-haspopup="dialog" onClick={() => setSheet({ start: { [first.key]: i }, now: true })}>
                  {o}
                </button>
              ))}
            </div>
          ) : (
            <button type="button" class="btn btn-primary" aria-haspopup="dialog" onClick={() => setSheet({ start: {} })}>
              {t('sfAnswer')}
            </button>
          )}
        </>
      )}
      {sheet && (
        <AnswerSheet
          c={c}
          start={sheet.start}
          sendNow={sheet.now}
          onClose={() => {
            refocus.current = true;
            setSheet(null);
          }}
        />
      )}
    </section>
  );
}

function DashLink({ id }: { id: number }) {
  return (
    <button type="button" class="btn btn-small" onClick={() => store.navigate({ room: null, panel: { safety: id } })}>
      {t('sfDashboard')}
    </button>
  );
}
