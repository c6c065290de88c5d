import type { ReactNode } from 'react';
import { Empty } from './Empty';
import { Loading } from './Loading';

/**
 * A loaded list as every page shows it: "Loading…" until the first answer (nothing when that failed: the
 * page's ErrorNote says why), a sentence when the list is empty, else a table with one row per item.
 */
export function DataTable<T>({
  items,
  failed,
  what,
  empty,
  label,
  head,
  row,
}: {
  items: T[] | undefined;
  failed?: boolean;
  what?: string;
  empty: ReactNode;
  /** The table's accessible name, where a page has more than one table or tests look it up by name. */
  label?: string;
  /** The header cells (`<th>`s). */
  head: ReactNode;
  /** One `<tr>` with its key. */
  row: (item: T) => ReactNode;
}) {
  if (items === undefined) return failed ? null : <Loading what={what} />;
  if (items.length === 0) return <Empty>{empty}</Empty>;
  return (
    <div className="table-wrap">
      <table aria-label={label}>
        <thead>
          <tr>{head}</tr>
        </thead>
        <tbody>{items.map(row)}</tbody>
      </table>
    </div>
  );
}
