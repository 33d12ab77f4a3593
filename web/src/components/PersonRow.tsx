import type { User } from '../api/types';
import { Avatar } from './Avatar';
import { DisabledMark, personFacts } from './RoomNotes';

/** A colleague in a list row: name, 所属 path, title, 内線, ひとこと; 利用停止 marked. */
export function PersonRow({ u, extra }: { u: User; extra?: string }) {
  return (
    <>
      <Avatar name={u.name} id={u.id} size={32} />
      <span class={'person-text' + (u.disabled ? ' is-off' : '')}>
        <span class="person-name">
          {u.name}
          {extra && <span class="tag">{extra}</span>}
          {u.disabled && <DisabledMark />}
        </span>
        <span class="person-sub">{personFacts(u)}</span>
      </span>
    </>
  );
}
