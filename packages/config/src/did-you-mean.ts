/** "Did you mean …?": the closest allowed key to a mistyped one, by edit distance. */

function editDistance(left: string, right: string): number {
  const a = left.toLowerCase();
  const b = right.toLowerCase();
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/** The known name a typo most likely meant: close by edit distance to the whole name or to its start. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const limit = Math.max(2, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestScore = limit + 1;
  for (const candidate of candidates) {
    let score = editDistance(word, candidate);
    if (word.length >= 4) {
      for (let length = word.length - 1; length <= word.length + 1; length += 1) {
        score = Math.min(score, editDistance(word, candidate.slice(0, length)) + 1);
      }
    }
    if (score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}

export function unknownKeyExpectation(parent: string, key: string, allowed: readonly string[]): string {
  const suggestion = closest(key, allowed);
  const where = parent === '' ? 'at the top level' : `in ${parent}`;
  const hint = suggestion === undefined ? '' : `; did you mean ${suggestion}?`;
  return `no unknown key ${where}${hint} (allowed: ${allowed.join(', ')})`;
}
