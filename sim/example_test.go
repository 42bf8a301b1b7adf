package sim_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/vplay-dev/vplay/sim"
)

// Example starts the simulator on random 127.0.0.1 ports, as end-to-end
// tests do, and reads the connection details a playbook needs.
func Example() {
	s, err := sim.New(sim.WithStrict(true))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := s.Start(ctx); err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	env := s.Env()
	fmt.Println(strings.HasPrefix(env["VBR_URL"], "https://127.0.0.1:"))
	fmt.Println(env["VBR_USERNAME"], strings.HasPrefix(env["VBR_FINGERPRINT"], "sha256:"))
	// Output:
	// true
	// admin true
}
