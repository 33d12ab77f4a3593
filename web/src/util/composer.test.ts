import { describe, expect, it } from 'vitest';
import { composerKeyAction, lengthAfterPaste, sendable } from './composer';

describe('composerKeyAction', () => {
  it('Enter sends and Shift+Enter adds a line (default)', () => {
    expect(composerKeyAction({ key: 'Enter' }, 'enter')).toBe('send');
    expect(composerKeyAction({ key: 'Enter', shiftKey: true }, 'enter')).toBe('newline');
    expect(composerKeyAction({ key: 'a' }, 'enter')).toBe('none');
  });
  it('never sends while an IME composition is in progress', () => {
    expect(composerKeyAction({ key: 'Enter', isComposing: true }, 'enter')).toBe('none');
    expect(composerKeyAction({ key: 'Enter', keyCode: 229 }, 'enter')).toBe('none');
    expect(composerKeyAction({ key: 'Enter' }, 'enter', true)).toBe('none');
    expect(composerKeyAction({ key: 'Enter', ctrlKey: true, isComposing: true }, 'ctrl-enter')).toBe('none');
  });
  it('on a touch screen Enter always adds a line (the button sends)', () => {
    expect(composerKeyAction({ key: 'Enter' }, 'button')).toBe('newline');
    expect(composerKeyAction({ key: 'Enter', ctrlKey: true }, 'button')).toBe('newline');
    expect(composerKeyAction({ key: 'Enter', isComposing: true }, 'button')).toBe('none');
  });
  it('measures a paste as replacing the selection', () => {
    expect(lengthAfterPaste('abcdef', 1, 3, 'xyz')).toBe(7);
    expect(lengthAfterPaste('', 0, 0, 'x'.repeat(10001))).toBe(10001);
  });
  it('can be switched to Ctrl+Enter', () => {
    expect(composerKeyAction({ key: 'Enter' }, 'ctrl-enter')).toBe('newline');
    expect(composerKeyAction({ key: 'Enter', ctrlKey: true }, 'ctrl-enter')).toBe('send');
    expect(composerKeyAction({ key: 'Enter', metaKey: true }, 'ctrl-enter')).toBe('send');
  });
});

describe('sendable', () => {
  it('refuses empty and white-space bodies', () => {
    expect(sendable('')).toBe(false);
    expect(sendable(' \n\u3000')).toBe(false);
    expect(sendable('了解です')).toBe(true);
  });
});
