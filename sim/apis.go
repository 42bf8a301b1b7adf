package sim

import (
	"encoding/json"

	"github.com/vplay-dev/vplay/sim/emsim"
	"github.com/vplay-dev/vplay/sim/simapi"
	"github.com/vplay-dev/vplay/sim/vbrsim"
	"github.com/vplay-dev/vplay/sim/vspcsim"
)

// apiFactory builds one simulated API.
type apiFactory struct {
	name        string
	new         func(env simapi.Env, seed json.RawMessage) (simapi.API, error)
	defaultSeed []byte // YAML of the API's seed section
}

// factories lists the simulated APIs; a listener whose API is missing here
// answers 501.
func factories() []apiFactory {
	return []apiFactory{
		{name: apiVBR, new: vbrsim.New, defaultSeed: vbrsim.DefaultSeed},
		{name: apiEM, new: emsim.New, defaultSeed: emsim.DefaultSeed},
		{name: apiVSPC, new: vspcsim.New, defaultSeed: vspcsim.DefaultSeed},
	}
}
