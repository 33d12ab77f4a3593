// The files attached to the message being written, above the composer: a preview (images),
// name, size, a progress bar, and × to stop the upload or take the file off.
import { t } from '../i18n';
import { store } from '../state/app';
import type { Attachment } from '../state/attachments';
import { extLabel, formatSize } from '../util/files';
import { uploadErrorText } from '../util/fileErrors';
import { FileName } from './FileName';
import { Icon } from './Icon';
import './attach.css';

function statusText(a: Attachment): string {
  const u = a.upload;
  switch (u.phase) {
    case 'queued':
      return t('uploadQueued');
    case 'uploading':
      return t('uploadingPct', { n: u.size ? Math.floor((u.loaded * 100) / u.size) : 100 });
    case 'waiting':
      return t('uploadWaiting');
    case 'done':
      return t('uploadDone');
    default:
      return '';
  }
}

export function AttachmentTray({ room, list }: { room: number; list: Attachment[] }) {
  if (!list.length) return null;
  return (
    <ul class="att-tray" aria-label={t('attachments')}>
      {list.map((a) => {
        const u = a.upload;
        const phase = u.phase;
        const finished = phase === 'done' || phase === 'failed';
        return (
          <li key={a.key} class={'att att-' + phase} data-phase={phase}>
            <span class="att-thumb" aria-hidden="true">
              {a.preview ? (
                <img src={a.preview} alt="" />
              ) : (
                <>
                  <Icon name={a.type.startsWith('image/') ? 'image' : 'file'} size={22} />
                  <span class="file-ext">{extLabel(a.name)}</span>
                </>
              )}
            </span>
            <span class="att-text">
              <FileName name={a.name} class="att-name" max={24} />
              <span class="att-meta">
                {formatSize(a.size)}
                {phase !== 'failed' && ' · ' + statusText(a)}
              </span>
              {phase !== 'failed' && phase !== 'done' && (
                <progress
                  class="att-progress"
                  max={Math.max(1, a.size)}
                  value={u.loaded}
                  aria-label={t('uploadProgress', { name: a.name })}
                />
              )}
              {u.phase === 'failed' && u.error && (
                <span class="att-error" role="alert">
                  {uploadErrorText(u.error, t)}
                  {u.error.retryable && (
                    <button type="button" class="btn btn-small" onClick={() => store.attachments.retry(room, a.key)}>
                      {t('retryUpload')}
                    </button>
                  )}
                </span>
              )}
            </span>
            <button
              type="button"
              class="icon-btn att-remove"
              onClick={() => store.attachments.remove(room, a.key)}
              aria-label={finished ? t('removeAttachment', { name: a.name }) : t('cancelUploadOf', { name: a.name })}
              title={finished ? undefined : t('stopUpload')}
            >
              <Icon name="close" size={18} />
            </button>
          </li>
        );
      })}
    </ul>
  );
}
