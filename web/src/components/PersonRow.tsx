import type { User } from '../api/types';
import { Avatar } from './Avatar';

/** Name, department and title of a colleague (the content of list rows). */
export function PersonRow({ u, extra }: { u: User; extra?: string }) {
  return (
    <>
      <Avatar name={u.name} id={u.id} size={32} />
      <span class="person-text">
        <span class="person-name">
          {u.name}
          {extra && <span class="tag">{extra}</span>}
        </span>
        <span class="person-sub">{[u.department?.name, u.title].filter(Boolean).join(' ')}</span>
      </span>
    </>
  );
}
