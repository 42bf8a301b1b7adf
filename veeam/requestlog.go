package veeam

import (
	"maps"
	"regexp"
	"strings"
	"sync"
)

// RequestLog counts the requests of a run per "METHOD /path/{template}",
// for `vplay apply --stats` and the benchmarks. It is safe for concurrent
// use and may be shared by several clients. Retries count as requests.
type RequestLog struct {
	mu     sync.Mutex
	counts map[string]int
}

// NewRequestLog returns an empty log.
func NewRequestLog() *RequestLog { return &RequestLog{counts: map[string]int{}} }

// Add counts one request.
func (l *RequestLog) Add(method, path string) {
	if l == nil {
		return
	}
	key := strings.ToUpper(method) + " " + PathTemplate(path)
	l.mu.Lock()
	l.counts[key]++
	l.mu.Unlock()
}

// Counts returns a copy of the counts per "METHOD /path/{template}".
func (l *RequestLog) Counts() map[string]int {
	if l == nil {
		return map[string]int{}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return maps.Clone(l.counts)
}

// Total returns the number of requests counted.
func (l *RequestLog) Total() int {
	n := 0
	for _, c := range l.Counts() {
		n += c
	}
	return n
}

var idSegment = regexp.MustCompile(`(?i)^(` +
	`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}` + // uuid
	`|[0-9a-f]{32}` + // uuid without dashes
	`|task-\d+` + // EM task id
	`|urn:.*` + // EM UID
	`|\d+` + // numeric id
	`)$`)

// PathTemplate replaces the id segments of a path (uuids, EM task-N ids,
// urns, numbers) with {id} and drops the query: "/api/v1/sessions/8c1e..."
// becomes "/api/v1/sessions/{id}".
func PathTemplate(path string) string {
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if s != "" && idSegment.MatchString(s) {
			segs[i] = "{id}"
		}
	}
	return strings.Join(segs, "/")
}
