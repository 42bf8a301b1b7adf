package steps

// vbrRecoveryTokens is the vbr.recovery_tokens query.
func vbrRecoveryTokens() *Query {
	return vbrListQuery{
		meta: Meta{
			Name:    "vbr.recovery_tokens",
			Summary: "Recovery tokens (id, name, expirationDate); the token value is never returned.",
			Doc: `Lists GET /api/v1/agents/recoveryTokens. The recoveryToken value is stripped from every item: it is a secret
and only vbr.recovery_token's sink ever sees it. name is pushed down as nameFilter.`,
			Example: `data:
  tokens:
    target: vbr
    query: vbr.recovery_tokens
    where: 'expirationDate < "2027-01-01"'`,
		},
		path:   pathRecoveryTokens,
		params: []vbrParam{nameParam},
		post: func(items []Doc) []Doc {
			out := make([]Doc, len(items))
			for i, d := range items {
				out[i] = stripToken(d)
			}
			return out
		},
	}.query()
}
