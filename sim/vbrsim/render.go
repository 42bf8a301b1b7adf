package vbrsim

import "strings"

// Enum spellings that differ between revisions. Objects are stored in the
// rev2 spelling; render converts them for rev0 and normalize accepts either
// on input (the API reference, 1.10 item 2).
var (
	// EMountServerSettingsType: windows|linux|both in rev0, Windows|Linux|Both in rev2.
	mountTypes = []string{"Windows", "Linux", "Both"}
	// EDayOfWeek: monday.. in rev0, Monday.. in rev2.
	dayNames = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
)

// dayKeys are the fields typed EDayOfWeek (or arrays of it).
var dayKeys = map[string]bool{"day": true, "days": true, "dayOfWeek": true, "dayOfWeekly": true}

// spelling is how a revision spells the stored (rev2) objects.
type spelling int

const (
	spellCanonical spelling = iota // 1.3-rev1, 1.3-rev2
	spellLower                     // 1.3-rev0: lower-case enums
	spellFlat                      // 1.1, 1.2: lower-case enums, flat mountServer
)

// render returns d as the revision spells it: a deep copy with lower-case
// enums (and, for 1.1 and 1.2, the flat MountServerSettingsModel those
// revisions define), d itself for the canonical spelling.
func render(d doc, sp spelling) any {
	switch sp {
	case spellLower:
		return recase(d, "", strings.ToLower)
	case spellFlat:
		out := recase(d, "", strings.ToLower).(map[string]any)
		if ms := sub(out, "mountServer"); ms != nil && ms["mountServerSettingsType"] != nil {
			side := sub(ms, "windows")
			if side == nil {
				side = sub(ms, "linux")
			}
			if side != nil {
				out["mountServer"] = side
			}
		}
		return out
	}
	return d
}

// normalize converts input enum spellings of either revision to the
// canonical (rev2) one, in place.
func normalize(v any) any {
	return recase(v, "", canonicalEnum)
}

func canonicalEnum(s string) string {
	for _, set := range [][]string{mountTypes, dayNames} {
		for _, v := range set {
			if strings.EqualFold(v, s) {
				return v
			}
		}
	}
	return s
}

func isEnum(set []string, s string) bool {
	for _, v := range set {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// recase walks a JSON value and applies f to revision-dependent enum values.
func recase(v any, key string, f func(string) string) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = recase(e, k, f)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = recase(e, key, f)
		}
		return s
	case string:
		switch {
		case key == "mountServerSettingsType" && isEnum(mountTypes, x):
			return f(x)
		case dayKeys[key] && isEnum(dayNames, x):
			return f(x)
		}
	}
	return v
}
