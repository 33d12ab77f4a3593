// Dates and times as Japanese staff read them: 2026年11月22日（日）, 14:05, 昨日, 11/20.
import type { Lang } from '../i18n';

const WD_JA = ['日', '月', '火', '水', '木', '金', '土'];
const WD_EN = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MON_EN = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad = (n: number) => (n < 10 ? '0' + n : '' + n);

export function dayKey(ts: number): string {
  const d = new Date(ts);
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}

export function sameDay(a: number, b: number): boolean {
  return dayKey(a) === dayKey(b);
}

/** A day separator: 2026年11月22日（日）, with 今日 / 昨日 in front when it applies. */
export function formatDay(ts: number, lang: Lang, now = Date.now()): string {
  const d = new Date(ts);
  const y = d.getFullYear();
  const m = d.getMonth() + 1;
  const day = d.getDate();
  const wd = d.getDay();
  const yesterday = now - 86400000;
  if (lang === 'en') {
    const base = `${WD_EN[wd]}, ${MON_EN[m - 1]} ${day}, ${y}`;
    if (sameDay(ts, now)) return `Today · ${base}`;
    if (sameDay(ts, yesterday)) return `Yesterday · ${base}`;
    return base;
  }
  const base = `${y}年${m}月${day}日（${WD_JA[wd]}）`;
  if (sameDay(ts, now)) return `今日 ${base}`;
  if (sameDay(ts, yesterday)) return `昨日 ${base}`;
  return base;
}

export function formatTime(ts: number): string {
  const d = new Date(ts);
  return `${d.getHours()}:${pad(d.getMinutes())}`;
}

/** Short time for the room list: 14:05 today, 昨日, 11/20 this year, 2025/11/20 before. */
export function formatListTime(ts: number, lang: Lang, now = Date.now()): string {
  if (!ts) return '';
  const d = new Date(ts);
  if (sameDay(ts, now)) return formatTime(ts);
  if (sameDay(ts, now - 86400000)) return lang === 'en' ? 'Yesterday' : '昨日';
  const n = new Date(now);
  if (d.getFullYear() === n.getFullYear()) return `${d.getMonth() + 1}/${d.getDate()}`;
  return `${d.getFullYear()}/${d.getMonth() + 1}/${d.getDate()}`;
}

/** Full date and time for tooltips: 2026年11月22日 14:05 */
export function formatFull(ts: number, lang: Lang): string {
  const d = new Date(ts);
  if (lang === 'en') return `${MON_EN[d.getMonth()]} ${d.getDate()}, ${d.getFullYear()} ${formatTime(ts)}`;
  return `${d.getFullYear()}年${d.getMonth() + 1}月${d.getDate()}日 ${formatTime(ts)}`;
}
