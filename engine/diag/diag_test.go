package diag

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFormat(t *testing.T) {
	src := Sources{"p.yaml": []byte("vplay: 1\nname: x\nfor_eahc: 1\n")}
	ds := Diagnostics{
		{Severity: SevError, Pos: Pos{"p.yaml", 3, 1}, Code: "unknown-key", Summary: "unknown key \"for_eahc\"", Hint: "did you mean `for_each`?"},
		{Severity: SevError, Pos: Pos{"p.yaml", 1, 8}, Summary: "first"},
	}
	ds.Sort()
	got := Format(ds, src)
	want := "p.yaml:1:8: error: first\n" +
		"    1 | vplay: 1\n" +
		"      |        ^\n" +
		"p.yaml:3:1: error: unknown key \"for_eahc\"\n" +
		"    3 | for_eahc: 1\n" +
		"      | ^\n" +
		"      = hint: did you mean `for_each`?\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Format() mismatch (-want +got):\n%s", diff)
	}
	if !ds.HasErrors() || ds.Err() == nil {
		t.Fatal("want errors")
	}
	if _, ok := AsDiagnostics(ds.Err()); !ok {
		t.Fatal("AsDiagnostics lost the diagnostics")
	}
}

func TestPosAdd(t *testing.T) {
	p := Pos{"f", 10, 5}
	if got := p.Add(1, 3); got != (Pos{"f", 10, 7}) {
		t.Errorf("Add same line = %v", got)
	}
	if got := p.Add(2, 3); got != (Pos{"f", 11, 3}) {
		t.Errorf("Add next line = %v", got)
	}
}

// TestPosText: a position travels in JSON (a plan's "source") as
// file:line:col and reads back the same, colons in the file name included.
func TestPosText(t *testing.T) {
	t.Parallel()
	for _, p := range []Pos{{File: "p.yaml", Line: 12, Col: 5}, {File: "c:/dir/p.yaml", Line: 3, Col: 1}, {File: "p.yaml", Line: 7}, {File: "p.yaml"}, {}} {
		b, err := p.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var got Pos
		if err := got.UnmarshalText(b); err != nil || got != p {
			t.Errorf("UnmarshalText(%q) = %+v, %v; want %+v", b, got, err, p)
		}
	}
}
