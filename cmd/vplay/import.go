package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vplay-dev/vplay/engine"
	"github.com/vplay-dev/vplay/importer"
	"github.com/vplay-dev/vplay/veeam"
	"github.com/vplay-dev/vplay/veeam/vbr"
)

type importFlags struct {
	api         string
	kinds       []string
	name        string
	apiVersion  string
	out         string
	all         bool
	secretFiles []string
	debug       bool
}

func (f *importFlags) validate(args []string) error {
	if len(args) != 0 {
		return usageError{fmt.Errorf("import takes no arguments, got %q", args)}
	}
	switch veeam.API(f.api) {
	case veeam.VBR, veeam.EM, veeam.VSPC:
	case "":
		return usageError{errors.New("import needs --api vbr|em|vspc")}
	default:
		return usageError{fmt.Errorf("--api %q: expected one of vbr, em, vspc", f.api)}
	}
	if len(f.kinds) == 0 && !f.all {
		return usageError{errors.New("import needs --kind KIND (repeatable) or --all")}
	}
	if len(f.kinds) > 0 && f.all {
		return usageError{errors.New("--kind and --all exclude each other")}
	}
	if f.apiVersion != "" {
		if veeam.API(f.api) != veeam.VBR {
			return usageError{errors.New("--api-version applies to --api vbr only")}
		}
		if _, err := vbr.DocumentOf(f.apiVersion); err != nil {
			return usageError{fmt.Errorf("--api-version: %w", err)}
		}
	}
	return nil
}

func newImportCmd(a *app) *cobra.Command {
	var f importFlags
	cmd := &cobra.Command{
		Use:   "import --api vbr|em|vspc (--kind KIND... | --all)",
		Short: "Write the live objects of a server as a playbook that plans clean",
		Long: `Read the live objects of the chosen kinds from the server that the target variables name
(VBR_URL, VBR_USERNAME, VBR_PASSWORD and VBR_FINGERPRINT for --api vbr; EM_ and VSPC_ likewise; the
password may come from --secret-file) and write a playbook with one resource per object, sorted by
kind and name. Specs hold only the fields the vendor request schema of the revision lets a client
set: generated fields (id, status, ...), values equal to their documented default and fields the
server never returns are left out; ids of other objects become names (the reference's name field,
a resources[...] reference when that object is imported too, else a data query selecting it by
name); write-only secrets become secret('...') references, with a comment naming the variable to
export; fields required on create that the server never returns get a placeholder and a comment.
--all takes every kind the server's revision defines, settings included. Of several objects of a
kind with one name, the first is imported and the others are noted (stderr and a comment). Planned
against the same server, the playbook shows no changes. import only reads.`,
		Example: `  vplay import --api vbr --all -o estate.yaml
  vplay import --api vbr --kind vbr.repository --name 'repo-*'
  vplay plan --detailed-exitcode estate.yaml   # exit 0: nothing to change`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.validate(args); err != nil {
				return err
			}
			return a.runImport(cmd, &f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.api, "api", "", "the API to read: vbr, em or vspc")
	fl.StringArrayVar(&f.kinds, "kind", nil, "a `KIND` to import (vplay describe lists them); repeatable")
	fl.BoolVar(&f.all, "all", false, "import every kind of the API")
	fl.StringVar(&f.name, "name", "", "import only the objects whose name matches `GLOB` (* ? [...])")
	fl.StringVar(&f.apiVersion, "api-version", "", "VBR REST API `REV` to read and write specs in (default: the newest the server serves)")
	fl.StringVarP(&f.out, "output", "o", "", "write the playbook to `FILE` instead of stdout")
	fl.StringArrayVar(&f.secretFiles, "secret-file", nil, "read the password from a `FILE` of NAME=VALUE lines (such as the one vplay sim --env-file writes); repeatable")
	fl.BoolVar(&f.debug, "debug", false, "print an HTTP trace to stderr (credentials and tokens masked)")
	return cmd
}

// runImport connects with the target variables, imports and writes.
func (a *app) runImport(cmd *cobra.Command, f *importFlags) error {
	ctx := cmd.Context()
	api := veeam.API(f.api)
	pre := importer.VarPrefix(api)
	secrets, err := readSecretFiles(f.secretFiles)
	if err != nil {
		return usageError{err}
	}
	lookup := secretLookup(secrets, a.Env)
	password, err := lookup(pre + "PASSWORD")
	if err != nil {
		return err
	}
	a.Known.Add(password)
	t := engine.TargetConfig{Name: string(api), API: api, URL: a.Env[pre+"URL"], Username: a.Env[pre+"USERNAME"],
		Password: password, APIVersion: f.apiVersion, TLS: veeam.TLS{Fingerprint: a.Env[pre+"FINGERPRINT"]}}
	for _, v := range []string{"URL", "USERNAME"} {
		if a.Env[pre+v] == "" {
			return fmt.Errorf("%s%s is not set: export the target variables (vplay sim --env-file writes them)", pre, v)
		}
	}
	base := veeam.Config{Secrets: a.Known, Warnf: func(format string, args ...any) {
		fmt.Fprintf(a.Err, "warning: "+format+"\n", args...)
	}}
	if f.debug {
		base.Debug = a.Err
	}
	conn, err := engine.ClientConnector{Base: base}.Connect(ctx, t)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", t.URL, err)
	}
	defer engine.CloseConn(ctx, conn)
	opt := importer.Options{API: api, Kinds: f.kinds, Name: f.name}
	cat := a.Catalog
	if conn.VBR != nil {
		opt.APIVersion = conn.VBR.APIVersion()
		if opt.Revision, err = vbr.DocumentOf(opt.APIVersion); err != nil {
			return err
		}
		cat = cat.At(opt.Revision)
	}
	pb, err := importer.Import(ctx, cat, conn, opt)
	if errors.Is(err, importer.ErrUnknownKind) {
		return usageError{err}
	}
	if err != nil {
		return err
	}
	for _, s := range append(slices.Clone(pb.Omitted), pb.Skipped...) {
		fmt.Fprintf(a.Err, "note: %s\n", s)
	}
	schemaRef := "../schema/playbook.schema.json"
	if opt.Revision != "" {
		schemaRef = "../schema/playbook.vbr-" + opt.Revision + ".schema.json"
	}
	var buf bytes.Buffer
	wo := importer.WriteOptions{SchemaRef: schemaRef, Fingerprint: t.TLS.Fingerprint != "", Command: importCommand(f)}
	if err := importer.Write(&buf, pb, wo); err != nil {
		return err
	}
	if f.out == "" {
		_, err := a.Out.Write(buf.Bytes())
		return err
	}
	if err := os.WriteFile(f.out, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("-o: %w", err)
	}
	fmt.Fprintf(a.Err, "Wrote %d %s to %s; check it with: vplay plan --detailed-exitcode %s\n",
		len(pb.Resources), plural(len(pb.Resources), "resource", "resources"), f.out, f.out)
	return nil
}

// importCommand is the command line for the playbook's header, without
// the output file.
func importCommand(f *importFlags) string {
	parts := []string{"vplay import --api " + f.api}
	if f.all {
		parts = append(parts, "--all")
	}
	for _, k := range f.kinds {
		parts = append(parts, "--kind "+k)
	}
	if f.name != "" {
		parts = append(parts, "--name '"+f.name+"'")
	}
	if f.apiVersion != "" {
		parts = append(parts, "--api-version "+f.apiVersion)
	}
	return strings.Join(parts, " ")
}
