// The stamps this browser used last (the picker's 最近使ったスタンプ row), newest first.
import { findStamp } from './catalog';

const KEY = 'tonari.stamps.recent';
const MAX = 8;

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export function recentStamps(): string[] {
  try {
    const list = JSON.parse(storage()?.getItem(KEY) ?? '[]') as unknown;
    return Array.isArray(list) ? list.filter((id): id is string => typeof id === 'string' && !!findStamp(id)).slice(0, MAX) : [];
  } catch {
    return [];
  }
}

export function noteStampUsed(id: string): void {
  try {
    storage()?.setItem(KEY, JSON.stringify([id, ...recentStamps().filter((x) => x !== id)].slice(0, MAX)));
  } catch {
    // Full or refused: the row simply does not change.
  }
}
