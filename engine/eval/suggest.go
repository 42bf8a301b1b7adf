package eval

import (
	"strings"
	"unicode/utf8"
)

// Closest returns the candidate nearest to name by edit distance (case
// insensitive), if it is close enough to be a plausible typo. It backs every
// "did you mean" hint of the loader.
func Closest(name string, candidates []string) (string, bool) {
	best, bestD := "", -1
	ln := strings.ToLower(name)
	for _, c := range candidates {
		d := distance(ln, strings.ToLower(c))
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	if bestD < 0 {
		return "", false
	}
	limit := max(1, min(utf8.RuneCountInString(name), utf8.RuneCountInString(best))/3)
	if bestD <= limit || (bestD <= 3 && (strings.Contains(strings.ToLower(best), ln) || strings.Contains(ln, strings.ToLower(best)))) {
		return best, true
	}
	return "", false
}

// Nearest returns the candidate nearest to name by edit distance (case
// insensitive, the first of equals), however far: for choosing among
// candidates already known to be related, such as prefix matches.
func Nearest(name string, candidates []string) string {
	best, bestD := "", -1
	ln := strings.ToLower(name)
	for _, c := range candidates {
		if d := distance(ln, strings.ToLower(c)); bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b, in runes, with
// adjacent transpositions counted once.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 256 || len(rb) > 256 {
		if a == b {
			return 0
		}
		return max(len(ra), len(rb))
	}
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// Hint formats the usual hint for an unknown name: "did you mean `x`?",
// else "expected one of: a, b, c" (at most ten shown).
func Hint(name string, candidates []string) string {
	if c, ok := Closest(name, candidates); ok {
		return "did you mean `" + c + "`?"
	}
	return OneOf(candidates)
}

// OneOf renders "expected one of: a, b, c", eliding past ten values; empty
// when there are no candidates.
func OneOf(candidates []string) string {
	if len(candidates) == 0 {
		return ""
	}
	shown := candidates
	more := ""
	if len(shown) > 10 {
		shown = shown[:10]
		more = ", ..."
	}
	return "expected one of: " + strings.Join(shown, ", ") + more
}
