import { describe, expect, it } from 'vitest';
import { composerKeyAction, sendable } from './composer';

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
