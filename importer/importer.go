package importer

import (
	"context"
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/vplay-dev/vplay/jsondoc"
	"github.com/vplay-dev/vplay/steps"
	"github.com/vplay-dev/vplay/veeam"
)

// Options say what to import.
type Options struct {
	// API is the API of the target (vbr, em, vspc).
	API veeam.API
	// Target names the target in the written playbook; "" means the API
	// name.
	Target string
	// Kinds are the kinds to import; empty means every kind of API.
	Kinds []string
	// Name, when not empty, is a path.Match glob the object names must
	// match.
	Name string
	// Revision is the VBR document revision (one of openapi.Revisions)
	// the specs follow; "" uses each kind's revision-independent schema.
	Revision string
	// APIVersion is the VBR REST revision the playbook pins (api_version);
	// "" pins none.
	APIVersion string
}

// ErrUnknownKind is returned for a --kind the catalogue lacks or that
// belongs to another API.
var ErrUnknownKind = errors.New("importer: unknown kind")

// Playbook is an imported playbook, ready to be written.
type Playbook struct {
	API        veeam.API
	Target     string
	APIVersion string
	Kinds      []string    // the kinds imported, sorted
	Data       []DataEntry // sorted by key
	Resources  []Resource  // sorted by kind, then name
	// Secrets are the variables the playbook reads with secret(), sorted:
	// the target password and every write-only field.
	Secrets []string
	// Skipped says, one line each, which live objects were not imported
	// because another object of their kind has the same name (a playbook
	// names each object once); the written playbook has the same notes as
	// comments.
	Skipped []string
	// Omitted says, one line each, which live objects were not imported
	// because their document does not fit their kind's spec schema (the
	// playbook would not validate); the playbook lists them in a comment.
	Omitted []string
}

// revisionText is " of VBR REST API REV", or "" without a revision.
func revisionText(rev string) string {
	if rev == "" {
		return ""
	}
	return " of VBR REST API " + rev
}

func sortedAddresses(m map[address]string) []address {
	out := make([]address, 0, len(m))
	for a := range m {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b address) int {
		if c := strings.Compare(a.kind, b.kind); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	return out
}

// DataEntry is a data query selecting one object by name, for a reference
// to an object that is not imported.
type DataEntry struct {
	Key   string
	Query string
	Field string // the field holding Name: name, or username for credentials
	Name  string
}

// Resource is one imported object.
type Resource struct {
	Kind  string
	Name  string
	Spec  steps.Doc
	Notes []string // comment lines written above the resource
}

// Import lists the live objects of the chosen kinds on conn and returns
// them as a playbook.
func Import(ctx context.Context, cat *steps.Catalog, conn *steps.Conn, opt Options) (*Playbook, error) {
	return importWith(ctx, cat, conn, opt, tableRulesOf(opt.Revision))
}

// maxPasses bounds the imports importWith runs: each pass leaves out the
// objects the previous one could not write as valid specs (references to
// them then fall back to names or ids).
const maxPasses = 3

// importWith is Import with the table rules of the kinds given.
func importWith(ctx context.Context, cat *steps.Catalog, conn *steps.Conn, opt Options, tables func(*steps.Kind) (tableRules, bool)) (*Playbook, error) {
	if opt.Target == "" {
		opt.Target = string(opt.API)
	}
	kinds, err := chooseKinds(cat, opt)
	if err != nil {
		return nil, err
	}
	omit := map[address]string{}
	for range maxPasses {
		pb, err := importOnce(ctx, cat, conn, opt, tables, kinds, omit)
		if err != nil {
			return nil, err
		}
		bad, err := invalid(cat, pb)
		if err != nil {
			return nil, err
		}
		if len(bad) == 0 {
			return pb, nil
		}
		for a, why := range bad {
			omit[a] = why
		}
	}
	return nil, fmt.Errorf("importer: the specs still do not fit their schemas after leaving out %d objects", len(omit))
}

// importOnce imports the objects of kinds, leaving out those of omit.
func importOnce(ctx context.Context, cat *steps.Catalog, conn *steps.Conn, opt Options, tables func(*steps.Kind) (tableRules, bool),
	kinds []*steps.Kind, omit map[address]string) (*Playbook, error) {
	im := &run{cat: cat, conn: conn, opt: opt, tables: tables, omit: omit, live: map[string][]steps.Object{}, data: map[string]DataEntry{},
		kept: map[string]map[string]string{}, skipped: map[string]map[string][]steps.Object{}, byID: map[string]string{},
		secrets: map[string]string{}, ids: map[string]map[string]idTarget{}}
	pb := &Playbook{API: opt.API, Target: opt.Target, APIVersion: opt.APIVersion}
	for _, k := range kinds {
		pb.Kinds = append(pb.Kinds, k.Name)
		if err := im.choose(ctx, k); err != nil {
			return nil, err
		}
	}
	for _, k := range kinds {
		for _, o := range im.live[k.Name] {
			if !im.isKept(k.Name, o) {
				continue
			}
			r, err := im.resource(ctx, k, o)
			if err != nil {
				return nil, err
			}
			if dups := im.skipped[k.Name][o.Name]; len(dups) > 0 {
				note := skippedNote(k.Name, o, dups)
				r.Notes = append([]string{note}, r.Notes...)
				pb.Skipped = append(pb.Skipped, note)
			}
			pb.Resources = append(pb.Resources, r)
		}
	}
	slices.SortFunc(pb.Resources, func(a, b Resource) int {
		if c := strings.Compare(a.Kind, b.Kind); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	for _, a := range sortedAddresses(omit) {
		pb.Omitted = append(pb.Omitted, fmt.Sprintf("%s %q is not imported: its live document does not fit the spec%s (%s); declare it by hand",
			a.kind, a.name, revisionText(opt.Revision), omit[a]))
	}
	slices.Sort(pb.Skipped)
	for _, d := range im.data {
		pb.Data = append(pb.Data, d)
	}
	slices.SortFunc(pb.Data, func(a, b DataEntry) int { return strings.Compare(a.Key, b.Key) })
	im.secrets[VarPrefix(opt.API)+"PASSWORD"] = ""
	for s := range im.secrets {
		pb.Secrets = append(pb.Secrets, s)
	}
	slices.Sort(pb.Secrets)
	return pb, nil
}

// choose lists the objects of k and picks those import writes: the ones
// matching the name glob, and of several objects with one name the first
// the server lists (the one a plan matches); the others are skipped with a
// note, as a playbook names each object once.
//
// A resource's name is its object's identity (the table's Identity:
// username for credentials, description for cloud credentials, hint for
// encryption passwords, the server name of an AD domain, the tenant id of
// an Entra ID tenant, the VM of a global exclusion, name elsewhere), and
// for most kinds it is also what create sends (SpecIdentity), so import
// cannot disambiguate by renaming: a numbered name would create a second
// object, not manage this one. Skipping with a note is the only honest
// choice.
func (im *run) choose(ctx context.Context, k *steps.Kind) error {
	objs, err := im.list(ctx, k.Name)
	if err != nil {
		return err
	}
	kept := map[string]string{}
	names := map[string]bool{}
	skipped := map[string][]steps.Object{}
	for _, o := range objs {
		if im.opt.Name != "" {
			if ok, _ := path.Match(im.opt.Name, o.Name); !ok {
				continue
			}
		}
		if names[o.Name] {
			skipped[o.Name] = append(skipped[o.Name], o)
			continue
		}
		if _, bad := im.omit[address{k.Name, o.Name}]; bad {
			continue
		}
		names[o.Name] = true
		kept[strings.ToLower(o.ID)] = o.Name
		if o.ID != "" {
			im.byID[strings.ToLower(o.ID)] = fmt.Sprintf("${{ resources[%s][%s].id }}", quoteExpr(k.Name), quoteExpr(o.Name))
		}
	}
	im.kept[k.Name] = kept
	im.skipped[k.Name] = skipped
	return nil
}

// isKept reports whether o is an object import writes.
func (im *run) isKept(kind string, o steps.Object) bool {
	name, ok := im.kept[kind][strings.ToLower(o.ID)]
	return ok && name == o.Name
}

// skippedNote says which objects named like o were not imported.
func skippedNote(kind string, o steps.Object, dups []steps.Object) string {
	var what []string
	for _, d := range dups {
		if desc, _ := d.Doc["description"].(string); desc != "" {
			what = append(what, fmt.Sprintf("%q", desc))
		}
	}
	one := plural(len(dups), "another", fmt.Sprintf("%d other", len(dups)))
	note := fmt.Sprintf("%s %q: %s %s %s the same name and %s not imported", kind, o.Name, one, kind,
		plural(len(dups), "object has", "objects have"), plural(len(dups), "is", "are"))
	if len(what) > 0 {
		note += " (description " + strings.Join(what, ", ") + ")"
	}
	return note + "; a playbook names each object once: give it a name of its own on the server to manage it here"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// VarPrefix is the prefix of the target variables of api ("VBR_").
func VarPrefix(api veeam.API) string { return strings.ToUpper(string(api)) + "_" }

func chooseKinds(cat *steps.Catalog, opt Options) ([]*steps.Kind, error) {
	if len(opt.Kinds) == 0 {
		var out []*steps.Kind
		for _, k := range cat.Kinds() {
			if k.API == opt.API && definedAt(k, opt.Revision) == nil {
				out = append(out, k)
			}
		}
		return out, nil
	}
	var out []*steps.Kind
	for _, name := range opt.Kinds {
		k, ok := cat.Kind(name)
		if !ok {
			return nil, fmt.Errorf("--kind %s: %w", name, ErrUnknownKind)
		}
		if k.API != opt.API {
			return nil, fmt.Errorf("--kind %s is a %s kind, not %s: %w", name, k.API, opt.API, ErrUnknownKind)
		}
		if err := definedAt(k, opt.Revision); err != nil {
			return nil, fmt.Errorf("--kind %s: %w", name, err)
		}
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	slices.SortFunc(out, func(a, b *steps.Kind) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// definedAt returns the error of a kind the VBR document revision rev
// does not define (nil when rev is "": any revision).
func definedAt(k *steps.Kind, rev string) error {
	if rev == "" {
		return nil
	}
	if err := steps.Defined(k.Name, rev); err != nil {
		return fmt.Errorf("not defined by VBR REST API %s: %w", rev, err)
	}
	return nil
}

// run is the state of one import.
type run struct {
	cat     *steps.Catalog
	conn    *steps.Conn
	opt     Options
	tables  func(*steps.Kind) (tableRules, bool)
	omit    map[address]string                   // objects left out: their specs do not fit
	live    map[string][]steps.Object            // by kind or query name, listed once
	kept    map[string]map[string]string         // kind -> lower-case id -> name, of the objects written
	skipped map[string]map[string][]steps.Object // kind -> name -> objects not written (same name)
	byID    map[string]string                    // lower-case id -> resources[...] reference, of the objects written
	data    map[string]DataEntry                 // by key
	secrets map[string]string                    // variable -> the field it is read into ("" for the target password)
	ids     map[string]map[string]idTarget       // kind -> lower-case id -> object, built by idsOf
}

// list returns the live objects of a kind, listed once.
func (im *run) list(ctx context.Context, kind string) ([]steps.Object, error) {
	if objs, ok := im.live[kind]; ok {
		return objs, nil
	}
	k, ok := im.cat.Kind(kind)
	if !ok {
		return nil, fmt.Errorf("%s: %w", kind, ErrUnknownKind)
	}
	objs, err := k.Ops.List(ctx, im.conn)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", kind, err)
	}
	im.live[kind] = objs
	return objs, nil
}

// query returns the items of a data query as objects, fetched once.
func (im *run) query(ctx context.Context, name string) ([]steps.Object, error) {
	key := "query:" + name
	if objs, ok := im.live[key]; ok {
		return objs, nil
	}
	q, ok := im.cat.Query(name)
	if !ok {
		return nil, fmt.Errorf("query %s: %w", name, ErrUnknownKind)
	}
	items, err := q.Fetch(ctx, im.conn, steps.Doc{})
	if err != nil {
		return nil, fmt.Errorf("import: resolve references: %w", err)
	}
	objs := make([]steps.Object, 0, len(items))
	for _, d := range items {
		name, _ := d["name"].(string)
		objs = append(objs, steps.Object{ID: fmt.Sprint(d["id"]), Name: name, Doc: d})
	}
	im.live[key] = objs
	return objs, nil
}

// schemaOf returns the spec schema of k at the import's revision.
func (im *run) schemaOf(k *steps.Kind) map[string]any {
	if im.opt.Revision != "" && k.SchemaAt != nil {
		return k.SchemaAt(im.opt.Revision)
	}
	return k.Schema
}

// resource writes one live object as a resource.
func (im *run) resource(ctx context.Context, k *steps.Kind, o steps.Object) (Resource, error) {
	spec, _ := Project(im.schemaOf(k), jsondoc.Copy(map[string]any(o.Doc))).(map[string]any)
	if spec == nil {
		spec = map[string]any{}
	}
	for _, p := range k.ReadOnly {
		removePath(spec, p)
	}
	for _, p := range k.Sensitive {
		removePath(spec, p)
	}
	r := Resource{Kind: k.Name, Name: o.Name}
	if k.Import.Note != "" {
		r.Notes = append(r.Notes, k.Import.Note)
	}
	for _, p := range sortedKeys(k.Import.Refs) {
		ref := k.Import.Refs[p]
		var err error
		mapPath(spec, p, func(v any) any {
			id, ok := v.(string)
			if !ok || id == "" || err != nil {
				return v
			}
			var expr, note string
			expr, note, err = im.reference(ctx, ref, id)
			if note != "" {
				addNote(&r, p+": "+note)
			}
			if expr == "" {
				return v
			}
			return expr
		})
		if err != nil {
			return Resource{}, fmt.Errorf("import %s %q: %s: %w", k.Name, o.Name, p, err)
		}
	}
	if tr, ok := im.tables(k); ok {
		if err := im.tableSpec(ctx, k, tr, o, im.schemaOf(k), spec, &r); err != nil {
			return Resource{}, err
		}
	}
	for _, p := range k.Import.WriteOnly {
		im.secretField(k, o, spec, p, &r, "is write-only (the server never returns it)")
	}
	for key, v := range k.Import.Fill {
		if _, ok := spec[key]; !ok {
			spec[key] = jsondoc.Copy(v)
		}
	}
	r.Spec = spec
	return r, nil
}

// reference returns the expression that stands for the object id refers
// to: resources[KIND][NAME].id when that object is imported too, else the
// id of a data query selecting it by name. "" keeps the id (an object
// that is not found, or a kind nothing can list), with a note saying why
// when its name is shared.
func (im *run) reference(ctx context.Context, ref steps.Ref, id string) (expr, note string, err error) {
	if name, ok := im.kept[ref.Kind][strings.ToLower(id)]; ok {
		return fmt.Sprintf("${{ resources[%s][%s].id }}", quoteExpr(ref.Kind), quoteExpr(name)), "", nil
	}
	if ref.Query == "" {
		return "", "", nil
	}
	if _, ok := im.cat.Query(ref.Query); !ok {
		return "", "", nil
	}
	objs, err := im.query(ctx, ref.Query)
	if err != nil {
		return "", "", err
	}
	field := ref.NameField
	if field == "" {
		field = "name"
	}
	for _, o := range objs {
		name, _ := o.Doc[field].(string)
		if !strings.EqualFold(o.ID, id) || name == "" {
			continue
		}
		// A data query selects one object by name: a shared name keeps
		// the id.
		if n := named(objs, field, name); n > 1 {
			return "", fmt.Sprintf("%s %s objects are named %q; the id is kept", count(n), ref.Kind, name), nil
		}
		key := dataKey(ref.Query, name)
		im.data[key] = DataEntry{Key: key, Query: ref.Query, Field: field, Name: name}
		return "${{ data." + key + ".id }}", "", nil
	}
	return "", "", nil
}

// named counts the items whose field is name.
func named(objs []steps.Object, field, name string) int {
	n := 0
	for _, o := range objs {
		if s, _ := o.Doc[field].(string); s == name {
			n++
		}
	}
	return n
}

var nonWord = regexp.MustCompile(`[^A-Za-z0-9]+`)

// dataKey is the data entry key for the object called name listed by
// query: "vbr.managed_servers", "linux01.tech.local" ->
// managed_servers_linux01_tech_local.
func dataKey(query, name string) string {
	_, q, _ := strings.Cut(query, ".")
	k := strings.ToLower(strings.Trim(nonWord.ReplaceAllString(q+"_"+name, "_"), "_"))
	if k == "" || k[0] >= '0' && k[0] <= '9' {
		k = "x" + k
	}
	return k
}

// SecretName is the variable a write-only field of an imported object is
// read from: VBR_CREDENTIAL_ADMIN_PASSWORD for the password of the
// vbr.credential called admin, VBR_KMS_SERVER_KMS01_CLIENTCERTIFICATE_CERTIFICATE
// for the nested field clientCertificate.certificate of kms01.
func SecretName(api veeam.API, kind, name, field string) string {
	_, short, _ := strings.Cut(kind, ".")
	s := strings.Trim(nonWord.ReplaceAllString(short+"_"+name+"_"+field, "_"), "_")
	return VarPrefix(api) + strings.ToUpper(s)
}

// quoteExpr quotes s as an expr string literal.
func quoteExpr(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
