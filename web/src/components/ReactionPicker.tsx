// Choosing a reaction to a message (its menu's リアクション, a long press on a phone): a
// quick row of a few stamps and emoji, and all the stamps below it. A choice that is
// already mine takes it away, as its chip does.
import type { ComponentChild } from 'preact';
import { useState } from 'preact/hooks';
import type { Message } from '../api/types';
import { t } from '../i18n';
import { store } from '../state/app';
import { toggleReaction } from '../state/collabActions';
import { reactionName, stampKey } from '../stamps/keys';
import { noteStampUsed } from '../stamps/recent';
import { Dialog } from './Dialog';
import { StampGrid } from './StampGrid';
import { StampImg } from './StampImg';

const QUICK_STAMPS = ['ryokai', 'arigato', 'otsukare', 'iine'];
const QUICK_EMOJI = ['👍', '🙏', '😊', '🎉', '👀', '🙇'];

export function ReactionPicker({ m, onClose }: { m: Message; onClose: () => void }) {
  const [more, setMore] = useState(false);
  const mine = new Set((m.reactions ?? []).filter((r) => r.me).map((r) => r.key));
  const pick = (key: string) => {
    onClose();
    void toggleReaction(store.collab, m.room, m.seq, key);
  };
  const quick = (key: string, content: ComponentChild, label: string) => (
    <li key={key}>
      <button type="button" class="reaction-choice" aria-pressed={mine.has(key)} aria-label={label} onClick={() => pick(key)}>
        {content}
      </button>
    </li>
  );
  return (
    <Dialog title={t('reactionPick')} onClose={onClose} sheet>
      <ul class="reaction-quick" aria-label={t('reactionQuick')}>
        {QUICK_STAMPS.map((id) => quick(stampKey(id), <StampImg id={id} size={40} label={false} />, reactionName(stampKey(id))))}
        {QUICK_EMOJI.map((e) => quick(e, <span class="reaction-emoji">{e}</span>, e))}
      </ul>
      {more ? (
        <StampGrid
          autoFocus
          onPick={(id) => {
            noteStampUsed(id);
            pick(stampKey(id));
          }}
        />
      ) : (
        <button type="button" class="btn btn-small reaction-more" onClick={() => setMore(true)}>
          {t('reactionMore')}
        </button>
      )}
    </Dialog>
  );
}
