package engine_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/vplay-dev/vplay/engine"
	"github.com/vplay-dev/vplay/engine/playbook"
	"github.com/vplay-dev/vplay/sim"
	"github.com/vplay-dev/vplay/steps"
	"github.com/vplay-dev/vplay/veeam"
)

// Plan and apply the quick-start playbook against an in-process simulator.
func Example() {
	ctx := context.Background()
	s, err := sim.New(sim.WithSessionDuration(50 * time.Millisecond))
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := s.Start(ctx); err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	env := s.Env() // VBR_URL, VBR_USERNAME, VBR_PASSWORD, VBR_FINGERPRINT, ...

	cat := steps.Builtin()
	pb, diags := playbook.Load(os.DirFS("../playbooks"), "quickstart.yaml", cat, playbook.Options{})
	if diags.HasErrors() {
		fmt.Println(diags)
		return
	}
	e := engine.New(engine.Config{
		Catalog:   cat,
		Connector: engine.ClientConnector{Base: veeam.Config{}},
		Env:       env,
		Secret:    func(name string) (string, error) { return env[name], nil },
	})
	defer e.Close(ctx)

	plan, err := e.Plan(ctx, pb)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range plan.Changes {
		fmt.Println(c.Action, c.Addr)
	}
	res, err := e.Apply(ctx, pb, plan, engine.ApplyOptions{}, engine.NopObserver)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("failed:", res.Failed())
	again, _ := e.Plan(ctx, pb)
	fmt.Println("changes after apply:", again.HasChanges())
	// Output:
	// create vbr/vbr.repository/quickstart-a
	// create vbr/vbr.repository/quickstart-b
	// failed: false
	// changes after apply: false
}
