import { splitBody } from '../util/mentions';

/** Message text with @mentions highlighted and web links clickable. */
export function MessageBody({ body, names }: { body: string; names: string[] }) {
  return (
    <div class="msg-body">
      {splitBody(body, names).map((seg, i) =>
        seg.t === 'mention' ? (
          <span key={i} class="mention">
            {seg.s}
          </span>
        ) : seg.t === 'link' ? (
          <a key={i} href={seg.s} target="_blank" rel="noopener noreferrer">
            {seg.s}
          </a>
        ) : (
          seg.s
        ),
      )}
    </div>
  );
}
