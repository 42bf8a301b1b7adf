package steps

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vplay-dev/vplay/veeam"
	"github.com/vplay-dev/vplay/veeam/vbr"
)

// This file builds the VBR actions that are one POST on one object of a
// collection ({collection}/{id}/{operation}), or on the server itself:
// job start/stop/retry/enable/disable, managed-server and protection-group
// rescans, password and certificate changes, configuration backup and the
// security analyzer. Each file of those actions is one objectAction value.

// objectAction is an action on one object of a VBR collection.
type objectAction struct {
	name    string // catalogue name
	what    string // "job", in messages
	summary string
	doc     string // what the operation does; the common behaviour is appended
	example string
	risk    Risk
	// collection is the vendor collection ("/api/v1/jobs"); "" for an
	// action on the server itself (operation is then the whole path).
	collection string
	// ref is the with key naming the object (by name or id); nameField is
	// the model field holding that name ("" means name).
	ref, refDoc string
	nameField   string
	operation   string
	// The request body is the vendor's request model of the operation at
	// the target's revision (see vbr_action_inputs.go): its fields are
	// with keys, checked against that revision's schema.
	//
	// vendorBody: some revision documents a request body for the
	// operation (a test checks this against the documents).
	vendorBody bool
	// rename gives a vendor field another with key where the vendor name
	// would read wrongly (the new hint of an encryption password is
	// newHint, as hint names the password to change).
	rename map[string]string
	// fill supplies vendor fields the with block may leave out (the
	// vendor requires them): their with keys are optional.
	fill map[string]fillValue
	// refine adds keywords (description, minLength) to the schema of with
	// keys, vendor fields included, where vplay documents or demands more.
	refine map[string]map[string]any
	// sessionType is the sessionType of the session the operation starts
	// (for the lost-answer rule); jobSessions finds it by jobIdFilter
	// instead. Neither: the vendor answers without a session.
	sessionType string
	jobSessions bool
	// mayAnswerSession: the answer is a session in some revisions and
	// empty in others (protection group enable/disable: a session in
	// 1.3-rev0, 204 from 1.3-rev1).
	mayAnswerSession bool
	// state, when set, reads what the precondition and done need (the job
	// state of a job, the object itself otherwise).
	state func(ctx context.Context, cl *vbr.Client, obj Doc) (Doc, error)
	// skip, when set, says from the state why there is nothing to do ("").
	skip func(state Doc) string
	// refuse, when set, says from the state why the action cannot run
	// (an error for the step, not a skip).
	refuse func(state Doc) string
	// done, when set, says from the state re-read after a lost answer
	// whether the operation took effect, so it is not sent again.
	done func(state Doc) bool
	// stopsRunning: the operation answers with the session it stops (job
	// stop); after a lost answer the job's running session is awaited.
	stopsRunning bool
}

func (a objectAction) action() *Action {
	await := veeam.AsyncKind("")
	if a.sessionType != "" || a.jobSessions || a.mayAnswerSession {
		await = veeam.KindSession
	}
	meta := Meta{
		Name: a.name, API: veeam.VBR, Summary: a.summary, Example: a.example,
		Doc: a.doc + "\n" + a.commonDoc(),
	}
	a.inputs(&meta)
	return &Action{
		Meta:  meta,
		Risk:  a.risk,
		Await: await,
		Ops:   a,
	}
}

// commonDoc says what every object action does alike.
func (a objectAction) commonDoc() string {
	var b strings.Builder
	if a.collection != "" {
		fmt.Fprintf(&b, "The %s is given by %s: a name (resolved by listing %s) or an id. ", a.what, a.ref, a.collection)
	}
	if a.vendorBody {
		b.WriteString("The other with keys are the fields of the vendor's request model at the target's API revision ('vplay describe " +
			a.name + " --api-version REV' lists them): a field that revision does not have is refused at validate. ")
	}
	switch {
	case a.sessionType != "" || a.jobSessions:
		b.WriteString("The session the server starts is awaited and the step result holds its id, result, message and log lines; a Failed session fails the step. ")
	case a.mayAnswerSession:
		b.WriteString("When the revision answers with a session it is awaited. ")
	default:
		b.WriteString("The server answers at once, without a session. ")
	}
	switch {
	case a.stopsRunning:
		b.WriteString("When the answer is lost, the POST is not sent again: the job's session still running, if any, is awaited.")
	case a.jobSessions:
		b.WriteString("When the answer is lost, the POST is not sent again: the session the job started since is awaited instead.")
	case a.sessionType != "":
		fmt.Fprintf(&b, "When the answer is lost, the POST is not sent again: a %s session started since is awaited instead.", a.sessionType)
	case a.done != nil:
		fmt.Fprintf(&b, "When the answer is lost, the POST is not sent again: the %s is re-read to see whether it took effect.", a.what)
	default:
		b.WriteString("When the answer is lost, the POST is not sent again and the step fails saying so (the server offers no way to tell whether it took effect).")
	}
	return wrapText(b.String(), 115)
}

// wrapText breaks s into lines of at most width characters at spaces, as
// the hand-written docs are.
func wrapText(s string, width int) string {
	var b strings.Builder
	n := 0
	for i, w := range strings.Fields(s) {
		if i > 0 && n+1+len(w) > width {
			b.WriteString("\n")
			n = 0
		} else if i > 0 {
			b.WriteString(" ")
			n++
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String()
}

// actionTarget is the object an action works on, with the state its checks read.
type actionTarget struct {
	id, name string
	obj      Doc
	state    Doc
}

func (a objectAction) resolve(ctx context.Context, cl *vbr.Client, with Doc) (actionTarget, error) {
	if a.collection == "" {
		return actionTarget{}, nil
	}
	ref := str(with, a.ref)
	var obj Doc
	var err error
	if looksLikeUUID(ref) {
		obj, err = cl.Get(ctx, a.collection+"/"+url.PathEscape(ref), nil)
		if isNotFound(err) {
			obj, err = a.byName(ctx, cl, ref)
		}
	} else {
		obj, err = a.byName(ctx, cl, ref)
	}
	if err != nil {
		return actionTarget{}, err
	}
	t := actionTarget{id: scalarString(obj["id"]), name: a.label(obj, ref), obj: obj, state: obj}
	if a.state != nil {
		if t.state, err = a.state(ctx, cl, obj); err != nil {
			return actionTarget{}, fmt.Errorf("read the state of %s %q: %w", a.what, t.name, err)
		}
	}
	return t, nil
}

func (a objectAction) byName(ctx context.Context, cl *vbr.Client, name string) (Doc, error) {
	field := a.nameField
	if field == "" {
		field = "name"
	}
	// Only name is pushed down: what nameFilter matches on collections
	// without a name (credentials) is not documented, so those are listed
	// whole and matched here.
	q := url.Values{}
	if field == "name" {
		q.Set("nameFilter", name)
	}
	items, err := cl.List(ctx, a.collection, q)
	if err != nil {
		return nil, fmt.Errorf("find %s %q: %w", a.what, name, err)
	}
	return oneNamed(a.what, name, filterDocs(items, func(d Doc) bool { return str(d, field) == name }))
}

// label names an object in messages.
func (a objectAction) label(obj Doc, fallback string) string {
	field := a.nameField
	if field == "" {
		field = "name"
	}
	if s := str(obj, field); s != "" {
		return s
	}
	return fallback
}

// subject is what the action acts on, for messages: `job "Daily"`.
func (a objectAction) subject(t actionTarget) string {
	if a.collection == "" {
		return a.what
	}
	return fmt.Sprintf("%s %q", a.what, t.name)
}

func (a objectAction) Preview(ctx context.Context, c *Conn, with Doc) (Preview, error) {
	cl, err := vbrOf(c)
	if err != nil {
		return Preview{}, err
	}
	t, err := a.resolve(ctx, cl, with)
	if err != nil {
		return Preview{}, fmt.Errorf("%s: %w", a.name, err)
	}
	// A templated with block is known only now: a key the revision does
	// not accept fails the plan, not the apply.
	if _, err := a.body(cl.APIVersion(), with, t.obj); err != nil {
		return Preview{}, fmt.Errorf("%s %s: %w", a.name, a.subject(t), err)
	}
	if a.refuse != nil {
		if why := a.refuse(t.state); why != "" {
			return Preview{}, fmt.Errorf("%s %s: %s", a.name, a.subject(t), why)
		}
	}
	if a.skip != nil {
		if why := a.skip(t.state); why != "" {
			return Preview{Skip: true, Reason: why}, nil
		}
	}
	verb := strings.ReplaceAll(a.name[strings.LastIndex(a.name, ".")+1:], "_", " ")
	if strings.HasPrefix(verb, "change ") {
		verb += " of"
	}
	p := Preview{Summary: verb + " " + a.subject(t)}
	if t.name != "" {
		p.Items = []string{t.name}
	}
	return p, nil
}

func (a objectAction) Run(ctx context.Context, c *Conn, env Env, with Doc) (Doc, error) {
	cl, err := vbrOf(c)
	if err != nil {
		return nil, err
	}
	if doc, ok, err := awaitResumed(ctx, c, env); ok || err != nil {
		if err != nil {
			return nil, fmt.Errorf("%s: %w", a.name, err)
		}
		return a.result(ctx, cl, actionTarget{}, doc), nil
	}
	t, err := a.resolve(ctx, cl, with)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", a.name, err)
	}
	if a.refuse != nil {
		if why := a.refuse(t.state); why != "" {
			return nil, fmt.Errorf("%s %s: %s", a.name, a.subject(t), why)
		}
	}
	if a.skip != nil {
		if why := a.skip(t.state); why != "" {
			out := a.result(ctx, cl, t, nil)
			out["skipped"] = why
			return out, nil
		}
	}
	p := a.operation
	if a.collection != "" {
		p = a.collection + "/" + url.PathEscape(t.id) + "/" + a.operation
	}
	body, err := a.body(cl.APIVersion(), with, t.obj)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", a.name, a.subject(t), err)
	}
	s, err := startAndAwait(ctx, c, env, a.recover(c, cl, t, a.call(cl, p, body)))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", a.name, a.subject(t), err)
	}
	return a.result(ctx, cl, t, s), nil
}

// call POSTs the operation: a session answer is awaited, an empty one is
// done.
func (a objectAction) call(cl *vbr.Client, p string, body any) startFunc {
	return func(ctx context.Context) (asyncRef, Doc, error) {
		resp, err := cl.Do(ctx, http.MethodPost, p, nil, body)
		if err != nil {
			return asyncRef{}, nil, err
		}
		if r, serr := sessionRef(resp); serr == nil {
			return r, nil, nil
		}
		if a.sessionType != "" || a.jobSessions {
			return asyncRef{}, nil, fmt.Errorf("POST %s: answered %d without a session", p, resp.Status)
		}
		return asyncRef{}, nil, nil
	}
}

// recover wraps start with the lost-answer rule of the action: never POST
// again; find the session it started, or re-read the object.
func (a objectAction) recover(c *Conn, cl *vbr.Client, t actionTarget, start startFunc) startFunc {
	switch {
	case a.stopsRunning:
		return orAwaitRunning(cl, t.id, start)
	case a.jobSessions:
		return orRecoverJob(cl, t.id, start)
	case a.sessionType != "":
		return orRecover(c, a.sessionType, start)
	}
	return func(ctx context.Context) (asyncRef, Doc, error) {
		r, d, err := start(ctx)
		if !errors.Is(err, veeam.ErrUncertain) {
			return r, d, err
		}
		if a.done == nil || a.state == nil && a.collection == "" {
			return asyncRef{}, nil, fmt.Errorf("not retried (the server may have done it; check before running the step again): %w", err)
		}
		again, rerr := a.resolve(ctx, cl, Doc{a.ref: t.id})
		if rerr != nil {
			return asyncRef{}, nil, fmt.Errorf("not retried: %w (re-reading the %s failed: %v)", err, a.what, rerr)
		}
		if !a.done(again.state) {
			return asyncRef{}, nil, fmt.Errorf("not retried, and the %s shows no effect: %w", a.what, err)
		}
		return asyncRef{}, nil, nil
	}
}

// result is the step result: the object and, for a session, its outcome
// and log lines.
func (a objectAction) result(ctx context.Context, cl *vbr.Client, t actionTarget, s Doc) Doc {
	out := sessionResult(s)
	if a.collection != "" && t.id != "" {
		out[a.ref] = t.name
		out["id"] = t.id
	}
	if id := str(s, "id"); id != "" {
		if lines, err := cl.SessionLogs(ctx, id); err == nil {
			out["log"] = lines
		}
	}
	return out
}

// orRecoverJob is orRecover for a job operation: the sessions are those
// of the job (jobIdFilter), whatever their type.
func orRecoverJob(cl *vbr.Client, jobID string, start startFunc) startFunc {
	list := func(ctx context.Context, since time.Time) (map[string]time.Time, error) {
		return jobSessions(ctx, cl, jobID, since)
	}
	return recoverSessions(list, "session of the job", start)
}

// jobSessions maps the ids of the sessions of a job created since (less
// uncertainMargin) to their creation time.
func jobSessions(ctx context.Context, cl *vbr.Client, jobID string, since time.Time) (map[string]time.Time, error) {
	q := url.Values{}
	q.Set("createdAfterFilter", since.Add(-uncertainMargin).UTC().Format(time.RFC3339))
	q.Set("jobIdFilter", jobID)
	items, err := cl.List(ctx, pathSessions, q)
	if err != nil {
		return nil, err
	}
	out := map[string]time.Time{}
	for _, s := range items {
		if !strings.EqualFold(str(s, "jobId"), jobID) {
			continue
		}
		t, _ := parseVendorTime(str(s, "creationTime"))
		out[scalarString(s["id"])] = t
	}
	return out, nil
}

// orAwaitRunning wraps a stop whose answer is the session it stops: after
// a lost answer, the job's newest session that has not ended is awaited;
// none means the job has stopped.
func orAwaitRunning(cl *vbr.Client, jobID string, start startFunc) startFunc {
	return func(ctx context.Context) (asyncRef, Doc, error) {
		r, d, err := start(ctx)
		if !errors.Is(err, veeam.ErrUncertain) {
			return r, d, err
		}
		q := url.Values{}
		q.Set("jobIdFilter", jobID)
		items, lerr := cl.List(ctx, pathSessions, q)
		if lerr != nil {
			return asyncRef{}, nil, fmt.Errorf("not retried: %w (re-reading the job's sessions failed: %v)", err, lerr)
		}
		var id string
		var newest time.Time
		for _, s := range items {
			if !strings.EqualFold(str(s, "jobId"), jobID) || strings.EqualFold(str(s, "state"), "Stopped") {
				continue
			}
			t, _ := parseVendorTime(str(s, "creationTime"))
			if id == "" || t.After(newest) {
				id, newest = scalarString(s["id"]), t
			}
		}
		if id == "" {
			return asyncRef{}, nil, nil // no session of the job runs: it has stopped
		}
		return asyncRef{Kind: veeam.KindSession, ID: id}, nil, nil
	}
}
