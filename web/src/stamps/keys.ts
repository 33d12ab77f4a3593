// Reaction keys (docs/api.md): "s:<stamp id>" for a stamp, else the emoji itself.
import { findStamp, type StampDef } from './catalog';

export const stampKey = (id: string): string => 's:' + id;

/** The stamp a key names, or undefined for an emoji (or a stamp this client does not know). */
export function stampOfKey(key: string): StampDef | undefined {
  return key.startsWith('s:') ? findStamp(key.slice(2)) : undefined;
}

/** What a reaction is, in words (a stamp's Japanese words, or the emoji). */
export function reactionName(key: string): string {
  return key.startsWith('s:') ? (findStamp(key.slice(2))?.ja ?? key.slice(2)) : key;
}
