package steps

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/vplay-dev/vplay/veeam"
	"github.com/vplay-dev/vplay/veeam/vbr"
)

// This file is the one place entries start and await asynchronous work, so
// every entry journals (Env.Track), re-attaches (Env.Resume) and reports
// progress (Env.Progress) the same way.

// asyncRef names one piece of asynchronous server work as the journal keeps
// it.
type asyncRef struct {
	Kind      veeam.AsyncKind
	ID        string // session id, task id, async action id, or watched object id
	RequestID string // the VSPC x-request-id, when one was sent
	// Created is when the server says a session started, from the answer
	// that started it; zero when unknown (resumed work). Not journalled: it
	// only lets the poller observe the session by its list from the start.
	Created time.Time
}

// track reports r to the engine's journal.
func track(env Env, r asyncRef) {
	if env.Track != nil && r.ID != "" {
		env.Track(r.Kind, r.ID, r.RequestID)
	}
}

// resumeRef asks the journal for work still in flight.
func resumeRef(env Env) (asyncRef, bool) {
	if env.Resume == nil {
		return asyncRef{}, false
	}
	k, id, rid, ok := env.Resume()
	if !ok || id == "" {
		return asyncRef{}, false
	}
	return asyncRef{Kind: k, ID: id, RequestID: rid}, true
}

func awaitOptions(env Env) veeam.AwaitOptions {
	return veeam.AwaitOptions{OnProgress: env.Progress}
}

// awaitRef waits for r to finish on c and returns its final document. A
// failure is the client's *veeam.AsyncError.
func awaitRef(ctx context.Context, c *Conn, env Env, r asyncRef) (Doc, error) {
	switch r.Kind {
	case veeam.KindSession:
		cl, err := vbrOf(c)
		if err != nil {
			return nil, err
		}
		return cl.WatchSession(ctx, r.ID, r.Created, awaitOptions(env))
	case veeam.KindTask:
		cl, err := emOf(c)
		if err != nil {
			return nil, err
		}
		return cl.WatchTask(ctx, r.ID, awaitOptions(env))
	case veeam.KindAsyncAction:
		cl, err := vspcOf(c)
		if err != nil {
			return nil, err
		}
		return cl.AwaitAction(ctx, r.ID, awaitOptions(env))
	case veeam.KindWatch:
		// The only watched objects are VSPC backup agents after a queued
		// restart (vspc_backup_agent_restart.go).
		return watchBackupAgent(ctx, c, env, r.ID)
	}
	return nil, fmt.Errorf("cannot await %q work %s", r.Kind, r.ID)
}

// startFunc starts asynchronous work and says what to await. A zero ref
// (empty ID) means the call finished synchronously and doc is its result.
type startFunc func(ctx context.Context) (r asyncRef, doc Doc, err error)

// awaitResumed awaits the work the journal reports in flight, if any. ok is
// false when there is nothing to resume, or when the server no longer knows
// the work (404: an EM task of an earlier logon, an expired VSPC action):
// then the entry is dropped with a note and the caller starts afresh after
// re-reading live state. (Whether an entry is this run's to adopt at all is
// the engine's decision, made before Resume answers; see Running.)
func awaitResumed(ctx context.Context, c *Conn, env Env) (doc Doc, ok bool, err error) {
	r, ok := resumeRef(env)
	if !ok {
		return nil, false, nil
	}
	return awaitJournalled(ctx, c, env, r)
}

// awaitJournalled is awaitResumed for the work r that Resume reported.
func awaitJournalled(ctx context.Context, c *Conn, env Env, r asyncRef) (doc Doc, ok bool, err error) {
	doc, err = awaitRef(ctx, c, env, r)
	if isNotFound(err) {
		dropEntry(env, fmt.Sprintf("journalled %s %s is unknown to the server; re-reading live state", r.Kind, r.ID))
		return nil, false, nil
	}
	if err != nil {
		return doc, true, fmt.Errorf("resume %s %s: %w", r.Kind, r.ID, err)
	}
	return doc, true, nil
}

// dropEntry removes the journalled work Resume reported, with a note.
func dropEntry(env Env, note string) {
	switch {
	case env.Drop != nil:
		env.Drop(note)
	case env.Logf != nil:
		env.Logf("%s", note)
	}
}

// Running observes journalled work once, without waiting: true while it
// runs, false once it has ended; an error when it cannot tell, such as a
// 404 for an EM task of another logon or an expired VSPC action. The
// planner asks it for
// every journal entry left by earlier runs, after reading live state: work
// that had already ended then is reflected in the plan and is not adopted
// by apply. Watched objects (KindWatch) cannot be observed this way and
// count as ended.
func Running(ctx context.Context, c *Conn, kind veeam.AsyncKind, id string) (bool, error) {
	var (
		d     Doc
		err   error
		state string
		ended []string
	)
	switch kind {
	case veeam.KindSession:
		cl, cerr := vbrOf(c)
		if cerr != nil {
			return false, cerr
		}
		d, err = cl.Get(ctx, pathSessions+"/"+url.PathEscape(id), nil)
		state, ended = str(d, "state"), []string{"Stopped"}
	case veeam.KindTask:
		cl, cerr := emOf(c)
		if cerr != nil {
			return false, cerr
		}
		d, err = cl.Get(ctx, "/api/tasks/"+url.PathEscape(id), nil)
		state, ended = str(d, "State"), []string{"Finished"}
	case veeam.KindAsyncAction:
		cl, cerr := vspcOf(c)
		if cerr != nil {
			return false, cerr
		}
		d, err = cl.Get(ctx, "/api/v3/asyncActions/"+url.PathEscape(id), nil)
		state, ended = str(d, "status"), []string{"succeed", "failed", "canceled"}
	default:
		return false, nil
	}
	if err != nil {
		// 404 included: an EM task of another logon, an expired VSPC
		// action. Apply's await finds out and re-reads live state.
		return false, fmt.Errorf("observe %s %s: %w", kind, id, err)
	}
	for _, e := range ended {
		if strings.EqualFold(state, e) {
			return false, nil
		}
	}
	return true, nil
}

// startAndAwait calls start, journals what it started and awaits it.
func startAndAwait(ctx context.Context, c *Conn, env Env, start startFunc) (Doc, error) {
	r, doc, err := start(ctx)
	if err != nil {
		return nil, err
	}
	if r.ID == "" {
		return doc, nil
	}
	track(env, r)
	return awaitRef(ctx, c, env, r)
}

// runAsync is startAndAwait preceded by the journal check: when the
// journal reports this operation's work still in flight, it is awaited and
// start is not called.
func runAsync(ctx context.Context, c *Conn, env Env, start startFunc) (Doc, error) {
	if doc, ok, err := awaitResumed(ctx, c, env); ok || err != nil {
		return doc, err
	}
	return startAndAwait(ctx, c, env, start)
}

// sessionRef reads the SessionModel a VBR call answered with. VBR answers
// 200 or 201 with a session for most seed operations; the body decides.
func sessionRef(resp *veeam.Response) (asyncRef, error) {
	if resp == nil || resp.Doc == nil {
		return asyncRef{}, errors.New("no session in the response")
	}
	id := scalarString(resp.Doc["id"])
	if id == "" || (resp.Doc["state"] == nil && resp.Doc["sessionType"] == nil) {
		return asyncRef{}, fmt.Errorf("response %d is not a session", resp.Status)
	}
	return asyncRef{Kind: veeam.KindSession, ID: id, Created: vbr.SessionCreated(resp.Doc)}, nil
}

// vbrSessionCall is a startFunc for a VBR POST or PUT answered with a
// session.
func vbrSessionCall(cl *vbr.Client, method, p string, q url.Values, body any) startFunc {
	return func(ctx context.Context) (asyncRef, Doc, error) {
		resp, err := cl.Do(ctx, method, p, q, body)
		if err != nil {
			return asyncRef{}, nil, err
		}
		r, err := sessionRef(resp)
		if err != nil {
			return asyncRef{}, nil, fmt.Errorf("%s %s: %w", method, p, err)
		}
		return r, nil, nil
	}
}

// uncertainMargin widens the window in which sessions started by a request
// whose answer was lost are searched, for clock skew between vplay and the
// server.
const uncertainMargin = 2 * time.Minute

// settleUncertain is the create-pending rule after a call whose answer was
// lost (veeam.ErrUncertain): it never repeats the call; it awaits every
// session of sessionType that started since `since` and has not finished,
// so the caller can then re-read live state. It returns how many sessions
// it awaited.
func settleUncertain(ctx context.Context, c *Conn, env Env, sessionType string, since time.Time) (int, error) {
	cl, err := vbrOf(c)
	if err != nil {
		return 0, err
	}
	q := url.Values{}
	q.Set("createdAfterFilter", since.Add(-uncertainMargin).UTC().Format(time.RFC3339))
	if sessionType != "" {
		q.Set("typeFilter", sessionType)
	}
	items, err := cl.List(ctx, pathSessions, q)
	if err != nil {
		return 0, fmt.Errorf("list sessions after an unanswered request: %w", err)
	}
	n := 0
	for _, s := range items {
		if sessionType != "" && !strings.EqualFold(str(s, "sessionType"), sessionType) {
			continue
		}
		if strings.EqualFold(str(s, "state"), "Stopped") {
			continue
		}
		r := asyncRef{Kind: veeam.KindSession, ID: scalarString(s["id"])}
		track(env, r)
		if _, err := awaitRef(ctx, c, env, r); err != nil {
			return n, fmt.Errorf("await session %s started by an unanswered request: %w", r.ID, err)
		}
		n++
	}
	return n, nil
}

// lastSegment returns the last path element of a URL or path ("Location:
// .../asyncActions/{id}" -> id).
func lastSegment(loc string) string {
	if u, err := url.Parse(loc); err == nil && u.Path != "" {
		loc = u.Path
	}
	return path.Base(strings.TrimRight(loc, "/"))
}

// orRecover wraps a call that starts a VBR session of sessionType: when its
// answer is lost (veeam.ErrUncertain) the call is not sent again; a session
// of that type that was not there before the call is awaited instead, and
// when there is none the error says the call was not retried. The sessions
// are listed once before the call so that a session someone else started
// earlier is never mistaken for ours.
func orRecover(c *Conn, sessionType string, start startFunc) startFunc {
	list := func(ctx context.Context, since time.Time) (map[string]time.Time, error) {
		return recentSessions(ctx, c, sessionType, since)
	}
	return recoverSessions(list, sessionType+" session", start)
}

// sessionLister returns the sessions a recovery watches that started
// since a time, with their start times, by id.
type sessionLister func(ctx context.Context, since time.Time) (map[string]time.Time, error)

// recoverSessions is the recovery of orRecover over the sessions list
// returns; what names them in errors ("Backup session", "session of the
// job").
func recoverSessions(list sessionLister, what string, start startFunc) startFunc {
	return func(ctx context.Context) (asyncRef, Doc, error) {
		since := time.Now()
		before, preErr := list(ctx, since)
		r, d, err := start(ctx)
		if !errors.Is(err, veeam.ErrUncertain) {
			return r, d, err
		}
		if preErr != nil {
			return asyncRef{}, nil, fmt.Errorf("not retried: %w", err)
		}
		after, ferr := list(ctx, since)
		if ferr != nil {
			return asyncRef{}, nil, fmt.Errorf("not retried: %w (re-reading sessions failed: %v)", err, ferr)
		}
		var id string
		var newest time.Time
		for sid, t := range after {
			if _, old := before[sid]; old || (id != "" && !t.After(newest)) {
				continue
			}
			id, newest = sid, t
		}
		if id == "" {
			return asyncRef{}, nil, fmt.Errorf("no %s started, not retried: %w", what, err)
		}
		return asyncRef{Kind: veeam.KindSession, ID: id}, nil, nil
	}
}

// recentSessions maps the ids of the sessions of sessionType created since
// (less uncertainMargin) to their creation time.
func recentSessions(ctx context.Context, c *Conn, sessionType string, since time.Time) (map[string]time.Time, error) {
	cl, err := vbrOf(c)
	if err != nil {
		return nil, err
	}
	from := since.Add(-uncertainMargin)
	q := url.Values{}
	q.Set("createdAfterFilter", from.UTC().Format(time.RFC3339))
	q.Set("typeFilter", sessionType)
	items, err := cl.List(ctx, pathSessions, q)
	if err != nil {
		return nil, err
	}
	out := map[string]time.Time{}
	for _, s := range items {
		if !strings.EqualFold(str(s, "sessionType"), sessionType) {
			continue
		}
		t, _ := parseVendorTime(str(s, "creationTime"))
		out[scalarString(s["id"])] = t
	}
	return out, nil
}
