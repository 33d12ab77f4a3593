// 安否確認 for managers (危機管理, 所属長, administrators), in the room's place: /safety lists
// the checks they manage, newest first, page by page, with 安否確認を開始 for 危機管理 and
// administrators; /safety/N is the dashboard of one (Dashboard.tsx). A target without a role
// comes to /safety/N from a notification (the service worker opens that URL): the banner's
// answer sheet of check N then opens, over the room list.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Safety } from '../api/types';
import { Icon } from '../components/Icon';
import { LoadError } from '../components/LoadError';
import { t } from '../i18n';
import { store } from '../state/app';
import { HOME } from '../state/router';
import { isSafetyManager } from '../state/safety';
import { useStore } from '../state/useStore';
import { formatFull } from '../util/date';
import { listManaged } from './api';
import { Dashboard } from './Dashboard';
import { TrainingTag } from './SafetyBanner';
import { StartDialog } from './StartDialog';
import './safety.css';

export function SafetyView({ id }: { id: number }) {
  const me = useStore((s) => s.me)!;
  const manager = isSafetyManager(me);
  useEffect(() => {
    if (manager || !id) return;
    store.set({ safetyAsk: id });
    store.navigate(HOME, true);
  }, [id]);
  return !id ? <SafetyList /> : manager ? <Dashboard key={id} id={id} /> : null;
}

/** The view's head: back (to the room list on a phone, to the list from a dashboard). */
export function ViewHead({ title, id, back, children }: { title: ComponentChildren; id: string; back: () => void; children?: ComponentChildren }) {
  return (
    <header class="sf-head">
      <button type="button" class="icon-btn" onClick={back} aria-label={t('back')}>
        <Icon name="back" />
      </button>
      <h1 class="sf-head-title" id={id}>
        {title}
      </h1>
      {children}
    </header>
  );
}

/** 実施中 / 終了. */
export function OpenTag({ s }: { s: Safety }) {
  return <span class={'tag ' + (s.open ? 'tag-open' : 'tag-closed')}>{s.open ? t('sfOpen') : t('sfClosed')}</span>;
}

function SafetyList() {
  const me = useStore((s) => s.me)!;
  const lang = useStore((s) => s.settings.lang);
  const live = useStore((s) => s.safetyLive);
  const [list, setList] = useState<Safety[] | null>(null);
  const [next, setNext] = useState<number | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const load = (before = 0) => {
    setFailed(null);
    listManaged(store.api, before).then(
      (r) => {
        setList((l) => [...(before && l ? l : []), ...(r.managed ?? [])]);
        setNext(r.next ?? null);
      },
      (e) => setFailed(store.hub.texts.error(e)),
    );
  };
  useEffect(() => load(), []);
  const mayStart = me.crisis || me.role === 'admin';
  return (
    <section class="sf-view" aria-labelledby="sf-list-title">
      <ViewHead title={t('safety')} id="sf-list-title" back={() => store.navigate({ room: null, panel: null })}>
        {mayStart && (
          <button type="button" class="btn btn-primary" aria-haspopup="dialog" onClick={() => setStarting(true)}>
            {t('sfStart')}
          </button>
        )}
      </ViewHead>
      <div class="sf-body">
        {failed !== null ? (
          <LoadError text={failed} onRetry={() => load()} />
        ) : !list ? (
          <p class="muted">{t('loading')}</p>
        ) : list.length === 0 ? (
          <p class="muted">{t('sfNone')}</p>
        ) : (
          <ul class="sf-list">
            {list.map((x) => {
              const s = live[x.id]?.safety ?? x;
              return (
                <li key={s.id}>
                  <a
                    class={'sf-item' + (s.training ? ' is-training' : '')}
                    href={'/safety/' + s.id}
                    onClick={(e) => {
                      e.preventDefault();
                      store.navigate({ room: null, panel: { safety: s.id } });
                    }}
                  >
                    <span class="sf-item-title">
                      <TrainingTag on={s.training} /> {s.title} <OpenTag s={s} />
                    </span>
                    <span class="sf-item-sub">
                      {t('sfStartedOn', { time: formatFull(s.started_at, lang) })}
                      {s.targets !== undefined && ' · ' + t('sfAnsweredOf', { n: (s.answered ?? 0).toLocaleString(), total: s.targets.toLocaleString() })}
                    </span>
                  </a>
                </li>
              );
            })}
          </ul>
        )}
        {next !== null && list && (
          <button type="button" class="btn more-btn" onClick={() => load(next)}>
            {t('sfMore')}
          </button>
        )}
      </div>
      {starting && <StartDialog onClose={() => setStarting(false)} onUnsure={() => load()} />}
    </section>
  );
}
