// One of my messages that the server has not confirmed yet. After a few seconds without an
// answer (or at once when offline) it says it is not sent yet — it still goes by itself when
// the connection is back — and offers to send it again now or, while it has not gone out on
// any connection (or was refused), to discard it: once handed to a socket it may already be
// stored, and discarding it would only hide it until it shows up.
import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n';
import { store } from '../state/app';
import { UNSENT_AFTER_MS, type Pending } from '../state/outbox';
import { useStore } from '../state/useStore';
import { FileList } from './FileList';
import { StampImg } from './lazy';

export function PendingItem({ p }: { p: Pending }) {
  const offline = useStore((s) => s.net !== 'online' || s.conn === 'waiting');
  const since = p.triedAt ?? p.created_at;
  const [late, setLate] = useState(() => Date.now() - since >= UNSENT_AFTER_MS);
  useEffect(() => {
    const wait = since + UNSENT_AFTER_MS - Date.now();
    setLate(wait <= 0);
    if (wait <= 0) return;
    const timer = setTimeout(() => setLate(true), wait);
    return () => clearTimeout(timer);
  }, [since]);
  const failed = p.status === 'failed';
  const unsent = !failed && p.ackSeq === undefined && (late || offline);
  const discardable = failed || p.sentOn === 0;
  const actions = (
    <>
      <button type="button" class="btn btn-small" onClick={() => store.retry(p.client_id)}>
        {t('retry')}
      </button>
      {discardable && (
        <button type="button" class="btn btn-small" onClick={() => store.discard(p.client_id)}>
          {t('discard')}
        </button>
      )}
    </>
  );
  return (
    <li class={'msg mine pending' + (failed ? ' failed' : unsent ? ' unsent' : '')} data-client-id={p.client_id}>
      <div class="msg-main">
        <div class="msg-row">
          <div class={p.stamp ? 'stamp-msg' : 'bubble'}>
            {p.reply && (
              <div class="quote">
                <span class="quote-name">{p.reply.sender_name}</span>
                <span class="quote-body">{p.reply.body}</span>
              </div>
            )}
            {p.stamp && <StampImg id={p.stamp} />}
            {p.body && <div class="msg-body">{p.body}</div>}
            {p.files && <FileList files={p.files} />}
          </div>
          <div class="msg-meta">
            {failed ? (
              <span class="send-failed" role="alert">
                {t('sendFailedShort')}
                {p.error ? `（${p.error}）` : ''}
                {actions}
              </span>
            ) : unsent ? (
              <span class="send-failed send-unsent" role="status">
                {t('unsent')}
                {actions}
              </span>
            ) : (
              <span class="sending">{t('sending')}</span>
            )}
          </div>
        </div>
      </div>
    </li>
  );
}
