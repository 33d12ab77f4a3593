// Names for pasted images.

/**
 * A name for a pasted image that has none of its own ("image.png"):
 * "スクリーンショット_20260412_093015.png". `prefix` is the translated word.
 */
export function pastedName(original: string, type: string, now: Date, prefix: string): string {
  if (original && !/^image\.\w+$/i.test(original)) return original;
  const ext = (type.split('/')[1] || 'png').replace('jpeg', 'jpg').replace(/[^a-z0-9]/gi, '');
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}_${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  return `${prefix}_${stamp}.${ext}`;
}
