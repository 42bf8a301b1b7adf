// Package kubernetes checks the Kubernetes example of a vplay fleet run. It
// is a module of its own so that the Kubernetes API types are a dependency
// of this test only, never of vplay.
package kubernetes

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/vplay-dev/vplay/engine/playbook"
	"github.com/vplay-dev/vplay/fleet"
	"github.com/vplay-dev/vplay/schema"
)

// objects are the example's documents, each strictly decoded into its
// Kubernetes API type: an unknown or misspelt field fails the test.
type objects struct {
	config    corev1.ConfigMap
	secret    corev1.Secret
	claim     corev1.PersistentVolumeClaim
	cron      batchv1.CronJob
	seenKinds []string
}

func load(t *testing.T) *objects {
	t.Helper()
	b, err := os.ReadFile("vplay-fleet.yaml")
	if err != nil {
		t.Fatal(err)
	}
	o := &objects{}
	for i, doc := range bytes.Split(b, []byte("\n---\n")) {
		var head struct{ APIVersion, Kind string }
		if err := yaml.Unmarshal(doc, &head); err != nil {
			t.Fatalf("document %d: %v", i, err)
		}
		var into any
		switch head.APIVersion + " " + head.Kind {
		case "v1 ConfigMap":
			into = &o.config
		case "v1 Secret":
			into = &o.secret
		case "v1 PersistentVolumeClaim":
			into = &o.claim
		case "batch/v1 CronJob":
			into = &o.cron
		default:
			t.Fatalf("document %d: unexpected %s %s", i, head.APIVersion, head.Kind)
		}
		if err := yaml.UnmarshalStrict(doc, into); err != nil {
			t.Errorf("document %d (%s): %v", i, head.Kind, err)
		}
		o.seenKinds = append(o.seenKinds, head.Kind)
	}
	return o
}

func TestExample(t *testing.T) {
	o := load(t)
	slices.Sort(o.seenKinds)
	if want := []string{"ConfigMap", "CronJob", "PersistentVolumeClaim", "Secret"}; !slices.Equal(o.seenKinds, want) {
		t.Fatalf("kinds %v, want %v", o.seenKinds, want)
	}
	cj := o.cron.Spec
	if cj.ConcurrencyPolicy != batchv1.ForbidConcurrent {
		t.Errorf("concurrencyPolicy %q, want Forbid", cj.ConcurrencyPolicy)
	}
	job := cj.JobTemplate.Spec
	if job.CompletionMode == nil || *job.CompletionMode != batchv1.IndexedCompletion {
		t.Fatalf("completionMode %v, want Indexed", job.CompletionMode)
	}
	if job.Completions == nil {
		t.Fatal("no completions")
	}
	pod := job.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers", len(pod.Containers))
	}
	c := pod.Containers[0]
	// The shard count is the number of completions, its index left to
	// JOB_COMPLETION_INDEX.
	if want := fmt.Sprintf("--shard=/%d", *job.Completions); !slices.Contains(c.Args, want) {
		t.Errorf("args %v lack %s", c.Args, want)
	}
	if !slices.Contains(c.Args, "--auto-approve") || c.Args[0] != "apply" {
		t.Errorf("args %v: want apply --auto-approve", c.Args)
	}
	mounts := map[string]string{} // volume -> mount path
	for _, m := range c.VolumeMounts {
		mounts[m.Name] = m.MountPath
	}
	volumes := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		volumes[v.Name] = v
	}
	// The state directory (XDG_STATE_HOME) is on the claim.
	state := ""
	for _, e := range c.Env {
		if e.Name == "XDG_STATE_HOME" {
			state = e.Value
		}
	}
	onClaim := false
	for name, path := range mounts {
		if v := volumes[name]; path == state && v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == o.claim.Name {
			onClaim = true
		}
	}
	if !onClaim {
		t.Errorf("XDG_STATE_HOME=%q is not the mount of claim %q: %v", state, o.claim.Name, mounts)
	}
	// The fleet and the playbook come from the ConfigMap, and both load.
	configDir := ""
	secretDir := ""
	for name, path := range mounts {
		v := volumes[name]
		if v.ConfigMap != nil && v.ConfigMap.Name == o.config.Name {
			configDir = path
		}
		if v.Secret != nil && v.Secret.SecretName == o.secret.Name {
			secretDir = path
		}
	}
	if configDir == "" || secretDir == "" {
		t.Fatalf("the ConfigMap (%q) or the Secret (%q) is not mounted", configDir, secretDir)
	}
	fleetFile, pbFile := "", c.Args[len(c.Args)-1]
	for _, a := range c.Args {
		if f, ok := strings.CutPrefix(a, "--fleet="); ok {
			fleetFile = f
		}
	}
	if filepath.Dir(fleetFile) != configDir || filepath.Dir(pbFile) != configDir {
		t.Fatalf("--fleet=%s and %s are not in the ConfigMap mount %s", fleetFile, pbFile, configDir)
	}
	fl, ds := fleet.Parse(fleetFile, []byte(o.config.Data[filepath.Base(fleetFile)]))
	if fl == nil || len(ds) > 0 {
		t.Fatalf("fleet file: %v", ds)
	}
	// Every password is a file of the mounted Secret.
	for _, m := range fl.Members {
		for k, ref := range m.Secrets {
			key, inSecret := strings.CutPrefix(ref.File, secretDir+"/")
			if _, ok := o.secret.StringData[key]; !inSecret || !ok {
				t.Errorf("member %s: env.%s %s is not a key of Secret %s mounted at %s", m.Name, k, ref, o.secret.Name, secretDir)
			}
		}
		pb, pds := playbook.Parse(pbFile, []byte(o.config.Data[filepath.Base(pbFile)]), schema.Catalog(), playbook.Options{Vars: m.Vars})
		if pb == nil || pds.HasErrors() {
			t.Errorf("member %s: playbook: %v", m.Name, pds)
		}
	}
}
