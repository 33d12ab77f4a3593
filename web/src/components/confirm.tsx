// confirm() without the browser's dialog: `await ask(text, action)` shows ConfirmDialog (loaded
// with the other dialogs) through the one <ConfirmHost/> of the page, and resolves with the answer.
import { useEffect, useState } from 'preact/hooks';
import { ConfirmDialog } from './lazy';

interface Question {
  text: string;
  action: string;
  answer: (yes: boolean) => void;
}

let current: Question | null = null;
let show: ((q: Question | null) => void) | null = null;

/** Asks the user; true if they chose `action`. A question still open is answered "no". */
export function ask(text: string, action: string): Promise<boolean> {
  current?.answer(false);
  return new Promise((resolve) => {
    const q: Question = {
      text,
      action,
      answer: (yes) => {
        if (current === q) current = null;
        show?.(current);
        resolve(yes);
      },
    };
    current = q;
    show?.(q);
  });
}

export function ConfirmHost() {
  const [q, setQ] = useState<Question | null>(current);
  useEffect(() => {
    show = setQ;
    return () => {
      show = null;
      current?.answer(false);
    };
  }, []);
  return q && <ConfirmDialog key={q.text} text={q.text} action={q.action} onAnswer={q.answer} />;
}
