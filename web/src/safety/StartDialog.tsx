// 安否確認を開始 (危機管理 and administrators): a template (地震 / 風水害 / 訓練, from
// GET /api/safety/templates), the title, the targets (every staff member, or departments
// chosen in the org tree, each with its sub-departments) and whether staff may answer from
// the Internet zone. Started, it opens the check's dashboard.
import { useEffect, useState } from 'preact/hooks';
import type { Department } from '../api/types';
import { departments } from '../components/DeptTree';
import { Dialog } from '../components/Dialog';
import { Icon } from '../components/Icon';
import { LoadError } from '../components/LoadError';
import { t } from '../i18n';
import { store } from '../state/app';
import { startSafety, templates, type SafetyTemplate } from './api';

export function StartDialog({ onClose }: { onClose: () => void }) {
  const [tpls, setTpls] = useState<SafetyTemplate[] | null>(null);
  const [depts, setDepts] = useState<Department[] | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const [tpl, setTpl] = useState('earthquake');
  const [title, setTitle] = useState('');
  const [all, setAll] = useState(true);
  const [chosen, setChosen] = useState<number[]>([]);
  const [internet, setInternet] = useState(true);
  const [busy, setBusy] = useState(false);
  const load = () => {
    setFailed(null);
    Promise.all([templates(store.api), departments()]).then(
      ([ts, ds]) => {
        setTpls(ts);
        setDepts(ds);
      },
      (e) => setFailed(store.hub.texts.error(e)),
    );
  };
  useEffect(load, []);
  const current = tpls?.find((x) => x.key === tpl);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy || (!all && !chosen.length)) return;
    setBusy(true);
    const ok = await store.hub.attempt(async () => {
      const s = await startSafety(store.api, {
        template: tpl,
        ...(title.trim() ? { title: title.trim() } : {}),
        scope: all ? 'all' : { depts: chosen },
        internet_answer: internet,
      });
      onClose();
      store.navigate({ room: null, panel: { safety: s.id } });
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
                  <input type="radio" name="sf-tpl" checked={tpl === x.key} onChange={() => setTpl(x.key)} />
                  {x.title}
                </label>
              ))}
            </div>
          </fieldset>
          {current?.training && <p class="sf-note-training">{t('sfTrainingNote')}</p>}
          <label class="field">
            <span>{t('sfTitle')}</span>
            <input class="sf-input" value={title} maxLength={200} placeholder={current?.title} onInput={(e) => setTitle(e.currentTarget.value)} />
          </label>
          {current && (
            <p class="muted sf-questions">
              {t('sfQuestions')}: {current.questions.map((q) => q.label + (q.options ? `（${q.options.join('/')}）` : '')).join('、')}
            </p>
          )}
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
