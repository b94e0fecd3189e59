/** One line of a diff: kept (' '), removed ('-') or added ('+'), with how many lines of each side came before it. */
interface DiffLine {
  tag: ' ' | '-' | '+';
  text: string;
  before: number;
  after: number;
}

/** A longest-common-subsequence line diff: exact for repeated lines, fine for files of a few hundred lines. */
function diffLines(a: readonly string[], b: readonly string[]): DiffLine[] {
  // common[i][j]: length of the LCS of a[i..] and b[j..]
  const common = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      common[i]![j] = a[i] === b[j] ? common[i + 1]![j + 1]! + 1 : Math.max(common[i + 1]![j]!, common[i]![j + 1]!);
    }
  }
  const lines: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const position = { before: i, after: j };
    if (i < a.length && j < b.length && a[i] === b[j]) {
      lines.push({ tag: ' ', text: a[i]!, ...position });
      i++;
      j++;
    } else if (j === b.length || (i < a.length && common[i + 1]![j]! >= common[i]![j + 1]!)) {
      lines.push({ tag: '-', text: a[i]!, ...position });
      i++;
    } else {
      lines.push({ tag: '+', text: b[j]!, ...position });
      j++;
    }
  }
  return lines;
}

/**
 * A unified diff without file headers: `@@ -from,count +from,count @@` hunks of `-`/`+` lines
 * with `context` unchanged lines around them. Empty when nothing changed.
 */
export function unifiedDiff(a: readonly string[], b: readonly string[], context = 2): string {
  const lines = diffLines(a, b);
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    if (lines[i]!.tag === ' ') {
      i++;
      continue;
    }
    // Changes closer than two contexts apart share a hunk.
    let last = i;
    for (let k = i + 1; k < lines.length && k - last <= 2 * context + 1; k++) if (lines[k]!.tag !== ' ') last = k;
    const hunk = lines.slice(Math.max(0, i - context), Math.min(lines.length, last + context + 1));
    const beforeCount = hunk.filter((l) => l.tag !== '+').length;
    const afterCount = hunk.filter((l) => l.tag !== '-').length;
    // Unified diffs number from 1, and name the line before an empty range.
    const beforeFrom = hunk[0]!.before + (beforeCount ? 1 : 0);
    const afterFrom = hunk[0]!.after + (afterCount ? 1 : 0);
    out.push(`@@ -${beforeFrom},${beforeCount} +${afterFrom},${afterCount} @@`, ...hunk.map((l) => l.tag + l.text));
    i = last + context + 1;
  }
  return out.join('\n');
}
