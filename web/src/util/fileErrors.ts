// What to tell the user when an upload stopped (the attachment tray's chip) or a download
// or preview was refused (the file card, the viewer). Loaded with those screens.
import { reasonText, type ErrorLike, type Translate } from './files';

/** An upload refused or given up: what to tell the user. */
export function uploadErrorText(e: ErrorLike, t: Translate): string {
  switch (e.code) {
    case 'payload_too_large': {
      // The limit: `max_bytes` in the error object, else the "at most N MiB" (or "N bytes")
      // of its message.
      let max = Number(e.detail?.max_bytes);
      const m = /at most (\d+) (MiB|bytes)/.exec(e.message);
      if (!(max > 0) && m) max = Number(m[1]) * (m[2] === 'MiB' ? 1024 * 1024 : 1);
      if (!(max > 0)) return t('errTooLargeNoLimit');
      const mb = max / (1024 * 1024);
      return t('errTooLarge', { n: mb >= 1 ? Math.floor(mb) : Math.round(mb * 10) / 10 });
    }
    case 'quota_exceeded':
      return t('errQuota');
    case 'zone_forbidden':
      return t('errZoneUpload');
    case 'not_found':
      return t('errUploadGone');
    case 'network':
      return t('errUploadNetwork');
    case 'permission_denied':
      return t('errPermission');
  }
  if (e.status === 0 || e.status >= 500) return t('errUploadNetwork');
  return t('errGeneric', { msg: e.message });
}

/** A download or preview the server refused: what to tell the user. */
export function fetchErrorText(e: ErrorLike, t: Translate): string {
  switch (e.code) {
    case 'zone_forbidden':
      return t('errZoneDownload');
    case 'file_not_ready':
      return t('errFileNotReady');
    case 'file_withheld':
      return typeof e.detail?.reason === 'string' ? reasonText(e.detail.reason, t) : t('fileWithheld');
    case 'not_found':
      return t('errNotFound');
  }
  if (e.status === 0) return t('errNetwork');
  return t('errGeneric', { msg: e.message });
}
