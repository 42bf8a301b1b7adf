// Command vplay is the declarative reconcile and automation engine for Veeam
// Backup & Replication, Enterprise Manager and Service Provider Console.
//
// This package is thin: it parses flags, calls one engine entry point per
// command, hands the result to a renderer and maps errors to exit codes.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// atHardExit is what must run even when a second interrupt exits at once:
// releasing the apply locks.
var atHardExit struct {
	sync.Mutex
	fns []func()
}

// onHardExit registers fn to run before a second interrupt exits; the
// returned function unregisters it.
func onHardExit(fn func()) (remove func()) {
	atHardExit.Lock()
	defer atHardExit.Unlock()
	atHardExit.fns = append(atHardExit.fns, fn)
	i := len(atHardExit.fns) - 1
	return func() {
		atHardExit.Lock()
		defer atHardExit.Unlock()
		atHardExit.fns[i] = nil
	}
}

func runAtHardExit() {
	atHardExit.Lock()
	fns := append([]func(){}, atHardExit.fns...)
	atHardExit.Unlock()
	for _, fn := range fns {
		if fn != nil {
			fn()
		}
	}
}

func main() {
	ctx, stop := signalContext()
	defer stop()
	os.Exit(run(ctx, os.Args[1:], stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}, os.Environ()))
}

// hardGrace bounds how long a command that handles the second signal may
// take to report what it abandoned before the process exits anyway.
const hardGrace = 3 * time.Second

// hardStop is the handler of the second signal a command may register
// (apply: abandon work in flight and list what still runs on the server).
type hardStop struct {
	mu sync.Mutex
	fn func()
}

type hardStopKey struct{}

// onHardInterrupt registers fn to run on the second SIGINT or SIGTERM
// instead of exiting at once; the process still exits hardGrace later, or
// at a third signal. It reports whether ctx comes from signalContext.
func onHardInterrupt(ctx context.Context, fn func()) bool {
	h, ok := ctx.Value(hardStopKey{}).(*hardStop)
	if ok {
		h.mu.Lock()
		h.fn = fn
		h.mu.Unlock()
	}
	return ok
}

// signalContext is cancelled by the first SIGINT or SIGTERM, so commands
// stop launching work and wind down; a second signal runs the handler a
// command registered with onHardInterrupt (which must finish quickly), or
// exits at once.
func signalContext() (context.Context, context.CancelFunc) {
	h := &hardStop{}
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), hardStopKey{}, h))
	sigs := make(chan os.Signal, 3)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case <-sigs:
			fmt.Fprintln(os.Stderr, "interrupted: finishing work in flight (interrupt again to exit now)")
			cancel()
		case <-ctx.Done():
			return
		}
		<-sigs
		h.mu.Lock()
		fn := h.fn
		h.mu.Unlock()
		if fn != nil {
			fmt.Fprintln(os.Stderr, "interrupted again: abandoning work in flight, which keeps running on the server")
			fn()
			select {
			case <-sigs:
			case <-time.After(hardGrace):
			}
		}
		runAtHardExit()
		os.Exit(exitInterrupted)
	}()
	return ctx, func() {
		signal.Stop(sigs)
		cancel()
	}
}
