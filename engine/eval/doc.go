// Package eval is the expression language of playbooks: the `${{ expr }}`
// interpolation in YAML values, the bare boolean conditions of `when`,
// `where` and `until`, the environment they see (vars, env, data, resources,
// steps, each, secret(), changed()) and the Secret type that keeps sensitive
// values out of every rendering, and KnownSecrets, the run's set of secret
// values (secret() results, sensitive env variables, passwords, tokens) that
// every output channel masks.
//
// Expressions are compiled once, at load time, against a declared
// environment (Decl), so unknown names, references to undeclared data or
// steps and type errors are reported with positions before anything runs. At
// run time only the stored programs are executed against a Scope.
//
// resources[KIND] is a mapping of resource names to objects
// (resources['vbr.repository']['repo-ams'].id); expr's array builtins (map,
// filter, all, count, sortBy, reduce, ...) also take such a mapping, as the
// list of its values sorted by name, so resources['vbr.repository'] |
// map(.id) works (see collection.go).
//
// Every evaluation runs within a budget (budget.go): strings of at most
// MaxStringBytes, expr's memory budget and node limit, and MaxSteps items
// visited by the list functions; exceeding it is a *BudgetError, never an
// exhausted machine.
//
// eval is the only package that imports github.com/expr-lang/expr. It knows
// nothing about YAML: engine/playbook hands it Nodes with positions, and it
// must not do the loader's work of reading files or checking schemas.
package eval
