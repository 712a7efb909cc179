// Page totals without a COUNT when the page itself proves the total: a page shorter than its limit
// that is not past the end holds the last rows, so total = offset + its length. Only a full page
// (or an empty one past the end) asks the database to count. Exact either way.
export interface PageWindow {
  limit: number;
  offset: number;
}

export async function pageTotal(itemCount: number, page: PageWindow, count: () => Promise<number | bigint | string>): Promise<number> {
  if (itemCount < page.limit && (itemCount > 0 || page.offset === 0)) return page.offset + itemCount;
  return Number(await count());
}
