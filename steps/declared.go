package steps

import "context"

type declaredKey struct{}

// WithDeclaredNames tells a kind's List which objects the playbook
// declares (their names). A kind may then read only those, choosing how
// (a few filtered reads among many live objects, or the pages); List still
// returns every declared object that exists, and may return others. The
// planner sets it for each (target, kind); without it List reads all.
func WithDeclaredNames(ctx context.Context, names []string) context.Context {
	return context.WithValue(ctx, declaredKey{}, names)
}

// declaredNames returns the names WithDeclaredNames set.
func declaredNames(ctx context.Context) ([]string, bool) {
	names, ok := ctx.Value(declaredKey{}).([]string)
	return names, ok
}
