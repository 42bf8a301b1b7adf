package fleet

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/vplay-dev/vplay/engine/diag"
	"github.com/vplay-dev/vplay/engine/eval"
	"github.com/vplay-dev/vplay/engine/playbook"
	"github.com/vplay-dev/vplay/schema"
)

// Fleet is a loaded fleet file.
type Fleet struct {
	// File is the fleet file's name as given.
	File string
	// Members are in file order, names unique.
	Members []Member
}

// Member is one server (or set of targets) the playbook runs against.
type Member struct {
	Name string
	Pos  diag.Pos
	// Labels are what --select matches, defaults merged in; the name is
	// the implicit label "name" (Label).
	Labels map[string]string
	// Env are literal, non-secret values the playbook reads as env.NAME.
	Env map[string]string
	// Secrets are references to values read at run time (Resolve); never
	// the values themselves.
	Secrets map[string]SecretRef
	// Vars are the member's playbook variables, defaults merged in.
	Vars map[string]any
}

// Label returns the value of label key; "name" is the member's name.
func (m Member) Label(key string) (string, bool) {
	if key == "name" {
		return m.Name, true
	}
	v, ok := m.Labels[key]
	return v, ok
}

// SecretRef says where a secret value comes from: exactly one of Env (an
// environment variable of the vplay process) or File (an absolute path,
// whose content minus a trailing newline is the value).
type SecretRef struct {
	Env  string
	File string
	Pos  diag.Pos
}

func (r SecretRef) String() string {
	if r.Env != "" {
		return "from_env " + r.Env
	}
	return "from_file " + r.File
}

// ReadFile reads and loads a fleet file. It returns the file's text for
// printing the diagnostics' source lines, with every inline secret it
// refused replaced by (sensitive): a diagnostic never shows the value.
func ReadFile(name string) (*Fleet, diag.Diagnostics, []byte) {
	b, err := playbook.ReadFile(name)
	if err != nil {
		return nil, diag.Diagnostics{diag.Errorf(diag.Pos{File: name}, "read-fleet", "%v", err)}, nil
	}
	f, ds := Parse(name, b)
	return f, ds, redact(b, ds)
}

// redact replaces the values of inline-secret diagnostics in text: from
// the value's column to the end of its line, and the lines of a block
// scalar below it (those indented more than the key's line).
func redact(text []byte, ds diag.Diagnostics) []byte {
	lines := strings.SplitAfter(string(text), "\n")
	changed := false
	for _, d := range ds {
		if d.Code != "inline-secret" || d.Pos.Line < 1 || d.Pos.Line > len(lines) {
			continue
		}
		i := d.Pos.Line - 1
		lines[i] = blankFrom(lines[i], d.Pos.Col-1)
		changed = true
		indent := indentOf(lines[i])
		for j := i + 1; j < len(lines) && (strings.TrimSpace(lines[j]) == "" || indentOf(lines[j]) > indent); j++ {
			lines[j] = blankFrom(lines[j], indentOf(lines[j]))
		}
	}
	if !changed {
		return text
	}
	return []byte(strings.Join(lines, ""))
}

// blankFrom replaces line from rune column col (0-based) with (sensitive),
// keeping the newline.
func blankFrom(line string, col int) string {
	body, nl := strings.CutSuffix(line, "\n")
	r := []rune(body)
	if strings.TrimSpace(body) == "" || col >= len(r) {
		return line
	}
	out := string(r[:max(col, 0)]) + "(sensitive)"
	if nl {
		out += "\n"
	}
	return out
}

func indentOf(line string) int { return len(line) - len(strings.TrimLeft(line, " ")) }

// Parse loads a fleet file's text: YAML syntax, the fleet schema
// (schema.FleetJSON), unique member names and no inline secrets, every
// problem reported at its file:line:col. Relative from_file paths are
// resolved against the fleet file's directory.
func Parse(name string, text []byte) (*Fleet, diag.Diagnostics) {
	root, ds := playbook.ParseDocument(name, text)
	if ds.HasErrors() {
		return nil, ds
	}
	if root == nil {
		return nil, diag.Diagnostics{diag.Errorf(diag.Pos{File: name, Line: 1, Col: 1}, "empty-fleet", "the fleet file is empty: expected vplay_fleet: 1 and members")}
	}
	inline := inlineSecrets(root)
	for _, v := range schema.ValidateFleet(root.Plain()) {
		d := violation(root, v)
		if !slices.ContainsFunc(inline, func(i diag.Diagnostic) bool { return i.Pos == d.Pos }) {
			ds = append(ds, d) // a violation at an inline secret could quote it
		}
	}
	ds = append(ds, inline...)
	if ds.HasErrors() {
		ds.Sort()
		return nil, ds
	}
	l := loader{dir: filepath.Dir(name)}
	f := &Fleet{File: name}
	defaults := l.settings(child(root, "defaults"))
	seen := map[string]diag.Pos{}
	for _, mn := range child(root, "members").Items {
		m := l.member(mn, defaults)
		if prev, dup := seen[m.Name]; dup {
			l.ds = append(l.ds, diag.Errorf(m.Pos, "duplicate-member", "member %q is already declared at %s", m.Name, prev))
			continue
		}
		seen[m.Name] = m.Pos
		f.Members = append(f.Members, m)
	}
	l.ds.Sort()
	if l.ds.HasErrors() {
		return nil, l.ds
	}
	return f, l.ds
}

// settings are what defaults and members share.
type settings struct {
	labels  map[string]string
	env     map[string]string
	secrets map[string]SecretRef
	vars    map[string]any
}

type loader struct {
	dir string
	ds  diag.Diagnostics
}

func (l *loader) settings(n *eval.Node) settings {
	s := settings{labels: map[string]string{}, env: map[string]string{}, secrets: map[string]SecretRef{}, vars: map[string]any{}}
	if n == nil {
		return s
	}
	if ln := child(n, "labels"); ln != nil {
		for i, k := range ln.Keys {
			s.labels[k], _ = ln.Items[i].Value.(string)
		}
	}
	if vn := child(n, "vars"); vn != nil {
		s.vars, _ = vn.Plain().(map[string]any)
	}
	en := child(n, "env")
	if en == nil {
		return s
	}
	for i, k := range en.Keys {
		v := en.Items[i]
		if v.Kind == eval.MappingNode {
			s.secrets[k] = l.ref(v)
			continue
		}
		s.env[k], _ = v.Value.(string)
	}
	return s
}

// inlineSecrets reports every literal value under a secret-looking name
// in defaults.env and members[*].env, whatever else is wrong with the file.
func inlineSecrets(root *eval.Node) diag.Diagnostics {
	envs := []*eval.Node{child(child(root, "defaults"), "env")}
	if ms := child(root, "members"); ms != nil && ms.Kind == eval.SequenceNode {
		for _, m := range ms.Items {
			envs = append(envs, child(m, "env"))
		}
	}
	var ds diag.Diagnostics
	for _, en := range envs {
		if en == nil || en.Kind != eval.MappingNode {
			continue
		}
		for i, k := range en.Keys {
			v := en.Items[i]
			if v.Kind == eval.ScalarNode && v.Value != nil && fmt.Sprint(v.Value) != "" && eval.SensitiveEnvName(k) {
				ds = append(ds, diag.Diagnostic{Severity: diag.SevError, Pos: v.Pos, Code: "inline-secret",
					Summary: fmt.Sprintf("env.%s looks like a secret and is written inline", k),
					Hint:    "reference it instead: {from_env: NAME} (an environment variable of vplay) or {from_file: PATH} (a mounted secret file)"})
			}
		}
	}
	return ds
}

func (l *loader) ref(n *eval.Node) SecretRef {
	r := SecretRef{Pos: n.Pos}
	if e := child(n, "from_env"); e != nil {
		r.Env, _ = e.Value.(string)
	}
	if f := child(n, "from_file"); f != nil {
		r.File, _ = f.Value.(string)
		if !filepath.IsAbs(r.File) {
			r.File = filepath.Join(l.dir, r.File)
		}
	}
	return r
}

func (l *loader) member(n *eval.Node, d settings) Member {
	name, _ := child(n, "name").Value.(string)
	own := l.settings(n)
	m := Member{Name: name, Pos: n.Pos, Labels: maps.Clone(d.labels), Env: maps.Clone(d.env),
		Secrets: maps.Clone(d.secrets), Vars: maps.Clone(d.vars)}
	maps.Copy(m.Labels, own.labels)
	for k, v := range own.env { // a member's literal replaces a default reference, and back
		m.Env[k] = v
		delete(m.Secrets, k)
	}
	for k, r := range own.secrets {
		m.Secrets[k] = r
		delete(m.Env, k)
	}
	maps.Copy(m.Vars, own.vars)
	return m
}

// child returns the value of key in mapping n, or nil.
func child(n *eval.Node, key string) *eval.Node {
	if n == nil || n.Kind != eval.MappingNode {
		return nil
	}
	if i := slices.Index(n.Keys, key); i >= 0 {
		return n.Items[i]
	}
	return nil
}

// nodeAt walks an instance path as far as it exists.
func nodeAt(root *eval.Node, path []string) (n *eval.Node, keyPos diag.Pos) {
	n, keyPos = root, root.Pos
	for _, tok := range path {
		switch n.Kind {
		case eval.MappingNode:
			i := slices.Index(n.Keys, tok)
			if i < 0 {
				return n, keyPos
			}
			n, keyPos = n.Items[i], n.KeyPos[i]
		case eval.SequenceNode:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(n.Items) {
				return n, keyPos
			}
			n, keyPos = n.Items[i], n.Items[i].Pos
		default:
			return n, keyPos
		}
	}
	return n, keyPos
}

// violation places a schema violation at the node (or key) it is about.
func violation(root *eval.Node, v schema.Violation) diag.Diagnostic {
	path := v.Path
	var pos diag.Pos
	switch v.Keyword {
	case "required":
		_, pos = nodeAt(root, path[:max(len(path)-1, 0)])
	case "additionalProperties", "propertyNames":
		_, pos = nodeAt(root, path)
	default:
		n, _ := nodeAt(root, path)
		pos = n.Pos
	}
	at := path
	if v.Keyword == "required" || v.Keyword == "additionalProperties" || v.Keyword == "propertyNames" {
		at = path[:max(len(path)-1, 0)]
	}
	d := diag.Errorf(pos, "fleet-"+v.Keyword, "%s: %s", render(at), v.Message)
	if len(v.Expected) > 0 && v.Keyword == "additionalProperties" {
		d.Hint = "known keys: " + strings.Join(v.Expected, ", ")
	}
	return d
}

// render writes an instance path as members[0].env.VBR_URL.
func render(path []string) string {
	if len(path) == 0 {
		return "fleet"
	}
	var b strings.Builder
	for i, tok := range path {
		if _, err := strconv.Atoi(tok); err == nil {
			b.WriteString("[" + tok + "]")
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}

// Resolved is a member's environment at run time: the process environment
// with the member's literals over it and its secret references read.
type Resolved struct {
	// Env is what the playbook reads as env.NAME.
	Env map[string]string
	// Secrets are the values read by reference (also in Env), for
	// secret('NAME') and for masking.
	Secrets map[string]string
}

// ErrSecretRef is wrapped by Resolve when a referenced value is missing.
var ErrSecretRef = errors.New("fleet: secret reference")

// Resolve reads m's secret references: from_env from env (the vplay
// process environment), from_file from disk. Errors name the reference,
// never a value.
func Resolve(m Member, env map[string]string) (Resolved, error) {
	r := Resolved{Env: maps.Clone(env), Secrets: map[string]string{}}
	if r.Env == nil {
		r.Env = map[string]string{}
	}
	maps.Copy(r.Env, m.Env)
	for _, k := range slices.Sorted(maps.Keys(m.Secrets)) {
		ref := m.Secrets[k]
		var v string
		if ref.Env != "" {
			val, ok := env[ref.Env]
			if !ok {
				return Resolved{}, fmt.Errorf("%w: env.%s (%s): environment variable %s is not set", ErrSecretRef, k, ref.Pos, ref.Env)
			}
			v = val
		} else {
			b, err := os.ReadFile(ref.File)
			if err != nil {
				return Resolved{}, fmt.Errorf("%w: env.%s (%s): %w", ErrSecretRef, k, ref.Pos, err)
			}
			v = strings.TrimRight(string(b), "\r\n")
		}
		r.Env[k], r.Secrets[k] = v, v
	}
	return r, nil
}
