package engine

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"
)

// TestJournalGroupCommit: changes made while a write is in progress go to
// disk together in one write, and each put returns only once its entry is
// in the file.
func TestJournalGroupCommit(t *testing.T) {
	t.Parallel()
	j, err := openJournal(t.TempDir(), "pb.yaml", "vbr")
	if err != nil {
		t.Fatal(err)
	}
	// A write in progress: every put below waits for it.
	j.mu.Lock()
	j.writing = true
	j.mu.Unlock()
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			op := fmt.Sprintf("op-%d", i)
			if errs[i] = j.put(JournalEntry{Op: op, ID: "task-" + op}); errs[i] != nil {
				return
			}
			b, err := os.ReadFile(j.path)
			var list []JournalEntry
			if err == nil {
				err = json.Unmarshal(b, &list)
			}
			found := false
			for _, e := range list {
				found = found || e.Op == op
			}
			if err != nil || !found {
				errs[i] = fmt.Errorf("put %s returned before its entry was on disk (%v)", op, err)
			}
		})
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		j.mu.Lock()
		all := j.version == n
		j.mu.Unlock()
		if all {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the puts did not all reach the journal")
		}
		<-time.After(time.Millisecond)
	}
	// The write in progress ends: one of the waiters writes all of them.
	j.mu.Lock()
	j.writing = false
	j.wrote.Broadcast()
	j.mu.Unlock()
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if j.writes != 1 {
		t.Errorf("%d writes for %d changes made during one write, want 1", j.writes, n)
	}
	for i := range n {
		if err := j.done(fmt.Sprintf("op-%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(j.path); !os.IsNotExist(err) {
		t.Errorf("journal file after every entry was done: %v, want removed", err)
	}
}
