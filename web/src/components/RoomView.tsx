// The timeline pane of one room: header, messages, composer.
import { useCallback, useState } from 'preact/hooks';
import type { Message } from '../api/types';
import { t } from '../i18n';
import { useStore } from '../state/useStore';
import { Composer } from './Composer';
import { MessageList } from './MessageList';
import { ReadersDialog } from './lazy';
import { RoomHeader } from './RoomHeader';

export function RoomView({ room }: { room: number }) {
  const entry = useStore((s) => s.rooms[room]);
  const [reply, setReply] = useState<Message | null>(null);
  const [readers, setReaders] = useState<Message | null>(null);
  const onReply = useCallback((m: Message) => {
    setReply(m);
    (document.getElementById('composer-input') as HTMLTextAreaElement | null)?.focus();
  }, []);

  if (!entry) return <div class="empty-state">{t('loading')}</div>;
  return (
    <section class="room-view" aria-labelledby="room-title">
      <RoomHeader entry={entry} />
      <MessageList room={room} kind={entry.summary.kind} onReply={onReply} onReaders={setReaders} />
      <Composer room={room} reply={reply} onCancelReply={() => setReply(null)} onSent={() => setReply(null)} />
      {readers && <ReadersDialog message={readers} onClose={() => setReaders(null)} />}
    </section>
  );
}
