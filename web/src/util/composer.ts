// What a key press in the composer does. Pure, so it can be tested without a DOM.

export type SendKey = 'enter' | 'ctrl-enter';

/** How the composer sends: by the keys of the settings, or on touch devices by the button only. */
export type SendMode = SendKey | 'button';

/** The most a message may have (Limits::max_message_chars); the counter shows from COUNT_FROM. */
export const MAX_CHARS = 10000;
export const COUNT_FROM = 9000;

export interface KeyLike {
  key: string;
  shiftKey?: boolean;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  isComposing?: boolean;
  keyCode?: number;
}

export type KeyAction = 'send' | 'newline' | 'none';

/**
 * Enter while an IME composition is in progress only confirms the conversion: never send.
 * Browsers report that as isComposing (and Safari as keyCode 229 on the confirming Enter).
 * `composing` is the component's own compositionstart/compositionend tracking.
 */
export function composerKeyAction(e: KeyLike, mode: SendMode, composing = false): KeyAction {
  if (e.key !== 'Enter') return 'none';
  if (e.isComposing || composing || e.keyCode === 229) return 'none';
  // A phone keyboard has no Shift+Enter: Enter writes a new line, the button sends.
  if (mode === 'button') return 'newline';
  const mod = !!(e.ctrlKey || e.metaKey);
  if (mode === 'enter') {
    if (e.shiftKey || e.altKey) return 'newline';
    return 'send';
  }
  // ctrl-enter mode: Ctrl/⌘+Enter sends, Enter adds a line (the textarea's default).
  return mod ? 'send' : 'newline';
}

/** The length the text would have with `pasted` replacing the selection [start, end). */
export function lengthAfterPaste(text: string, start: number, end: number, pasted: string): number {
  return text.length - (end - start) + pasted.length;
}

/** A message body worth sending: not empty and not only white space. */
export function sendable(body: string): boolean {
  return body.trim().length > 0;
}
