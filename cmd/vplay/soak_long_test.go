//go:build soak

package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"
)

// TestSoak is `make soak`: many cycles of the fault soak over every example
// playbook (runSoak), bounded to a few minutes. VPLAY_SOAK_CYCLES (default
// 20) and VPLAY_SOAK_SEED (default: random, printed) change it.
func TestSoak(t *testing.T) {
	cycles := 20
	if v := os.Getenv("VPLAY_SOAK_CYCLES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("VPLAY_SOAK_CYCLES=%q: want a positive number", v)
		}
		cycles = n
	}
	seed := rand.Uint64()
	if v := os.Getenv("VPLAY_SOAK_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("VPLAY_SOAK_SEED=%q: want a number", v)
		}
		seed = n
	}
	fmt.Printf("soak: %d cycles, fault seed %d (repeat with VPLAY_SOAK_SEED=%d)\n", cycles, seed, seed)
	start := time.Now()
	rep := runSoak(t, soakConfig{Cycles: cycles, Attempts: 8, Seed: seed, LostAnswerRate: 0.15, FaultRate: 0.03, FailSessions: 0.1})
	fmt.Printf("%s in %s\n", rep, time.Since(start).Round(time.Second))
	for _, l := range rep.LostOwed {
		fmt.Printf("  lost owed step: %s\n", l)
	}
	for _, d := range rep.Duplicates {
		fmt.Printf("  duplicate: %s\n", d)
	}
	checkSoak(t, rep)
}
