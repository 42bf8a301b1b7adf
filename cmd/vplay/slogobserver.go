package main

import (
	"io"
	"log/slog"

	"github.com/vplay-dev/vplay/engine"
)

// slogObserver logs apply events with log/slog (`apply --log-format json`):
// one JSON record per event, for log collectors that expect slog's shape
// (time, level, msg and attributes) rather than vplay's versioned -o json
// events. Errors are already masked by the engine.
func slogObserver(w io.Writer) engine.Observer {
	log := slog.New(slog.NewJSONHandler(w, nil))
	return engine.ObserverFunc(func(ev engine.Event) {
		switch ev := ev.(type) {
		case engine.ApplyStarted:
			log.Info("apply started", "playbook", ev.Playbook, "changes", ev.Changes, "steps", ev.Steps)
		case engine.ResourceStarted:
			log.Info("resource started", "address", ev.Addr.String(), "action", ev.Action.String())
		case engine.StepStarted:
			log.Info("step started", "step", ev.StepID, "action", ev.Action, "item", ev.Item)
		case engine.Progress:
			log.Info("progress", "owner", ev.Owner, "kind", ev.Kind, "id", ev.ID, "name", ev.Name,
				"state", ev.State, "percent", ev.Percent, "message", ev.Message)
		case engine.ResourceDone:
			if ev.Err != nil {
				log.Error("resource failed", "address", ev.Addr.String(), "action", ev.Action.String(),
					"duration", ev.Duration, "error", ev.Err.Error())
				return
			}
			log.Info("resource done", "address", ev.Addr.String(), "action", ev.Action.String(), "duration", ev.Duration)
		case engine.StepSkipped:
			log.Info("step skipped", "step", ev.StepID, "reason", ev.Reason)
		case engine.StepDone:
			switch {
			case ev.Err != nil && ev.Ignored:
				log.Warn("step failed (ignored)", "step", ev.StepID, "item", ev.Item, "duration", ev.Duration, "error", ev.Err.Error())
			case ev.Err != nil:
				log.Error("step failed", "step", ev.StepID, "item", ev.Item, "duration", ev.Duration, "error", ev.Err.Error())
			default:
				log.Info("step done", "step", ev.StepID, "item", ev.Item, "duration", ev.Duration)
			}
		case engine.LogLine:
			if ev.Level == "warn" {
				log.Warn(ev.Message, "source", "playbook")
				return
			}
			log.Info(ev.Message, "source", "playbook")
		case engine.Warning:
			log.Warn(ev.Message, "source", "vplay")
		case engine.ApplyDone:
			attrs := []any{"interrupted", ev.Interrupted}
			if ev.Result != nil {
				attrs = append(attrs, "duration", ev.Result.Duration, "failed", ev.Result.Failed())
			}
			log.Info("apply done", attrs...)
		}
	})
}
