// One search result: where (the room), who and when, a note's title or a file's name, and the
// snippet, with the matches marked. The pieces come from the server as text and are drawn as
// text nodes (never as HTML), so nothing in a message can become markup here.
import type { SearchPiece, SearchResult } from '../api/types';
import { Icon } from '../components/Icon';
import { lang, t } from '../i18n';
import { formatFull } from '../util/date';
import { memo } from '../util/memo';
import { resultKey } from './query';

export function Pieces({ p }: { p: SearchPiece[] }) {
  return <>{p.map((x, i) => (x.hit ? <mark key={i}>{x.text}</mark> : x.text))}</>;
}

/** When, short: 14:05 today, 11/20 14:05 this year, 2025/11/20 before. */
export function resultTime(at: number, now = Date.now()): string {
  const d = new Date(at);
  const n = new Date(now);
  const hm = `${d.getHours()}:${String(d.getMinutes()).padStart(2, '0')}`;
  if (d.toDateString() === n.toDateString()) return hm;
  if (d.getFullYear() === n.getFullYear()) return `${d.getMonth() + 1}/${d.getDate()} ${hm}`;
  return `${d.getFullYear()}/${d.getMonth() + 1}/${d.getDate()}`;
}

function ResultItem({ r, onOpen }: { r: SearchResult; onOpen: (r: SearchResult) => void }) {
  const kind = r.kind === 'note' ? t('searchKindNotes') : r.kind === 'file' ? t('searchKindFiles') : '';
  return (
    <li>
      <button type="button" class={'sr-item sr-' + r.kind} data-key={resultKey(r)} onClick={() => onOpen(r)}>
        <span class="sr-meta">
          {kind && (
            <span class="sr-kind">
              <Icon name={r.kind === 'note' ? 'note' : 'file'} size={14} />
              {kind}
            </span>
          )}
          <span class="sr-room">{r.room.name}</span>
          <span class="sr-sender">{r.sender.name}</span>
          <time class="sr-time" dateTime={new Date(r.at).toISOString()} title={formatFull(r.at, lang())}>
            {resultTime(r.at)}
          </time>
        </span>
        {r.title && r.title.length > 0 && (
          <span class="sr-title">
            <Pieces p={r.title} />
          </span>
        )}
        {r.snippet.length > 0 && (
          <span class="sr-snippet">
            <Pieces p={r.snippet} />
          </span>
        )}
      </button>
    </li>
  );
}

export const SearchResultItem = memo(ResultItem);
