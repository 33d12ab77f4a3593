// 安否確認を開始 (危機管理 and administrators): a template (地震 / 風水害 / 訓練, from
// GET /api/safety/templates) or 最初から作成 (本人の状況 alone), its questions (shown, and
// edited under 質問を編集: QuestionEditor.tsx; sent only when they are not the template's),
// the title, the targets (every staff member, or departments chosen in the org tree, each
// with its sub-departments) and whether staff may answer from the Internet zone. Started, it
// opens the check's dashboard; a refusal (400) is said in the dialog. No reply at all is never
// retried (a start has no idempotency key: a second try could start a second check): the
// dialog closes and the managers' list is reloaded (`onUnsure`) to show whether it started.
import { useEffect, useReducer, useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import type { Department } from '../api/types';
import { ask } from '../components/confirm';
import { departments } from '../components/DeptTree';
import { Dialog } from '../components/Dialog';
import { Icon } from '../components/Icon';
import { LoadError } from '../components/LoadError';
import { t } from '../i18n';
import { store } from '../state/app';
import { startSafety, templates, type SafetyTemplate } from './api';
import { QuestionEditor, questionLine } from './QuestionEditor';
import { cleanQuestions, freeKey, problems, questionsReducer, sameQuestions, scratch, type QAction } from './questions';

/** The template radio of 最初から作成. */
const SCRATCH = '';

export function StartDialog({ onClose, onUnsure }: { onClose: () => void; onUnsure: () => void }) {
  const [tpls, setTpls] = useState<SafetyTemplate[] | null>(null);
  const [depts, setDepts] = useState<Department[] | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const [tpl, setTpl] = useState('earthquake');
  const [title, setTitle] = useState('');
  const [all, setAll] = useState(true);
  const [chosen, setChosen] = useState<number[]>([]);
  const [internet, setInternet] = useState(true);
  const [busy, setBusy] = useState(false);
  const [qs, dispatchQ] = useReducer(questionsReducer, []);
  const [editing, setEditing] = useState(false);
  const [shown, setShown] = useState(false);
  const [fresh, setFresh] = useState('');
  const [refused, setRefused] = useState('');
  const baseOf = (key: string, ts: SafetyTemplate[]) => (key === SCRATCH ? scratch(ts) : (ts.find((x) => x.key === key)?.questions ?? []));
  const load = () => {
    setFailed(null);
    Promise.all([templates(store.api), departments()]).then(
      ([ts, ds]) => {
        setTpls(ts);
        setDepts(ds);
        dispatchQ({ type: 'reset', qs: baseOf(tpl, ts) });
      },
      (e) => setFailed(store.hub.texts.error(e)),
    );
  };
  useEffect(load, []);
  const current = tpls?.find((x) => x.key === tpl);
  const base = tpls ? baseOf(tpl, tpls) : [];
  const edited = !sameQuestions(qs, base);
  const wrong = problems(qs);
  const [, redraw] = useState(0);
  const choose = async (key: string) => {
    if (key === tpl) return;
    // Questions edited by hand are not thrown away by a stray click on another template.
    if (edited && !(await ask(t('sfQDiscardAsk'), t('sfQDiscard')))) {
      redraw((n) => n + 1); // the radios back as they were (the browser moved the check)
      return;
    }
    setTpl(key);
    if (tpls) dispatchQ({ type: 'reset', qs: baseOf(key, tpls) });
    if (key === SCRATCH) setEditing(true);
    setShown(false);
    setRefused('');
  };
  const dispatch = (a: QAction) => {
    // The question added gets the focus: its key is the first free one.
    if (a.type === 'add') setFresh(freeKey(qs));
    dispatchQ(a);
    setRefused('');
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy || (!all && !chosen.length)) return;
    if (wrong.length) {
      setEditing(true);
      setShown(true);
      // To the first thing to fix, once it is drawn as such.
      const form = e.currentTarget as HTMLFormElement;
      setTimeout(() => form.querySelector<HTMLElement>('[aria-invalid="true"], .sf-qproblems')?.focus?.(), 0);
      return;
    }
    setBusy(true);
    setRefused('');
    // The template's own questions are left out: the check then has them as the server knows them.
    const own = tpl === SCRATCH || edited;
    const ok = await store.hub.attempt(async () => {
      try {
        const s = await startSafety(store.api, {
          ...(tpl !== SCRATCH ? { template: tpl } : {}),
          ...(title.trim() ? { title: title.trim() } : {}),
          ...(own ? { questions: cleanQuestions(qs) } : {}),
          scope: all ? 'all' : { depts: chosen },
          internet_answer: internet,
        });
        onClose();
        store.navigate({ room: null, panel: { safety: s.id } });
      } catch (err) {
        if (err instanceof ApiError && err.status === 0) {
          onClose();
          store.toast(t('sfStartUnsure'), 'error');
          onUnsure();
          return;
        }
        // What the server refused is said here, beside the form (a toast would be behind it).
        if (!(err instanceof ApiError && err.code === 'invalid_argument')) throw err;
        setRefused(store.hub.texts.error(err));
        setBusy(false);
      }
    });
    if (!ok) setBusy(false);
  };
  return (
    <Dialog title={t('sfStart')} onClose={onClose} wide>
      {failed !== null ? (
        <LoadError text={failed} onRetry={load} />
      ) : !tpls || !depts ? (
        <p class="muted">{t('loading')}</p>
      ) : (
        <form class="sf-start" onSubmit={submit}>
          <fieldset class="fieldset">
            <legend>{t('sfTemplate')}</legend>
            <div class="sf-choices">
              {tpls.map((x) => (
                <label key={x.key} class="radio">
                  <input type="radio" name="sf-tpl" checked={tpl === x.key} onChange={() => void choose(x.key)} />
                  {x.title}
                </label>
              ))}
              <label class="radio">
                <input type="radio" name="sf-tpl" checked={tpl === SCRATCH} onChange={() => void choose(SCRATCH)} />
                {t('sfScratch')}
              </label>
            </div>
          </fieldset>
          {current?.training && <p class="sf-note-training">{t('sfTrainingNote')}</p>}
          <label class="field">
            <span>{t('sfTitle')}</span>
            <input class="sf-input" value={title} maxLength={200} placeholder={current?.title ?? t('safety')} onInput={(e) => setTitle(e.currentTarget.value)} />
          </label>
          <fieldset class="fieldset sf-qfield">
            <legend>{t('sfQuestions')}</legend>
            {editing ? (
              <QuestionEditor
                qs={qs}
                dispatch={dispatch}
                problems={wrong}
                shown={shown}
                edited={edited}
                fresh={fresh}
                onReset={() => {
                  dispatchQ({ type: 'reset', qs: base });
                  setShown(false);
                  setRefused('');
                }}
              />
            ) : (
              <p class="sf-questions">
                <span class="muted">{questionLine(qs)}</span>{' '}
                <button type="button" class="btn btn-small" aria-expanded={false} onClick={() => setEditing(true)}>
                  {t('sfQEdit')}
                </button>
              </p>
            )}
          </fieldset>
          <fieldset class="fieldset">
            <legend>{t('sfTargets')}</legend>
            <div class="sf-choices">
              <label class="radio">
                <input type="radio" name="sf-scope" checked={all} onChange={() => setAll(true)} />
                {t('sfAll')}
              </label>
              <label class="radio">
                <input type="radio" name="sf-scope" checked={!all} onChange={() => setAll(false)} />
                {t('sfDepts')}
              </label>
            </div>
            {!all && (
              <ul class="dept-tree sf-dept-pick" aria-label={t('sfDepts')}>
                {depts.filter((d) => !d.parent).map((d) => (
                  <DeptPick key={d.id} d={d} all={depts} chosen={chosen} setChosen={setChosen} />
                ))}
              </ul>
            )}
          </fieldset>
          <label class="radio">
            <input type="checkbox" checked={internet} onChange={(e) => setInternet(e.currentTarget.checked)} />
            {t('sfInternet')}
          </label>
          {(refused || (shown && wrong.length > 0)) && (
            <p class="form-error" role="alert">
              {refused || t('sfQFix')}
            </p>
          )}
          <div class="dialog-actions">
            <button type="button" class="btn" onClick={onClose}>
              {t('cancel')}
            </button>
            <button type="submit" class={'btn ' + (current?.training ? 'btn-primary' : 'btn-danger')} disabled={busy || (!all && !chosen.length)}>
              {t('sfStartGo')}
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}

/** A department with its checkbox (it brings its sub-departments) and, opened, those below. */
function DeptPick({ d, all, chosen, setChosen }: { d: Department; all: Department[]; chosen: number[]; setChosen: (ids: number[]) => void }) {
  const [open, setOpen] = useState(false);
  const children = all.filter((x) => x.parent === d.id);
  const on = chosen.includes(d.id);
  return (
    <li class="dept">
      <div class="sf-dept-row">
        {children.length > 0 ? (
          <button type="button" class="icon-btn" aria-expanded={open} aria-label={t('sfExpand', { name: d.name })} onClick={() => setOpen(!open)}>
            <Icon name={open ? 'down' : 'right'} size={16} />
          </button>
        ) : (
          <span class="sf-dept-pad" />
        )}
        <label>
          <input type="checkbox" checked={on} onChange={() => setChosen(on ? chosen.filter((x) => x !== d.id) : [...chosen, d.id])} />
          {d.name}
        </label>
      </div>
      {open && (
        <ul class="dept-children">
          {children.map((c) => (
            <DeptPick key={c.id} d={c} all={all} chosen={chosen} setChosen={setChosen} />
          ))}
        </ul>
      )}
    </li>
  );
}
