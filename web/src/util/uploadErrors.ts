// The text for an upload that stopped (the attachment tray shows it on the file's chip).
import type { ErrorLike, Translate } from './files';

/** An upload refused or given up: what to tell the user. */
export function uploadErrorText(e: ErrorLike, t: Translate): string {
  switch (e.code) {
    case 'payload_too_large': {
      const max = Number(e.detail?.max_bytes);
      if (max > 0) return t('errTooLarge', { n: Math.floor(max / (1024 * 1024)) });
      return t('errTooLargeNoLimit');
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
