package eval

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestKnownSecretsMask(t *testing.T) {
	t.Parallel()
	k := NewKnownSecrets()
	k.Add("Pass w0rd!&<x>\"q", "abc", "", "tok-1234567890")
	tests := map[string]struct{ in, want string }{
		"raw":            {in: "login failed: Pass w0rd!&<x>\"q!", want: "login failed: (sensitive)!"},
		"json escaped":   {in: `{"m":"Pass w0rd!&<x>\"q"}`, want: `{"m":"(sensitive)"}`},
		"json html":      {in: `"Pass w0rd!\u0026\u003cx\u003e\"q"`, want: `"(sensitive)"`},
		"url encoded":    {in: "password=Pass+w0rd%21%26%3Cx%3E%22q&x=1", want: "password=(sensitive)&x=1"},
		"xml escaped":    {in: "<p>Pass w0rd!&amp;&lt;x&gt;&#34;q</p>", want: "<p>(sensitive)</p>"},
		"twice":          {in: "tok-1234567890 tok-1234567890", want: "(sensitive) (sensitive)"},
		"too short kept": {in: "abc is not masked", want: "abc is not masked"},
		"prefix kept":    {in: "tok-123 only", want: "tok-123 only"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := k.Mask(tc.in); got != tc.want {
				t.Errorf("Mask(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	var nilSet *KnownSecrets
	if got := nilSet.Mask("tok-1234567890"); got != "tok-1234567890" {
		t.Errorf("nil set masked: %q", got)
	}
}

func TestKnownSecretsLongestFirst(t *testing.T) {
	t.Parallel()
	k := NewKnownSecrets()
	k.Add("secret", "secret-and-more")
	if got, want := k.Mask("x secret-and-more y secret"), "x (sensitive) y (sensitive)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestMaskWriterSplit writes a text holding secrets one byte at a time and
// in odd chunks: no secret may pass, whatever the write boundaries.
func TestMaskWriterSplit(t *testing.T) {
	t.Parallel()
	k := NewKnownSecrets()
	k.Add("Passw0rd!", "Passw0rd!-longer", "eyJhbGciOiJIUzI1NiJ9.token")
	text := "a Passw0rd! b Passw0rd!-longer c eyJhbGciOiJIUzI1NiJ9.token d Passw0rd"
	want := "a (sensitive) b (sensitive) c (sensitive) d Passw0rd"
	for _, chunk := range []int{1, 2, 3, 5, 7, 11, len(text)} {
		var b strings.Builder
		w := k.Writer(&b)
		for i := 0; i < len(text); i += chunk {
			if _, err := w.Write([]byte(text[i:min(i+chunk, len(text))])); err != nil {
				t.Fatal(err)
			}
		}
		if strings.Contains(b.String(), "Passw0rd!") {
			t.Errorf("chunk %d: secret written before Flush: %q", chunk, b.String())
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if got := b.String(); got != want {
			t.Errorf("chunk %d: got %q, want %q", chunk, got, want)
		}
	}
}

// TestMaskWriterLearnsLate: a value added after the writer was made is
// masked in later writes.
func TestMaskWriterLearnsLate(t *testing.T) {
	t.Parallel()
	k := NewKnownSecrets()
	var b strings.Builder
	w := k.Writer(&b)
	_, _ = w.Write([]byte("before\n"))
	k.Add("late-secret")
	_, _ = w.Write([]byte("after late-secret\n"))
	_ = w.Flush()
	if got, want := b.String(), "before\nafter (sensitive)\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestMaskError(t *testing.T) {
	t.Parallel()
	k := NewKnownSecrets()
	k.Add("hunter22")
	base := fmt.Errorf("login: password hunter22 rejected: %w", fs.ErrPermission)
	err := k.MaskError(base)
	if got, want := err.Error(), "login: password (sensitive) rejected: permission denied"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(err, fs.ErrPermission) {
		t.Error("masked error lost its chain")
	}
	plain := errors.New("nothing secret")
	if k.MaskError(plain) != plain {
		t.Error("an error without secrets was wrapped")
	}
}

func TestMaskValue(t *testing.T) {
	t.Parallel()
	k := NewKnownSecrets()
	k.Add("hunter22")
	in := map[string]any{"a": "x hunter22", "b": []any{"hunter22", 3}, "c": NewSecret("hunter22")}
	got, masked := k.MaskValue(in)
	want := map[string]any{"a": "x (sensitive)", "b": []any{"(sensitive)", 3}, "c": NewSecret("hunter22")}
	if !masked {
		t.Error("masked = false")
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(Secret{})); diff != "" {
		t.Errorf("MaskValue (-want +got):\n%s", diff)
	}
	if in["a"] != "x hunter22" {
		t.Error("MaskValue modified its input")
	}
}

func TestSensitiveEnvName(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{
		"VBR_PASSWORD": true, "api_token": true, "MY_SECRET_FILE": true, "SSH_KEY": true, "ApiKey": true,
		"VBR_URL": false, "VBR_USERNAME": false, "HOME": false,
	} {
		if got := SensitiveEnvName(name); got != want {
			t.Errorf("SensitiveEnvName(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestEnvTaint: env.X of a sensitive variable yields a Secret, alone or
// spliced, and its value becomes known; other variables stay plain.
func TestEnvTaint(t *testing.T) {
	t.Parallel()
	k := NewKnownSecrets()
	k.AddName("NOTE") // read with secret('NOTE') elsewhere
	s := &Scope{Env: map[string]any{"API_TOKEN": "tok-abcdef", "NOTE": "note-value", "SITE": "ams"}, Known: k}
	tests := map[string]struct {
		src       string
		sensitive bool
	}{
		"token alone":      {src: "${{ env.API_TOKEN }}", sensitive: true},
		"token spliced":    {src: "Bearer ${{ env.API_TOKEN }}", sensitive: true},
		"token indexed":    {src: "${{ env['API_TOKEN'] }}", sensitive: true},
		"read with secret": {src: "x-${{ env.NOTE }}", sensitive: true},
		"dynamic index":    {src: "${{ env[upper('site')] }}", sensitive: true},
		"plain":            {src: "${{ env.SITE }}", sensitive: false},
		"plain spliced":    {src: "repo-${{ env.SITE }}", sensitive: false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			v, ds := CompileValue(scalar(tc.src), &Decl{Context: "test"})
			if ds.HasErrors() {
				t.Fatal(ds)
			}
			out, err := v.Eval(s)
			if err != nil {
				t.Fatal(err)
			}
			if got := IsSensitive(out); got != tc.sensitive {
				t.Errorf("%s: sensitive = %v, want %v (got %#v)", tc.src, got, tc.sensitive, out)
			}
		})
	}
	if got := k.Mask("tok-abcdef note-value"); got != "(sensitive) (sensitive)" {
		t.Errorf("env values not learnt: %q", got)
	}
}

// TestSecretLearnt: every secret() value is added to the scope's known
// secrets, and its name makes env.NAME sensitive.
func TestSecretLearnt(t *testing.T) {
	t.Parallel()
	k := NewKnownSecrets()
	s := testScope()
	s.Known = k
	v, ds := CompileValue(scalar("${{ secret('PW') }}"), &Decl{Context: "test"})
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	if _, err := v.Eval(s); err != nil {
		t.Fatal(err)
	}
	if got := k.Mask("pw is hunter2"); got != "pw is (sensitive)" {
		t.Errorf("secret value not learnt: %q", got)
	}
	if !k.SensitiveEnv("PW") {
		t.Error("secret name not learnt")
	}
}

// BenchmarkMaskWriter measures the stdout filter on 1 MB of JSON-like text
// with ten known secrets (the password, tokens, secret() values).
func BenchmarkMaskWriter(b *testing.B) {
	k := NewKnownSecrets()
	for i := range 10 {
		k.Add(fmt.Sprintf("secret-value-%d-abcdef", i))
	}
	line := []byte(`{"type":"progress","owner":"vbr/vbr.repository/repo-ams","kind":"session","state":"Working","percent":40}` + "\n")
	var chunk []byte
	for len(chunk) < 1<<20 {
		chunk = append(chunk, line...)
	}
	b.SetBytes(int64(len(chunk)))
	for b.Loop() {
		w := k.Writer(io.Discard)
		_, _ = w.Write(chunk)
		_ = w.Flush()
	}
}
