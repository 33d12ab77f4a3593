// A message's reactions: one chip per stamp or emoji with its count, marked when mine; a
// click puts mine or takes it away. Who reacted shows on hovering a chip (PC), focusing it
// (keyboard) or a long press (phone): a page at a time from the server, in 五十音 order.
import { useEffect, useRef, useState } from 'preact/hooks';
import { reactionUsers, type UserAt } from '../api/collab';
import type { Message, Reaction } from '../api/types';
import { t } from '../i18n';
import { store } from '../state/app';
import { toggleReaction } from '../state/collabActions';
import { reactionName, stampOfKey } from '../stamps/keys';
import { useLongPress } from '../util/longPress';
import { StampImg } from './StampImg';

const PAGE = 20;
const OPEN_MS = 400;

export function Reactions({ m }: { m: Message }) {
  return (
    <ul class="reactions" aria-label={t('reactionsOf')}>
      {(m.reactions ?? []).map((r) => (
        <Chip key={r.key} m={m} r={r} />
      ))}
    </ul>
  );
}

function Chip({ m, r }: { m: Message; r: Reaction }) {
  // Open: below the chip, or above it in the lower half of the window (the timeline clips).
  const [open, setOpen] = useState<'' | 'below' | 'above'>('');
  const li = useRef<HTMLLIElement>(null);
  const timer = useRef<ReturnType<typeof setTimeout>>();
  const later = (v: boolean, ms: number) => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setOpen(v ? where() : ''), ms);
  };
  const where = () => ((li.current?.getBoundingClientRect().top ?? 0) > window.innerHeight / 2 ? 'above' : 'below');
  useEffect(() => () => clearTimeout(timer.current), []);
  const press = useLongPress(() => setOpen(where()));
  const stamp = stampOfKey(r.key);
  const what = reactionName(r.key);
  return (
    <li
      ref={li}
      class="reaction"
      onMouseEnter={() => later(true, OPEN_MS)}
      onMouseLeave={() => later(false, 200)}
      onFocusOut={(e) => {
        if (!(e.currentTarget as HTMLElement).contains(e.relatedTarget as Node)) later(false, 0);
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && open) {
          e.stopPropagation();
          later(false, 0);
        }
      }}
    >
      <button
        type="button"
        class={'reaction-chip' + (r.me ? ' mine' : '')}
        aria-pressed={!!r.me}
        aria-label={t(r.me ? 'reactionChipMine' : 'reactionChip', { what, n: r.count })}
        onClick={() => void toggleReaction(store.collab, m.room, m.seq, r.key)}
        onFocus={(e) => (e.currentTarget as HTMLElement).matches(':focus-visible') && later(true, OPEN_MS)}
        {...press}
      >
        {stamp ? <StampImg id={stamp.id} size={22} label={false} /> : <span class="reaction-emoji">{r.key}</span>}
        <span class="reaction-count">{r.count}</span>
      </button>
      {open && <ReactedBy m={m} r={r} what={what} above={open === 'above'} />}
    </li>
  );
}

/** Who put reaction `r`: the first page, then more on request; "ほかN人" for the rest. */
function ReactedBy({ m, r, what, above }: { m: Message; r: Reaction; what: string; above: boolean }) {
  const [users, setUsers] = useState<UserAt[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const load = async (after: string | null) => {
    setBusy(true);
    try {
      const page = await reactionUsers(store.api, m.room, m.seq, r.key, { after, limit: PAGE });
      setUsers((u) => [...(after ? (u ?? []) : []), ...page.users]);
      setNext(page.next);
    } catch (e) {
      store.hub.fail(e);
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    void load(null);
  }, [r.count]);
  const rest = users ? Math.max(0, r.count - users.length) : 0;
  return (
    <div class={'reacted-by' + (above ? ' above' : '')} role="group" aria-label={t('reactedBy', { what })}>
      <p class="reacted-what">{t('reactedBy', { what })}</p>
      {users === null ? (
        <p class="reacted-names">{t('loading')}</p>
      ) : (
        <p class="reacted-names">
          {users.map((u) => u.name).join('、')}
          {rest > 0 && <span class="reacted-rest">{(users.length ? '、' : '') + t('reactedOthers', { n: rest })}</span>}
        </p>
      )}
      {next && rest > 0 && (
        <button type="button" class="btn btn-small" disabled={busy} onClick={() => void load(next)}>
          {t('reactedMore')}
        </button>
      )}
    </div>
  );
}
