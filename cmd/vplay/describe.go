package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/vplay-dev/vplay/engine/eval"
	"github.com/vplay-dev/vplay/steps"
	"github.com/vplay-dev/vplay/veeam"
	"github.com/vplay-dev/vplay/veeam/openapi"
	"github.com/vplay-dev/vplay/veeam/vbr"
)

// describeFlags are the flags of `vplay describe`.
type describeFlags struct {
	apiVersion string
}

// validate checks --api-version and returns the VBR document revision it
// selects ("" without the flag).
func (f *describeFlags) validate() (string, error) {
	if f.apiVersion == "" {
		return "", nil
	}
	doc, err := vbr.DocumentOf(f.apiVersion)
	if err != nil {
		return "", usageError{fmt.Errorf("--api-version: %q is not a VBR REST API revision vplay knows (known: %s)",
			f.apiVersion, strings.Join(vbr.RevisionNames(), ", "))}
	}
	return doc, nil
}

// newDescribeCmd is `vplay describe [NAME]`: the catalogue as
// documentation.
func newDescribeCmd(cat *steps.Catalog) *cobra.Command {
	f := &describeFlags{}
	cmd := &cobra.Command{
		Use:   "describe [NAME]",
		Short: "Document the catalogue: resource kinds, actions and data queries",
		Long: `Without a name, list every resource kind, action and data query with its summary and risk.
With a name, print the entry's documentation, its fields (from its JSON Schema), its risk,
the asynchronous work it awaits and an example.

--api-version REV shows the fields a VBR target of that REST API revision accepts, and
which entries that revision does not define; without it, VBR specs show the fields of any
revision.`,
		Args: cobra.MaximumNArgs(1),
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return cat.Names(), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			doc, err := f.validate()
			if err != nil {
				return err
			}
			r := revisionView{rev: f.apiVersion, doc: doc}
			if len(args) == 0 {
				return describeList(cmd.OutOrStdout(), cat, r)
			}
			return describeEntry(cmd.OutOrStdout(), cat, args[0], r)
		},
	}
	cmd.Flags().StringVar(&f.apiVersion, "api-version", "", "VBR REST API revision (x-api-version) whose fields to show, e.g. 1.3-rev2")
	_ = cmd.RegisterFlagCompletionFunc("api-version", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return vbr.RevisionNames(), cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

// revisionView is the VBR revision describe shows; zero for any revision.
type revisionView struct {
	rev string // as the user wrote it
	doc string // the document revision describing it
}

// undefined returns why the revision does not define entry; "" when it does
// or no revision was asked for.
func (r revisionView) undefined(entry string) string {
	if r.doc == "" {
		return ""
	}
	var ue *steps.UndefinedError
	if err := steps.Defined(entry, r.doc); errors.As(err, &ue) {
		if ue.Since != "" {
			return "from " + ue.Since
		}
		return "not in " + r.rev
	}
	return ""
}

// describeList prints every entry, grouped, with summary and risk.
func describeList(w io.Writer, cat *steps.Catalog, r revisionView) error {
	summary := func(name, s string) string {
		if why := r.undefined(name); why != "" {
			return s + " (not at " + r.rev + ": " + why + ")"
		}
		return s
	}
	var buf strings.Builder
	tw := tabwriter.NewWriter(&buf, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RESOURCE KINDS\tAPI\tRISK\tSUMMARY")
	for _, k := range cat.Kinds() {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", k.Name, describeAPI(k.API), deleteCell(k), summary(k.Name, k.Summary))
	}
	fmt.Fprintln(tw, "\t\t\t")
	fmt.Fprintln(tw, "ACTIONS\tAPI\tRISK\tSUMMARY")
	for _, a := range cat.Actions() {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", a.Name, describeAPI(a.API), a.Risk, summary(a.Name, a.Summary))
	}
	fmt.Fprintln(tw, "\t\t\t")
	fmt.Fprintln(tw, "DATA QUERIES\tAPI\tRISK\tSUMMARY")
	for _, q := range cat.Queries() {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", q.Name, describeAPI(q.API), steps.RiskRead, summary(q.Name, q.Summary))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// The blank separator rows are padded by tabwriter: trim every line.
	for _, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
	_, err := fmt.Fprintln(w, "\nRun 'vplay describe NAME' for an entry's fields and an example.")
	return err
}

// deleteCell is the risk column of a kind in the list: the risk of
// deleting one of its objects, or that they cannot be deleted.
func deleteCell(k *steps.Kind) string {
	if k.NoDelete {
		return "no delete"
	}
	return "delete: " + k.DeleteRisk.String()
}

// deleteRisk is the risk line of a kind: what deleting one of its objects
// risks, or, for kinds the vendor API cannot delete (settings objects,
// mount servers), what happens instead.
func deleteRisk(k *steps.Kind) string {
	if !k.NoDelete {
		return "delete: " + k.DeleteRisk.String()
	}
	if t, ok := steps.TableOf(k); ok && t.Singleton {
		return "no delete: one object per target, never created or deleted, only changed (state: absent fails at apply, prune is refused)"
	}
	return "no delete: the vendor API cannot delete these objects (state: absent fails at apply, prune is refused)"
}

func describeAPI(api any) string {
	if s := fmt.Sprint(api); s != "" {
		return s
	}
	return "any"
}

// describeEntry prints one entry in full.
func describeEntry(w io.Writer, cat *steps.Catalog, name string, r revisionView) error {
	if r.doc != "" {
		cat = cat.At(r.doc)
	}
	var (
		meta             steps.Meta
		what, block      string
		risk, await, etc string
	)
	if k, ok := cat.Kind(name); ok {
		meta, what, block = k.Meta, "resource kind", "spec"
		risk = deleteRisk(k)
		await = describeAwait(string(k.Await))
		if len(k.ReadOnly) > 0 {
			etc += "Read-only:  " + strings.Join(k.ReadOnly, ", ") + "\n"
		}
		if len(k.Sensitive) > 0 {
			etc += "Sensitive:  " + strings.Join(k.Sensitive, ", ") + "\n"
		}
	} else if a, ok := cat.Action(name); ok {
		meta, what, block = a.Meta, "action", "with"
		risk = a.Risk.String()
		await = describeAwait(string(a.Await))
		if a.Builtin {
			what = "built-in action"
			await = "run by the engine"
		}
	} else if q, ok := cat.Query(name); ok {
		meta, what, block = q.Meta, "data query", "params"
		risk, await = steps.RiskRead.String(), "none"
	} else {
		if s := describeSuggest(name, cat.Names()); s != "" {
			return fmt.Errorf("unknown kind, action or query %q (did you mean %q?)", name, s)
		}
		return fmt.Errorf("unknown kind, action or query %q; run 'vplay describe' for the list", name)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s, API %s)\n\n%s\n\n", meta.Name, what, describeAPI(meta.API), meta.Summary)
	fmt.Fprintf(&b, "%s\n\n", strings.TrimSpace(meta.Doc))
	fmt.Fprintf(&b, "Risk:       %s\nAwaits:     %s\n%s", risk, await, etc)
	fields := steps.SchemaFields(meta.DocSchema())
	switch {
	case r.doc != "" && meta.API == veeam.VBR:
		if why := r.undefined(meta.Name); why != "" {
			fmt.Fprintf(&b, "\nNot available at VBR REST API %s: %s (%s).\n", r.rev, why, steps.Defined(meta.Name, r.doc))
		}
		fmt.Fprintf(&b, "\nFields of %s at VBR REST API %s:\n", block, r.rev)
	case meta.SchemaAt != nil && meta.DocsNewestRevision():
		fmt.Fprintf(&b, "\nFields of %s at VBR REST API %s, the newest that defines it (--api-version REV shows another):\n", block, newestDefining(meta.Name))
	case meta.SchemaAt != nil:
		fmt.Fprintf(&b, "\nFields of %s (any VBR REST API revision; --api-version REV shows one):\n", block)
	default:
		fmt.Fprintf(&b, "\nFields of %s:\n", block)
	}
	if len(fields) == 0 {
		b.WriteString("  (none)\n")
	}
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	for _, f := range fields {
		req := ""
		if f.Required {
			req = "required"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", f.Name, f.Type, req, f.Doc)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(&b, "\nExample:\n")
	for _, l := range strings.Split(strings.TrimRight(meta.Example, "\n"), "\n") {
		fmt.Fprintf(&b, "  %s\n", l)
	}
	// Empty columns (no "required", no doc) and blank example lines would
	// leave trailing blanks: trim every line.
	var out strings.Builder
	for _, line := range strings.SplitAfter(b.String(), "\n") {
		trimmed := strings.TrimRight(line, " \t\n")
		out.WriteString(trimmed)
		if strings.HasSuffix(line, "\n") {
			out.WriteString("\n")
		}
	}
	_, err := io.WriteString(w, out.String())
	return err
}

func describeAwait(kind string) string {
	switch kind {
	case "":
		return "none (answered synchronously)"
	case "session":
		return "VBR session (until state Stopped; Failed fails the step)"
	case "task":
		return "Enterprise Manager task (until Finished; Success=\"false\" fails the step)"
	case "async_action":
		return "VSPC async action (until succeed; failed or canceled fails the step)"
	case "watch":
		return "polling the object until it is back"
	}
	return kind
}

// describeSuggest returns the catalogue name closest to name, when close
// enough to be a plausible typo; a name that is the tail or the start of
// entries ("rescan", "vbr.repo") suggests the closest of them
// (vbr.repository, not the first in order, vbr.repositories).
func describeSuggest(name string, names []string) string {
	var partial []string
	for _, n := range names {
		if strings.HasSuffix(n, "."+name) || strings.HasPrefix(n, name) {
			partial = append(partial, n)
		}
	}
	if len(partial) > 0 {
		return eval.Nearest(name, partial)
	}
	best, _ := eval.Closest(name, names)
	return best
}

// newestDefining returns the newest VBR document revision that defines
// entry.
func newestDefining(entry string) string {
	for i := len(openapi.Revisions) - 1; i >= 0; i-- {
		if steps.Defined(entry, openapi.Revisions[i]) == nil {
			return openapi.Revisions[i]
		}
	}
	return openapi.Revisions[len(openapi.Revisions)-1]
}
