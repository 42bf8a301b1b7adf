package main

import (
	"context"
	"errors"
)

// Exit codes: the only place they are decided.
const (
	exitOK          = 0   // success, valid, or no changes
	exitError       = 1   // an error, or an invalid playbook
	exitUsage       = 2   // bad flags or arguments
	exitChanges     = 2   // plan --detailed-exitcode: changes present
	exitInterrupted = 130 // SIGINT or SIGTERM
)

// usageError marks a problem with the command line itself.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// codeError carries an exit code chosen by a command (e.g. invalid
// playbooks, which were already reported, or changes present).
type codeError struct {
	code int
	err  error // nil when everything was already reported
}

func (e codeError) Error() string {
	if e.err == nil {
		return "exit status"
	}
	return e.err.Error()
}
func (e codeError) Unwrap() error { return e.err }

// withCode makes a command exit with code; err (may be nil) is printed when
// set.
func withCode(code int, err error) error { return codeError{code: code, err: err} }

// exitCode maps a command's error to the process exit code.
func exitCode(ctx context.Context, err error) int {
	var ce codeError
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ce):
		return ce.code
	case errors.As(err, &ue):
		return exitUsage
	case errors.Is(err, context.Canceled) || ctx.Err() != nil:
		return exitInterrupted
	}
	return exitError
}
