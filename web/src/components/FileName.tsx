// A file name cut in the middle when it is long ("令和8年度予算説明資…_最終版.xlsx"), keeping
// its start and extension; screen readers get the whole name, and so does the tooltip.
import { middleEllipsis } from '../util/files';

export function FileName({ name, class: cls, max }: { name: string; class?: string; max?: number }) {
  const shown = middleEllipsis(name, max);
  return (
    <span class={cls} title={name}>
      {shown === name ? (
        name
      ) : (
        <>
          <span aria-hidden="true">{shown}</span>
          <span class="sr-only">{name}</span>
        </>
      )}
    </span>
  );
}
