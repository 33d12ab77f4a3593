// A message's attachments. Downloads and PDF previews ask the server first (probe) so that a
// refusal shows its reason on the card instead of a page of JSON.
import { useReducer, useState } from 'preact/hooks';
import { probe, saveUrl } from '../api/files';
import type { FileInfo } from '../api/types';
import { hasFileTexts, loadFileTexts, t } from '../i18n';
import { useStore } from '../state/useStore';
import { accessOf, contentUrl, viewable } from '../util/files';
import { FileCard } from './FileCard';

export function FileList({
  files,
  onView,
}: {
  files: FileInfo[];
  /** Opens the viewer on images[index] (the message's images this zone may see). */
  onView?: (images: FileInfo[], index: number) => void;
}) {
  const zone = useStore((s) => s.zone);
  const [errors, setErrors] = useState<Record<number, string>>({});
  const [, loaded] = useReducer((n: number) => n + 1, 0);
  const images = files.filter((f) => viewable(f, zone));
  // Why a file is withheld is told in texts loaded on demand.
  const explains = files.some((f) => accessOf(f, zone) === 'refused' || (zone === 'internet' && f.state === 'withheld'));
  if (explains && !hasFileTexts()) loadFileTexts().then(loaded, () => {});

  const act = async (f: FileInfo, e: Event, pdf: boolean) => {
    e.preventDefault();
    const url = contentUrl(f.id, pdf);
    const err = await probe(url);
    // A refusal is rare: its texts come when needed.
    const text = err ? (await Promise.all([import('../util/fileErrors'), loadFileTexts()]))[0].fetchErrorText(err, t) : '';
    setErrors((cur) => {
      const next = { ...cur };
      if (text) next[f.id] = text;
      else delete next[f.id];
      return next;
    });
    if (err) return;
    if (pdf) window.open(url, '_blank', 'noopener,noreferrer');
    else saveUrl(url);
  };

  return (
    <ul class={'files' + (images.length > 1 ? ' files-grid' : '')}>
      {files.map((f) => (
        <FileCard
          key={f.id}
          file={f}
          zone={zone}
          error={errors[f.id]}
          onOpen={onView ? (x) => onView(images, images.indexOf(x)) : undefined}
          onDownload={(x, e) => void act(x, e, false)}
          onOpenPdf={(x, e) => void act(x, e, true)}
        />
      ))}
    </ul>
  );
}
