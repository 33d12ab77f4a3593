// One attachment in the timeline, as this zone may get it: an image as its thumbnail (its
// place reserved from width/height, so nothing jumps when it loads), a PDF or any other file
// as a card (name, size, state); processing with a spinner; withheld/blocked with the
// reason. No state of its own: FileList owns the actions and their errors.
import type { FileInfo, Zone } from '../api/types';
import { t } from '../i18n';
import {
  accessOf,
  contentUrl,
  extLabel,
  fileKind,
  fitBox,
  formatSize,
  mapUrl,
  reasonText,
  servedName,
  thumbnailUrl,
  viewable,
} from '../util/files';
import { FileName } from './FileName';
import { Icon } from './Icon';

export const THUMB_MAX = 240;

export interface FileCardProps {
  file: FileInfo;
  zone: Zone;
  /** A refused download or preview: what the server said. */
  error?: string;
  /** Opens the image in the viewer (absent: the thumbnail is not a button). */
  onOpen?: (f: FileInfo) => void;
  onDownload: (f: FileInfo, e: Event) => void;
  onOpenPdf: (f: FileInfo, e: Event) => void;
}

export function FileCard({ file: f, zone, error, onOpen, onDownload, onOpenPdf }: FileCardProps) {
  const access = accessOf(f, zone);
  const kind = fileKind(f, zone);
  const name = servedName(f, zone);
  const badge = zone === 'lgwan' && f.state === 'ready' && !!f.sanitized;
  const size = zone === 'lgwan' && f.state === 'ready' && f.clean_size ? f.clean_size : f.size;
  const extras = (
    <>
      {zone === 'internet' && f.state === 'withheld' && (
        <p class="file-note">{t('withheldForLgwan', { reason: reasonText(f.reason, t) })}</p>
      )}
      {f.location && access === 'full' && (
        <a class="file-map" href={mapUrl(f.location.lat, f.location.lon)} target="_blank" rel="noopener noreferrer">
          <Icon name="pin" size={16} />
          {t('showOnMap')}
        </a>
      )}
      {error && (
        <p class="file-error" role="alert">
          {error}
        </p>
      )}
    </>
  );
  const badgeEl = badge && (
    <span class="file-badge" title={t('sanitizedHint')}>
      {t('sanitizedBadge')}
    </span>
  );

  if (access === 'full' && kind === 'image' && f.thumbnail) {
    const box = fitBox(f.width, f.height, THUMB_MAX);
    const img = <img src={thumbnailUrl(f.id)} alt={name} width={box.w} height={box.h} loading="lazy" decoding="async" />;
    return (
      <li class="file file-image" data-file={f.id} data-state={f.state}>
        <span class="file-thumb-wrap">
          {onOpen && viewable(f, zone) ? (
            <button type="button" class="file-thumb" onClick={() => onOpen(f)} aria-label={t('openImage', { name })}>
              {img}
            </button>
          ) : (
            <a
              class="file-thumb"
              href={contentUrl(f.id)}
              download
              onClick={(e) => onDownload(f, e)}
              aria-label={t('downloadOf', { name })}
            >
              {img}
            </a>
          )}
          {badgeEl}
        </span>
        {extras}
      </li>
    );
  }

  const refused = access === 'refused';
  const pdfThumb = kind === 'pdf' && access === 'full' && f.thumbnail ? fitBox(f.width, f.height, 64) : null;
  return (
    <li class={'file file-card' + (refused ? ' file-refused' : '')} data-file={f.id} data-state={f.state}>
      <div class="file-row">
        <span class={'file-icon' + (pdfThumb ? ' file-icon-thumb' : '')} aria-hidden="true">
          {pdfThumb ? (
            <img src={thumbnailUrl(f.id)} alt="" width={pdfThumb.w} height={pdfThumb.h} loading="lazy" decoding="async" />
          ) : (
            <>
              <Icon name={kind === 'image' ? 'image' : 'file'} size={26} />
              <span class="file-ext">{extLabel(name)}</span>
            </>
          )}
        </span>
        <span class="file-text">
          {access === 'full' && kind === 'pdf' ? (
            <a
              class="file-name"
              href={contentUrl(f.id, true)}
              target="_blank"
              rel="noopener noreferrer"
              onClick={(e) => onOpenPdf(f, e)}
            >
              <FileName name={name} />
            </a>
          ) : (
            <FileName name={name} class="file-name" />
          )}
          <span class="file-meta">
            {formatSize(size)}
            {f.pages ? ' · ' + t('pagesN', { n: f.pages }) : ''}
            {badgeEl}
          </span>
          {access === 'processing' && (
            <span class="file-state" role="status">
              <span class="spinner" aria-hidden="true" />
              {t('fileProcessing')}
            </span>
          )}
          {refused && (
            <span class="file-reason">
              <strong>{f.state === 'blocked' ? t('fileBlocked') : t('fileWithheld')}</strong>
              <span>{reasonText(f.reason, t)}</span>
            </span>
          )}
        </span>
        {access === 'full' && (
          <a
            class="icon-btn file-download"
            href={contentUrl(f.id)}
            download
            onClick={(e) => onDownload(f, e)}
            aria-label={t('downloadOf', { name })}
            title={t('download')}
          >
            <Icon name="download" size={20} />
          </a>
        )}
      </div>
      {extras}
    </li>
  );
}
