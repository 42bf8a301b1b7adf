package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vplay-dev/vplay/engine"
)

// TestUnlockCmd: unlock refuses a lock a live run holds (naming it), and
// removes one left behind; usage errors exit 2.
func TestUnlockCmd(t *testing.T) {
	t.Parallel()
	state := t.TempDir()
	environ := []string{"XDG_STATE_HOME=" + state, "NO_COLOR=1"}
	url := "https://unlock-test-" + filepath.Base(state) + ":9419"
	vplay := func(args ...string) (int, string) {
		var out bytes.Buffer
		code := run(context.Background(), args, stdio{In: strings.NewReader(""), Out: &out, Err: &out}, environ)
		return code, out.String()
	}
	a := &app{Env: envMap(environ)}
	held, err := engine.Lock(context.Background(), []string{url}, engine.LockOptions{
		Dirs: a.lockDirs(), Owner: engine.LockOwner("nightly.yaml", time.Now())})
	if err != nil {
		t.Fatal(err)
	}
	code, out := vplay("unlock", url)
	if code != exitError || !strings.Contains(out, "is locked by pid") || !strings.Contains(out, "nightly.yaml") {
		t.Errorf("unlock of a held lock: exit %d:\n%s", code, out)
	}
	if err := held.Release(); err != nil {
		t.Fatal(err)
	}
	code, out = vplay("unlock", url)
	if code != exitOK || !strings.Contains(out, "no apply lock for "+url) {
		t.Errorf("unlock of a free lock: exit %d:\n%s", code, out)
	}
	if code, out := vplay("unlock"); code != exitUsage {
		t.Errorf("unlock without a target: exit %d:\n%s", code, out)
	}
	if code, out := vplay("apply", "--lock-timeout", "-1s", "x.yaml"); code != exitUsage || !strings.Contains(out, "--lock-timeout") {
		t.Errorf("negative --lock-timeout: exit %d:\n%s", code, out)
	}
}
