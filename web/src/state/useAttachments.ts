// Components that show a room's attachments re-render (at most once a frame) as their
// uploads move.
import { useEffect, useReducer } from 'preact/hooks';
import { store } from './app';
import type { Attachment } from './attachments';

export function useAttachments(room: number): Attachment[] {
  const [, tick] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    let frame = 0;
    const unsub = store.attachments.subscribe(() => {
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        tick(0);
      });
    });
    return () => {
      unsub();
      if (frame) cancelAnimationFrame(frame);
    };
  }, []);
  return store.attachments.list(room);
}
