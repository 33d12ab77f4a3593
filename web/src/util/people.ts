import type { User } from '../api/types';

/** The full 所属 path as shown: "総務部 › 総務課 › 庶務係" (the name alone if no path). */
export function deptPath(u: User): string {
  const d = u.department;
  return d ? (d.path || d.name).split('/').join(' › ') : '';
}
