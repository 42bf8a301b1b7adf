package main

import (
	"github.com/spf13/cobra"

	"github.com/vplay-dev/vplay/schema"
)

func newSchemaCmd(a *app) *cobra.Command {
	var fleetSchema bool
	cmd := &cobra.Command{
		Use:   "schema",
		Short: "Print the playbook JSON Schema (for editors and CI)",
		Long: `Print the JSON Schema (2020-12) of the playbook format, including the spec, with and
params schemas of every catalogue entry. Editors use it through a modeline:
  # yaml-language-server: $schema=../schema/playbook.schema.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			doc := schema.JSON()
			if fleetSchema {
				doc = schema.FleetJSON()
			}
			_, err := a.Out.Write(doc)
			return err
		},
	}
	cmd.Flags().BoolVar(&fleetSchema, "fleet", false, "print the schema of fleet files (plan|apply --fleet) instead")
	return cmd
}
