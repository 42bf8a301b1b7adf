package engine

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFileDurable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "token.txt")
	if err := os.WriteFile(p, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeFileDurable(p, []byte("AAA-BBB\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil || string(b) != "AAA-BBB\n" {
		t.Errorf("content = %q, %v", b, err)
	}
	if st, err := os.Stat(p); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, %v, want 0600", st.Mode().Perm(), err)
	}
	// A directory that does not exist: an error, and nothing left behind.
	if err := writeFileDurable(filepath.Join(dir, "missing", "t.txt"), []byte("x"), 0o600); err == nil {
		t.Error("write into a missing directory succeeded")
	}
	// A target that cannot be replaced (a directory): the temporary file
	// is removed again.
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(sub, "t.txt"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := writeFileDurable(filepath.Join(sub, "t.txt"), []byte("x"), 0o600); err == nil {
		t.Error("rename over a directory succeeded")
	}
	entries, _ := os.ReadDir(sub)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}
