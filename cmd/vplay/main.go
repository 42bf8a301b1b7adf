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

// signalContext is cancelled by the first SIGINT or SIGTERM, so commands
// stop launching work and wind down; a second signal exits at once.
func signalContext() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
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
		runAtHardExit()
		os.Exit(exitInterrupted)
	}()
	return ctx, func() {
		signal.Stop(sigs)
		cancel()
	}
}
