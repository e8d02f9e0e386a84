/**
 * Compares strings by the UTF-8 bytes they encode to, which is the order every goka-ts backend
 * iterates in (LevelDB's and Redis' byte order), without encoding them.
 *
 * JavaScript's `<` compares UTF-16 code units, which puts surrogate pairs (U+10000 and above) before
 * U+E000..U+FFFF; UTF-8 puts them after. Only the first differing code unit matters, so the fix-up
 * runs once per comparison.
 */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        // Surrogates (0xD800..0xDFFF) move above 0xE000..0xFFFF, which move down to make room.
        x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
        y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}

/** First index in `sorted` whose key is >= `key` (`sorted.length` when none). */
export function lowerBound(sorted: readonly string[], key: string, from = 0): number {
  let lo = from;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareUtf8(sorted[mid], key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
