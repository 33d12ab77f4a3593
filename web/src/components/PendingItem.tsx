// One of my messages that the server has not confirmed yet.
import { t } from '../i18n';
import { store } from '../state/app';
import type { Pending } from '../state/outbox';
import { FileList } from './FileList';

export function PendingItem({ p }: { p: Pending }) {
  const failed = p.status === 'failed';
  return (
    <li class={'msg mine pending' + (failed ? ' failed' : '')} data-client-id={p.client_id}>
      <div class="msg-main">
        <div class="msg-row">
          <div class="bubble">
            {p.reply && (
              <div class="quote">
                <span class="quote-name">{p.reply.sender_name}</span>
                <span class="quote-body">{p.reply.body}</span>
              </div>
            )}
            {p.body && <div class="msg-body">{p.body}</div>}
            {p.files && <FileList files={p.files} />}
          </div>
          <div class="msg-meta">
            {failed ? (
              <span class="send-failed" role="alert">
                {t('sendFailedShort')}
                {p.error ? `（${p.error}）` : ''}
                <button type="button" class="btn btn-small" onClick={() => store.retry(p.client_id)}>
                  {t('retry')}
                </button>
                <button type="button" class="btn btn-small" onClick={() => store.discard(p.client_id)}>
                  {t('discard')}
                </button>
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
