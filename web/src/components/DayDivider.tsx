import { lang } from '../i18n';
import { formatDay } from '../util/date';

export function DayDivider({ ts }: { ts: number }) {
  return (
    <li class="day-divider">
      <span>{formatDay(ts, lang())}</span>
    </li>
  );
}
