// "Did you mean" suggestions for mistyped element names.

const MAX_SUGGESTIONS = 3

/**
 * Names close to `wanted`: within a small edit distance (a third of its length, at least 1),
 * or containing it / contained in it. Closest first, then by name.
 */
export function suggestNames(wanted: string, candidates: Iterable<string>): string[] {
  const limit = Math.max(1, Math.floor(wanted.length / 3))
  const scored: { name: string; score: number }[] = []
  for (const name of candidates) {
    if (name === wanted) continue
    const distance = editDistance(wanted, name)
    const related = wanted.length >= 3 && (name.includes(wanted) || wanted.includes(name))
    if (distance <= limit || related) scored.push({ name, score: distance })
  }
  scored.sort((a, b) => a.score - b.score || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  return scored.slice(0, MAX_SUGGESTIONS).map((entry) => entry.name)
}

/** Levenshtein distance (insertions, deletions, substitutions), two rows at a time. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution))
    }
    previous = current
  }
  return previous[b.length] ?? 0
}
