// The answer-only screen's poll (AnswerOnly.tsx): GET /api/safety in place of the
// connection's frames.
import type { Safety } from '../api/types';
import { replaceChecks, type MyCheck } from '../state/safety';

/**
 * The server's list of my open checks put in place of `old`: a check new since an earlier
 * poll (`tell`) is notified; an answer of mine recorded after the list was read is kept.
 */
export function pollResult(old: MyCheck[], now: Safety[], tell: (s: Safety) => void): MyCheck[] {
  return replaceChecks(old, now).map((s) => {
    const o = old.find((x) => x.id === s.id);
    if (!o) tell(s);
    return o && (o.answered_at ?? 0) > (s.answered_at ?? 0)
      ? { ...s, answered_at: o.answered_at, answered_by: o.answered_by, proxy: o.proxy, answer: o.answer }
      : s;
  });
}
