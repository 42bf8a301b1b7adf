package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/goccy/go-yaml"
)

// seedFile is a parsed seed fixture: one JSON section per API plus the
// deterministic fault rules.
type seedFile struct {
	sections map[string]json.RawMessage
	Faults   []FaultRule
}

// loadSeed reads the seed from WithSeedYAML or WithSeedFile; with neither,
// every API uses its default seed.
func loadSeed(o options) (*seedFile, error) {
	sd := &seedFile{sections: map[string]json.RawMessage{}}
	b := o.seedYAML
	if b == nil && o.seedFile != "" {
		var err error
		if b, err = os.ReadFile(o.seedFile); err != nil {
			return nil, fmt.Errorf("read seed: %w", err)
		}
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return sd, nil
	}
	j, err := yamlToJSON(b)
	if err != nil {
		return nil, fmt.Errorf("parse seed: %w", err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(j, &top); err != nil {
		return nil, fmt.Errorf("parse seed: the document must be a mapping with sections vbr, em, vspc, faults: %w", err)
	}
	for k, v := range top {
		switch k {
		case apiVBR, apiEM, apiVSPC:
			if string(v) == "null" {
				v = json.RawMessage("{}")
			}
			sd.sections[k] = v
		case "faults":
			dec := json.NewDecoder(bytes.NewReader(v))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&sd.Faults); err != nil {
				return nil, fmt.Errorf("parse seed faults: %w", err)
			}
		default:
			return nil, fmt.Errorf("parse seed: unknown section %q (want vbr, em, vspc or faults)", k)
		}
	}
	return sd, nil
}

func yamlToJSON(b []byte) (json.RawMessage, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return json.RawMessage("{}"), nil
	}
	j, err := yaml.YAMLToJSON(b)
	if err != nil {
		return nil, err
	}
	return json.RawMessage(j), nil
}

// stateVersion is the version of the --state file format.
const stateVersion = 1

// snapshot is the whole state: one section per simulated API.
func (s *Server) snapshot() (map[string]json.RawMessage, error) {
	out := map[string]json.RawMessage{}
	for _, l := range s.lis {
		if l.api == nil {
			continue
		}
		raw, err := l.api.Snapshot()
		if err != nil {
			return nil, fmt.Errorf("snapshot %s: %w", l.name, err)
		}
		out[l.name] = raw
	}
	return out, nil
}

// loadState restores every API from the state file when it exists.
func (s *Server) loadState() error {
	if s.opts.stateFile == "" {
		return nil
	}
	b, err := os.ReadFile(s.opts.stateFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read state: %w", err)
	}
	var st struct {
		Version int                        `json:"version"`
		APIs    map[string]json.RawMessage `json:"apis"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("read state %s: %w", s.opts.stateFile, err)
	}
	if st.Version != stateVersion {
		return fmt.Errorf("read state %s: unsupported version %d (want %d)", s.opts.stateFile, st.Version, stateVersion)
	}
	for _, l := range s.lis {
		raw, ok := st.APIs[l.name]
		if !ok || l.api == nil {
			continue
		}
		if err := l.api.Restore(raw); err != nil {
			return fmt.Errorf("restore %s state: %w", l.name, err)
		}
	}
	return nil
}

// changed persists the state after an API changed it (Env.Changed).
func (s *Server) changed() {
	if s.opts.stateFile == "" {
		return
	}
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	s.saveErr = s.save()
}

func (s *Server) lastSaveErr() error {
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	return s.saveErr
}

// save writes the state file atomically: a temporary file in the same
// directory, then a rename.
func (s *Server) save() error {
	apis, err := s.snapshot()
	if err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	b, err := json.Marshal(map[string]any{"version": stateVersion, "apis": apis})
	if err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	if err := writeFileAtomic(s.opts.stateFile, b, 0o600); err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	return nil
}

// writeFileAtomic writes b to path through a temporary file and a rename,
// so readers never see a partial file.
func writeFileAtomic(path string, b []byte, perm fs.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// WriteFileAtomic writes b to path atomically (temporary file and rename),
// for `vplay sim --env-file` and --ca-out.
func WriteFileAtomic(path string, b []byte, perm fs.FileMode) error {
	return writeFileAtomic(path, b, perm)
}
