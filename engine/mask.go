package engine

import (
	"regexp"

	"github.com/vplay-dev/vplay/engine/eval"
	"github.com/vplay-dev/vplay/jsondoc"
)

// secretCallRE and envRefRE find the literal names a playbook reads with
// secret('NAME') and env.NAME (or env['NAME']), where they start a word
// (see wordMatches).
var (
	secretCallRE = regexp.MustCompile(`secret\(\s*['"]([^'"]+)['"]\s*\)`)
	envRefRE     = regexp.MustCompile(`env(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*['"]([^'"]+)['"]\s*\])`)
)

// learnSecrets makes the known secrets complete before the first request
// goes out (a server may echo a secret in the first answer, before the
// expression that reads it is evaluated): the values of every secret('NAME')
// the playbook names and of every sensitive env variable it reads, and the
// names read with secret(), so env.NAME is sensitive too wherever it is
// read. It scans the source, so a name in a comment counts as well: a
// harmless over-approximation. Secrets that cannot be resolved are
// reported where they are evaluated.
func (e *Engine) learnSecrets(src []byte) {
	k := e.cfg.Known
	for _, m := range wordMatches(secretCallRE, src) {
		name := string(src[m[2]:m[3]])
		k.AddName(name)
		if v, err := e.cfg.Secret(name); err == nil {
			k.Add(v)
		}
	}
	for _, m := range wordMatches(envRefRE, src) {
		name := ""
		for g := 2; g+1 < len(m); g += 2 {
			if m[g] >= 0 {
				name += string(src[m[g]:m[g+1]])
			}
		}
		if v, ok := e.cfg.Env[name]; ok && k.SensitiveEnv(name) {
			k.Add(v)
		}
	}
}

// wordMatches returns the submatch indexes of the successive matches of re
// in src that start a word: what re with a leading \b finds. Go's regexp
// finds no literal prefix to skip to behind \b, so that pattern tries every
// byte of a large playbook (1.3 s on validate-5k's 4 MB, against 30 ms
// here); this one skips to "secret(" or "env" and checks the byte before.
func wordMatches(re *regexp.Regexp, src []byte) [][]int {
	var out [][]int
	for pos := 0; pos < len(src); {
		m := re.FindSubmatchIndex(src[pos:])
		if m == nil {
			break
		}
		start := pos + m[0]
		if start > 0 && isWordByte(src[start-1]) {
			pos = start + 1 // \b fails here; a match may start later
			continue
		}
		for i := range m {
			if m[i] >= 0 {
				m[i] += pos
			}
		}
		out = append(out, m)
		pos = max(m[1], start+1)
	}
	return out
}

// isWordByte reports whether b is an ASCII word character, as \b sees it.
func isWordByte(b byte) bool {
	return b == '_' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}

// maskPlan replaces every known secret value in the plan's documents and
// texts (a live object that echoes a secret() value, a step summary naming
// one), so the plan handed to renderers, the terminal UI and saved files
// holds none. Field diffs are masked as they are built (compareSpec).
func maskPlan(k *eval.KnownSecrets, p *Plan) {
	str := func(s *string) { *s = k.Mask(*s) }
	doc := func(m map[string]any) map[string]any {
		if m == nil {
			return nil
		}
		v, _ := k.MaskValue(m)
		out, _ := v.(map[string]any)
		return out
	}
	for i := range p.Targets {
		str(&p.Targets[i].URL)
	}
	for i := range p.Changes {
		c := &p.Changes[i]
		str(&c.Addr.Name)
		str(&c.ID)
		str(&c.Reason)
		c.Before, c.After = doc(c.Before), doc(c.After)
	}
	for i := range p.Steps {
		s := &p.Steps[i]
		str(&s.Name)
		str(&s.Reason)
		str(&s.Summary)
		for j := range s.Items {
			str(&s.Items[j])
		}
	}
	for i := range p.Fingerprints {
		str(&p.Fingerprints[i].Name)
		str(&p.Fingerprints[i].ID)
	}
	if p.Vars != nil {
		p.Vars = doc(p.Vars)
	}
}

// maskObserver passes every event to obs with known secret values masked
// in its texts and errors, so every observer (text, JSON, terminal UI)
// receives events that hold none.
func maskObserver(k *eval.KnownSecrets, obs Observer) Observer {
	return ObserverFunc(func(e Event) { obs.Observe(maskEvent(k, e)) })
}

func maskEvent(k *eval.KnownSecrets, e Event) Event {
	switch ev := e.(type) {
	case ResourceStarted:
		ev.Addr.Name = k.Mask(ev.Addr.Name)
		return ev
	case StepStarted:
		ev.Item = k.Mask(ev.Item)
		return ev
	case Progress:
		ev.ID, ev.Name, ev.State, ev.Message = k.Mask(ev.ID), k.Mask(ev.Name), k.Mask(ev.State), k.Mask(ev.Message)
		return ev
	case ResourceDone:
		ev.Addr.Name = k.Mask(ev.Addr.Name)
		ev.Err = k.MaskError(ev.Err)
		return ev
	case StepSkipped:
		ev.Reason = k.Mask(ev.Reason)
		return ev
	case StepDone:
		ev.Item = k.Mask(ev.Item)
		ev.Err = k.MaskError(ev.Err)
		return ev
	case LogLine:
		ev.Message = k.Mask(ev.Message)
		return ev
	case Warning:
		ev.Message = k.Mask(ev.Message)
		return ev
	case ApplyDone:
		if ev.Result != nil {
			r := *ev.Result
			r.Items = make([]ItemResult, len(ev.Result.Items))
			for i, it := range ev.Result.Items {
				it.Addr, it.Error = k.Mask(it.Addr), k.Mask(it.Error)
				it.Running = append([]string(nil), it.Running...)
				for j := range it.Running {
					it.Running[j] = k.Mask(it.Running[j])
				}
				r.Items[i] = it
			}
			ev.Result = &r
		}
		return ev
	}
	return e
}

// maskDiffPaths returns doc with the value at the path of every sensitive
// node of diff replaced by the placeholder. A field can be sensitive only
// for this plan: it holds a secret() value the playbook declares now, while
// the live document still holds an older value no known secret matches.
// Only the containers along those paths are copied; doc is not modified.
func maskDiffPaths(doc map[string]any, diff []DiffNode) map[string]any {
	if doc == nil {
		return nil
	}
	var v any = doc
	var walk func([]DiffNode)
	walk = func(ns []DiffNode) {
		for _, n := range ns {
			if n.Sensitive {
				if old, ok := jsondoc.Get(v, n.Path); ok && old != nil {
					v, _ = jsondoc.Set(v, n.Path, Sensitive)
				}
			}
			walk(n.Fields)
		}
	}
	walk(diff)
	m, _ := v.(map[string]any)
	return m
}
