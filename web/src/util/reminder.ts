// A reminder of an action stamp (system message action_reminded) counts as a mention of
// the reader while they have not answered. Apart from util/actions.ts: the timeline needs
// it in the first load, the rest of the action rules come with the action screens.
import type { Message } from '../api/types';

/**
 * Known from the question when it is loaded, else from the notice's mentions (the first 20
 * reminded).
 */
export function remindsMe(notice: Message, question: Message | undefined, me: number): boolean {
  if (notice.system?.action !== 'action_reminded' || notice.sender === me) return false;
  const a = question?.action;
  if (a) return !a.closed && !a.mine?.length && (a.kind !== 'task' || a.assignees.includes(me));
  return notice.mentions.includes(me);
}
