// Text folding for client-side matching (room filter, mention autocomplete): width (NFKC),
// case, and katakana → hiragana, so that タナカ, ﾀﾅｶ and たなか all match 田中's reading.
export function fold(s: string): string {
  let out = '';
  for (const ch of s.normalize('NFKC').toLowerCase()) {
    const c = ch.charCodeAt(0);
    // Katakana ァ(30A1)…ヶ(30F6) → hiragana ぁ(3041)…
    out += c >= 0x30a1 && c <= 0x30f6 ? String.fromCharCode(c - 0x60) : ch;
  }
  return out.replace(/[\s\u3000]+/g, '');
}

/** True if every folded word of `query` occurs in one of the folded `fields`. */
export function matches(query: string, ...fields: (string | null | undefined)[]): boolean {
  const q = fold(query);
  if (!q) return true;
  return fields.some((f) => !!f && fold(f).includes(q));
}
