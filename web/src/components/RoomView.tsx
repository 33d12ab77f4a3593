// The timeline pane of one room: header, messages, composer. Files dropped anywhere on it
// are attached to the message being written.
import { useCallback, useRef, useState } from 'preact/hooks';
import type { Message } from '../api/types';
import { t } from '../i18n';
import { useStore } from '../state/useStore';
import { attachFiles, Composer } from './Composer';
import { MessageList } from './MessageList';
import { PinnedBar, PostingClosed, ReadersDialog } from './lazy';
import { Icon } from './Icon';
import { RoomHeader } from './RoomHeader';

export function RoomView({ room }: { room: number }) {
  const entry = useStore((s) => s.rooms[room]);
  const [reply, setReply] = useState<Message | null>(null);
  const [readers, setReaders] = useState<Message | null>(null);
  const [dragging, setDragging] = useState(false);
  const depth = useRef(0);
  const onReply = useCallback((m: Message) => {
    setReply(m);
    (document.getElementById('composer-input') as HTMLTextAreaElement | null)?.focus();
  }, []);

  if (!entry) return <div class="empty-state">{t('loading')}</div>;
  // Only drags that carry files (not text or a link being moved about) show the drop zone.
  const hasFiles = (e: DragEvent) =>
    entry.summary.can.post && !!e.dataTransfer && Array.from(e.dataTransfer.types).includes('Files');
  const onDragEnter = (e: DragEvent) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth.current++;
    setDragging(true);
  };
  const onDragOver = (e: DragEvent) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    e.dataTransfer!.dropEffect = 'copy';
  };
  const onDragLeave = (e: DragEvent) => {
    if (!hasFiles(e)) return;
    depth.current = Math.max(0, depth.current - 1);
    if (depth.current === 0) setDragging(false);
  };
  const onDrop = (e: DragEvent) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth.current = 0;
    setDragging(false);
    attachFiles(room, Array.from(e.dataTransfer!.files));
    (document.getElementById('composer-input') as HTMLTextAreaElement | null)?.focus();
  };

  return (
    <section
      class="room-view"
      aria-labelledby="room-title"
      onDragEnter={onDragEnter}
      onDragOver={onDragOver}
      onDragLeave={onDragLeave}
      onDrop={onDrop}
    >
      <RoomHeader entry={entry} />
      <PinnedBar room={room} />
      <MessageList room={room} kind={entry.summary.kind} onReply={onReply} onReaders={setReaders} />
      {entry.summary.can.post ? (
        <Composer room={room} reply={reply} onCancelReply={() => setReply(null)} onSent={() => setReply(null)} />
      ) : (
        <PostingClosed rules={entry.summary.rules} />
      )}
      {readers && <ReadersDialog message={readers} onClose={() => setReaders(null)} />}
      {dragging && (
        <div class="drop-zone" aria-hidden="true">
          <Icon name="clip" size={32} />
          {t('dropHere')}
        </div>
      )}
    </section>
  );
}
