package importer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// This file writes a Playbook as YAML by hand: the output is a small,
// fixed shape (mappings, lists, JSON scalars and comments), and only
// package playbook imports the YAML library.

// WriteOptions say how the playbook is written.
type WriteOptions struct {
	// SchemaRef is the modeline's $schema reference; "" means
	// ../schema/playbook.schema.json, as the examples in playbooks/ use.
	SchemaRef string
	// Fingerprint pins the target certificate with ${PREFIX}FINGERPRINT.
	Fingerprint bool
	// Command is the command line that produced the playbook, for its
	// header comment.
	Command string
}

// Write writes pb as a playbook.
func Write(w io.Writer, pb *Playbook, opt WriteOptions) error {
	if opt.SchemaRef == "" {
		opt.SchemaRef = "../schema/playbook.schema.json"
	}
	var b bytes.Buffer
	pre := VarPrefix(pb.API)
	fmt.Fprintf(&b, "# yaml-language-server: $schema=%s\n#\n", opt.SchemaRef)
	cmd := opt.Command
	if cmd == "" {
		cmd = "vplay import --api " + string(pb.API)
	}
	fmt.Fprintf(&b, "# Written by `%s`", cmd)
	if pb.APIVersion != "" {
		fmt.Fprintf(&b, " (VBR REST API %s)", pb.APIVersion)
	}
	b.WriteString(": one resource per live object, planned against the same server it shows no changes.\n")
	vars := []string{pre + "URL", pre + "USERNAME"}
	if opt.Fingerprint {
		vars = append(vars, pre+"FINGERPRINT")
	}
	fmt.Fprintf(&b, "# It reads %s from the environment", strings.Join(vars, ", "))
	fmt.Fprintf(&b, " and these secrets (environment or --secret-file):\n")
	for _, s := range pb.Secrets {
		fmt.Fprintf(&b, "#   %s\n", s)
	}
	fmt.Fprintf(&b, "vplay: 1\nname: %s\n", scalar("imported-"+pb.Target))
	fmt.Fprintf(&b, "description: %s\n\n", scalar("Live "+string(pb.API)+" objects imported by vplay import ("+kindList(pb.Kinds)+")"))
	fmt.Fprintf(&b, "targets:\n  %s:\n    type: %s\n", key(pb.Target), pb.API)
	fmt.Fprintf(&b, "    url: %s\n", scalar("${{ env."+pre+"URL }}"))
	fmt.Fprintf(&b, "    username: %s\n", scalar("${{ env."+pre+"USERNAME }}"))
	fmt.Fprintf(&b, "    password: %s\n", scalar("${{ secret('"+pre+"PASSWORD') }}"))
	if pb.APIVersion != "" {
		fmt.Fprintf(&b, "    api_version: %s\n", scalar(pb.APIVersion))
	}
	if opt.Fingerprint {
		fmt.Fprintf(&b, "    tls:\n      fingerprint: %s\n", scalar("${{ env."+pre+"FINGERPRINT }}"))
	}
	if len(pb.Data) > 0 {
		b.WriteString("\ndata:\n")
		b.WriteString("  # Objects the resources refer to by id that are not imported, selected by name.\n")
		for _, d := range pb.Data {
			fmt.Fprintf(&b, "  %s:\n    target: %s\n    query: %s\n", key(d.Key), key(pb.Target), d.Query)
			fmt.Fprintf(&b, "    where: %s\n    one: true\n", scalar(d.Field+" == "+exprString(d.Name)))
		}
	}
	b.WriteString("\nresources:")
	if len(pb.Resources) == 0 {
		b.WriteString(" []\n")
	} else {
		b.WriteString("\n")
	}
	for _, n := range pb.Omitted {
		fmt.Fprintf(&b, "  # %s\n", n)
	}
	if len(pb.Omitted) > 0 && len(pb.Resources) > 0 {
		b.WriteString("\n")
	}
	for i, r := range pb.Resources {
		if i > 0 {
			b.WriteString("\n")
		}
		for _, n := range r.Notes {
			for _, line := range strings.Split(n, "\n") {
				fmt.Fprintf(&b, "  # %s\n", line)
			}
		}
		fmt.Fprintf(&b, "  - kind: %s\n    target: %s\n    name: %s\n", r.Kind, key(pb.Target), scalar(r.Name))
		b.WriteString("    spec:")
		writeValue(&b, map[string]any(r.Spec), 6)
	}
	_, err := w.Write(b.Bytes())
	return err
}

func kindList(kinds []string) string {
	if len(kinds) == 0 {
		return "no kinds"
	}
	return strings.Join(kinds, ", ")
}

// writeValue writes v after a "key:" or "-" already written, at indent for
// nested lines.
func writeValue(b *bytes.Buffer, v any, indent int) {
	pad := strings.Repeat(" ", indent)
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 0 {
			b.WriteString(" {}\n")
			return
		}
		b.WriteString("\n")
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(b, "%s%s:", pad, key(k))
			writeValue(b, t[k], indent+2)
		}
	case []any:
		if len(t) == 0 {
			b.WriteString(" []\n")
			return
		}
		b.WriteString("\n")
		for _, it := range t {
			fmt.Fprintf(b, "%s-", pad)
			if m, ok := it.(map[string]any); ok && len(m) > 0 {
				writeItem(b, m, indent+2)
				continue
			}
			writeValue(b, it, indent+2)
		}
	default:
		b.WriteString(" " + scalarValue(v) + "\n")
	}
}

// writeItem writes a mapping as a list item: its first key on the "-"
// line, the others below it.
func writeItem(b *bytes.Buffer, m map[string]any, indent int) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	pad := strings.Repeat(" ", indent)
	for i, k := range keys {
		if i == 0 {
			fmt.Fprintf(b, " %s:", key(k))
		} else {
			fmt.Fprintf(b, "%s%s:", pad, key(k))
		}
		writeValue(b, m[k], indent+2)
	}
}

func scalarValue(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(t)
	case json.Number:
		return t.String()
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case int:
		return strconv.Itoa(t)
	case int64:
		return strconv.FormatInt(t, 10)
	case string:
		if strings.Contains(t, "${{") {
			if isTemplate(t) {
				return quoted(t)
			}
			// A literal that would read as a template: write it as an
			// expression yielding the literal.
			return quoted("${{ " + exprString(t) + " }}")
		}
		return scalar(t)
	}
	return quoted(fmt.Sprint(v))
}

// isTemplate reports whether s is one of the templates this package
// writes (a reference or a secret), not a live value.
func isTemplate(s string) bool {
	return strings.HasPrefix(s, "${{ ") && strings.HasSuffix(s, " }}") && strings.Count(s, "${{") == 1 &&
		(strings.HasPrefix(s, "${{ resources[") || strings.HasPrefix(s, "${{ data.") || strings.HasPrefix(s, "${{ secret('"))
}

// plain matches strings that YAML reads back as the same string unquoted.
var plain = regexp.MustCompile(`^[A-Za-z_/][A-Za-z0-9_ ./@()+-]*$`)

// reserved are plain scalars YAML 1.1 or 1.2 reads as something else.
var reserved = map[string]bool{"true": true, "false": true, "null": true, "yes": true, "no": true, "on": true,
	"off": true, "y": true, "n": true, "~": true}

// scalar writes a string plain when that reads back as the same string,
// else double-quoted.
func scalar(s string) string {
	if plain.MatchString(s) && !strings.HasSuffix(s, " ") && !reserved[strings.ToLower(s)] && !strings.Contains(s, " -") {
		return s
	}
	return quoted(s)
}

// key writes a mapping key.
func key(s string) string { return scalar(s) }

// quoted is a YAML double-quoted scalar (JSON string escapes are YAML
// escapes too).
func quoted(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}

// exprString is s as an expr string literal.
func exprString(s string) string { return quoted(s) }
