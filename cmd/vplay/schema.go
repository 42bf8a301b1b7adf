package main

import (
	"github.com/spf13/cobra"

	"github.com/vplay-dev/vplay/schema"
)

func newSchemaCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the playbook JSON Schema (for editors and CI)",
		Long: `Print the JSON Schema (2020-12) of the playbook format, including the spec, with and
params schemas of every catalogue entry. Editors use it through a modeline:
  # yaml-language-server: $schema=../schema/playbook.schema.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := a.Out.Write(schema.JSON())
			return err
		},
	}
}
