/**
 * The candidate a mistyped word was probably meant to be (`histrical` →
 * `historical`, `outptu` → `output`): the nearest by edit distance (a
 * transposition counting as one edit), when it is within a slip of a key or
 * two; else undefined. For did-you-mean messages.
 */
export function closestWord(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate)
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  // Close enough: a slip of a key or two, not another word.
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined
}

/** Levenshtein distance, a transposition counting as one edit. */
function editDistance(left: string, right: string): number {
  const rows = left.length + 1
  const columns = right.length + 1
  const cost: number[][] = Array.from({ length: rows }, (_, row) => Array.from({ length: columns }, (_, column) => (row === 0 ? column : column === 0 ? row : 0)))
  for (let row = 1; row < rows; row++) {
    for (let column = 1; column < columns; column++) {
      const same = left[row - 1] === right[column - 1] ? 0 : 1
      let value = Math.min((cost[row - 1] as number[])[column]! + 1, (cost[row] as number[])[column - 1]! + 1, (cost[row - 1] as number[])[column - 1]! + same)
      if (row > 1 && column > 1 && left[row - 1] === right[column - 2] && left[row - 2] === right[column - 1]) value = Math.min(value, (cost[row - 2] as number[])[column - 2]! + 1)
      ;(cost[row] as number[])[column] = value
    }
  }
  return (cost[rows - 1] as number[])[columns - 1] as number
}
