import type { User } from '../api/types';
import { deptPath } from '../util/people';
import { Avatar } from './Avatar';
import { DisabledMark } from './lazy';

/** Name, 所属 path and title of a colleague (the content of list rows); 利用停止 marked. */
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
        <span class="person-sub">{[deptPath(u), u.title].filter(Boolean).join(' ')}</span>
      </span>
    </>
  );
}
