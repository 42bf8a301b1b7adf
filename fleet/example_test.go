package fleet_test

import (
	"context"
	"fmt"

	"github.com/vplay-dev/vplay/fleet"
)

func Example() {
	f, ds := fleet.Parse("fleet.yaml", []byte(`vplay_fleet: 1
defaults:
  env: {VBR_USERNAME: admin}
members:
  - name: ams
    labels: {region: eu}
    env: {VBR_URL: "https://vbr-ams:9419", VBR_PASSWORD: {from_env: AMS_PW}}
  - name: nyc
    labels: {region: us}
    env: {VBR_URL: "https://vbr-nyc:9419", VBR_PASSWORD: {from_env: NYC_PW}}
`))
	if ds.HasErrors() {
		fmt.Println(ds)
		return
	}
	eu := fleet.Select(f.Members, []fleet.Selector{{Key: "region", Value: "eu"}})
	reports := fleet.Run(context.Background(), eu, fleet.Options{Parallelism: 8}, func(_ context.Context, m fleet.Member) fleet.Report {
		r, err := fleet.Resolve(m, map[string]string{"AMS_PW": "from the environment"})
		if err != nil {
			return fleet.Report{Failures: 1, Err: err}
		}
		fmt.Println(m.Name, r.Env["VBR_URL"], r.Env["VBR_USERNAME"])
		return fleet.Report{Changes: 1}
	})
	fmt.Printf("%+v\n", fleet.Sum(reports))
	// Output:
	// ams https://vbr-ams:9419 admin
	// {Members:1 WithChanges:1 Failed:0 Skipped:0 Changes:1 Failures:0}
}
