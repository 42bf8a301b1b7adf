package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"
)

// timeline says where the wall time of a run of asynchronous work went,
// from the simulator's request log (each request's time is when the
// simulator answered it, after the latency: the moment it looked at its
// state) and from the sessions or tasks it ran.
type timeline struct {
	// Floor is the wall the same durations would take on the same number
	// of slots with no overhead at all: each operation started the instant
	// a slot is free, in the order the run started them, from the first
	// start.
	Floor float64 `json:"floor_s"`
	// Startup is from the start of vplay to its first vendor request;
	// FirstStart to the first operation the server started (login, plan,
	// reads before the work); Tail from the end of the last operation to
	// vplay's exit.
	Startup    float64 `json:"startup_s"`
	FirstStart float64 `json:"first_start_s"`
	Tail       float64 `json:"tail_s"`
	// Lag is from an operation's end to the first poll that saw it ended
	// (ms); Turnaround from the k-th end to the start of operation k+slots,
	// the one that took the freed slot (ms): lag plus vplay's own work plus
	// the starting request.
	Lag        quantiles `json:"lag_ms"`
	Turnaround quantiles `json:"turnaround_ms"`
	// Polls counts the requests that observe operations (per-operation
	// GETs and lists); PerPoll is how many ended operations each poll saw
	// for the first time.
	Polls   int       `json:"polls"`
	PerPoll quantiles `json:"newly_ended_per_poll"`
	// ReadBacks counts reads of the created objects; PerReadBack is how
	// many operations each served (those seen ended since the previous).
	ReadBacks int `json:"read_backs,omitempty"`
}

// quantiles are the 50th and 90th percentiles and the maximum.
type quantiles struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	Max float64 `json:"max"`
}

func (q quantiles) String() string { return fmt.Sprintf("%.0f/%.0f/%.0f", q.P50, q.P90, q.Max) }

func quantilesOf(xs []float64) quantiles {
	if len(xs) == 0 {
		return quantiles{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return quantiles{P50: s[len(s)/2], P90: s[min(len(s)*9/10, len(s)-1)], Max: s[len(s)-1]}
}

// simRequest is one entry of the simulator's request log.
type simRequest struct {
	API      string    `json:"api"`
	Method   string    `json:"method"`
	Path     string    `json:"path"`
	Template string    `json:"template"`
	Query    string    `json:"query"`
	Time     time.Time `json:"time"`
}

// asyncOp is one session or task: when the server started and ended it.
type asyncOp struct {
	id         string
	start, end time.Time
}

// timelineSpec says how a scenario's operations are read and observed.
type timelineSpec struct {
	api   string // vbr or em
	slots func(size) int
	// ops reads the operations from the simulator state of that API.
	ops func(raw json.RawMessage) ([]asyncOp, error)
	// observes reports whether request r looks at operation o.
	observes func(r simRequest, o asyncOp) bool
	// poll reports whether r is a poll; readBack whether it reads created
	// objects back.
	poll, readBack func(r simRequest) bool
}

// vbrSessions is the timeline of apply-100: VBR sessions, polled by GET
// /api/v1/sessions/{id} or the createdAfterFilter list, read back by
// repository lists.
var vbrSessions = &timelineSpec{
	api:   "vbr",
	slots: func(s size) int { return s.createPar },
	ops: func(raw json.RawMessage) ([]asyncOp, error) {
		var st struct {
			Sessions []struct {
				ID       string        `json:"id"`
				Type     string        `json:"sessionType"`
				Created  time.Time     `json:"creationTime"`
				Duration time.Duration `json:"duration"`
			} `json:"sessions"`
		}
		if err := json.Unmarshal(raw, &st); err != nil {
			return nil, err
		}
		var out []asyncOp
		for _, s := range st.Sessions {
			if s.Type == "Infrastructure" {
				out = append(out, asyncOp{id: s.ID, start: s.Created, end: s.Created.Add(s.Duration)})
			}
		}
		return out, nil
	},
	poll: func(r simRequest) bool {
		return r.Method == "GET" && strings.HasPrefix(r.Path, "/api/v1/sessions") && !strings.HasSuffix(r.Path, "/logs")
	},
	observes: func(r simRequest, o asyncOp) bool {
		if r.Path == "/api/v1/sessions/"+o.id {
			return true
		}
		if r.Path != "/api/v1/sessions" {
			return false
		}
		q, _ := url.ParseQuery(r.Query)
		after, err := time.Parse(time.RFC3339Nano, q.Get("createdAfterFilter"))
		return err == nil && o.start.After(after)
	},
	readBack: func(r simRequest) bool {
		return r.Method == "GET" && r.Path == "/api/v1/backupInfrastructure/repositories"
	},
}

// emTasks is the timeline of steps-500: EM tasks, polled by GET
// /api/tasks/{id} or the task list.
var emTasks = &timelineSpec{
	api:   "em",
	slots: func(s size) int { return s.retryPar },
	ops: func(raw json.RawMessage) ([]asyncOp, error) {
		var st struct {
			Tasks []struct {
				ID       string    `json:"TaskId"`
				Started  time.Time `json:"Started"`
				Duration int64     `json:"DurationNs"`
			} `json:"tasks"`
		}
		if err := json.Unmarshal(raw, &st); err != nil {
			return nil, err
		}
		var out []asyncOp
		for _, t := range st.Tasks {
			out = append(out, asyncOp{id: t.ID, start: t.Started, end: t.Started.Add(time.Duration(t.Duration))})
		}
		return out, nil
	},
	poll: func(r simRequest) bool { return r.Method == "GET" && strings.HasPrefix(r.Path, "/api/tasks") },
	observes: func(r simRequest, o asyncOp) bool {
		return r.Path == "/api/tasks/"+o.id || r.Path == "/api/tasks"
	},
	readBack: func(simRequest) bool { return false },
}

// timelineOf reads the simulator's log and state after a run that started
// at start and ended at exit.
func (s *simProc) timelineOf(spec *timelineSpec, sz size, start, exit time.Time, csvPath string) (*timeline, error) {
	resp, err := s.client.Get(s.env["VBR_URL"] + "/_sim/requests?api=" + spec.api)
	if err != nil {
		return nil, err
	}
	var log struct {
		Requests []simRequest `json:"requests"`
	}
	err = json.NewDecoder(resp.Body).Decode(&log)
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read the request log: %w", err)
	}
	resp, err = s.client.Get(s.env["VBR_URL"] + "/_sim/state")
	if err != nil {
		return nil, err
	}
	var state map[string]json.RawMessage
	err = json.NewDecoder(resp.Body).Decode(&state)
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read the state: %w", err)
	}
	ops, err := spec.ops(state[spec.api])
	if err != nil {
		return nil, fmt.Errorf("read the operations: %w", err)
	}
	reqs := slices.DeleteFunc(log.Requests, func(r simRequest) bool { return r.Time.Before(start) || strings.HasPrefix(r.Path, "/_sim") })
	ops = slices.DeleteFunc(ops, func(o asyncOp) bool { return o.start.Before(start) })
	if len(ops) == 0 || len(reqs) == 0 {
		return nil, fmt.Errorf("no operations or requests in the run")
	}
	return analyse(spec, spec.slots(sz), reqs, ops, start, exit, csvPath)
}

// analyse computes the timeline; with csvPath it also writes one line per
// operation there.
func analyse(spec *timelineSpec, slots int, reqs []simRequest, ops []asyncOp, start, exit time.Time, csvPath string) (*timeline, error) {
	slices.SortFunc(reqs, func(a, b simRequest) int { return a.Time.Compare(b.Time) })
	slices.SortFunc(ops, func(a, b asyncOp) int { return a.start.Compare(b.start) })
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	t := &timeline{Startup: reqs[0].Time.Sub(start).Seconds(), FirstStart: ops[0].start.Sub(start).Seconds()}

	// Floor: the same durations, in the same order, on slots with no gaps.
	free := make([]time.Time, slots)
	for i := range free {
		free[i] = ops[0].start
	}
	var last time.Time
	for _, o := range ops {
		i := 0
		for j := range free {
			if free[j].Before(free[i]) {
				i = j
			}
		}
		free[i] = free[i].Add(o.end.Sub(o.start))
		if free[i].After(last) {
			last = free[i]
		}
	}
	t.Floor = last.Sub(ops[0].start).Seconds()

	seen := make([]time.Time, len(ops))
	var polls []simRequest
	for _, r := range reqs {
		if spec.poll(r) {
			polls = append(polls, r)
		}
		if spec.readBack(r) && r.Time.After(ops[0].start) {
			t.ReadBacks++
		}
	}
	t.Polls = len(polls)
	var lags, perPoll []float64
	lastEnd := ops[0].end
	for _, p := range polls {
		n := 0
		for i, o := range ops {
			if seen[i].IsZero() && !p.Time.Before(o.end) && spec.observes(p, o) {
				seen[i] = p.Time
				lags = append(lags, ms(p.Time.Sub(o.end)))
				n++
			}
		}
		perPoll = append(perPoll, float64(n))
	}
	t.Lag, t.PerPoll = quantilesOf(lags), quantilesOf(perPoll)

	ends := make([]time.Time, len(ops))
	for i, o := range ops {
		ends[i] = o.end
		if o.end.After(lastEnd) {
			lastEnd = o.end
		}
	}
	slices.SortFunc(ends, func(a, b time.Time) int { return a.Compare(b) })
	var turn []float64
	for k := 0; k+slots < len(ops); k++ {
		turn = append(turn, ms(ops[k+slots].start.Sub(ends[k])))
	}
	t.Turnaround = quantilesOf(turn)
	t.Tail = exit.Sub(lastEnd).Seconds()

	if csvPath != "" {
		var b strings.Builder
		b.WriteString("id,start_ms,end_ms,seen_ms\n")
		for i, o := range ops {
			fmt.Fprintf(&b, "%s,%.1f,%.1f,%.1f\n", o.id, ms(o.start.Sub(start)), ms(o.end.Sub(start)), ms(seen[i].Sub(start)))
		}
		b.WriteString("\npoll_ms,path,query\n")
		for _, r := range reqs {
			fmt.Fprintf(&b, "%.1f,%s %s,%s\n", ms(r.Time.Sub(start)), r.Method, r.Path, r.Query)
		}
		if err := os.WriteFile(csvPath, []byte(b.String()), 0o644); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func (t *timeline) String() string {
	return fmt.Sprintf("floor %.2fs, startup %.2fs, first op at %.2fs, tail %.2fs; lag ms p50/p90/max %s, turnaround ms %s; %d polls (newly ended per poll %s), %d read backs",
		t.Floor, t.Startup, t.FirstStart, t.Tail, t.Lag, t.Turnaround, t.Polls, t.PerPoll, t.ReadBacks)
}
