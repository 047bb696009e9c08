import type { Key, ReactNode } from 'react';

export interface Column<Row> {
  /** The column's header; on a narrow screen, where each row is a card, it labels the value. */
  header: string;
  /** Only screen readers read the header (a column of buttons, say). */
  hideHeader?: boolean;
  cell: (row: Row) => ReactNode;
  /** Classes of the column's cells (`mono`, `small-text`, `nowrap`, ...). */
  className?: string;
}

interface DataTableProps<Row> {
  /** Names the table for screen readers. */
  caption: string;
  columns: readonly Column<Row>[];
  rows: readonly Row[];
  rowKey: (row: Row) => Key;
  className?: string;
  /** Marks a row (e.g. "you"), as a class on its <tr>. */
  rowClassName?: (row: Row) => string | undefined;
}

/**
 * The console's one table: a caption, column headers, and a row per item. Below 640 px each row
 * becomes a card whose values carry their column's header, so nothing scrolls sideways.
 */
export function DataTable<Row>({ caption, columns, rows, rowKey, className, rowClassName }: DataTableProps<Row>) {
  return (
    <div className="table-wrap">
      <table className={`table data-table${className ? ` ${className}` : ''}`}>
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column.header} scope="col">
                {column.hideHeader ? <span className="sr-only">{column.header}</span> : column.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)} className={rowClassName?.(row)}>
              {columns.map((column) => (
                <td key={column.header} className={column.className} data-label={column.hideHeader ? undefined : column.header}>
                  {column.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
