package bus

import (
	"context"
	"encoding/json"
	"log/slog"

	"ruche/internal/model"
)

// Publisher is the part of a Bus that services use.
type Publisher interface {
	Publish(ctx context.Context, subject string, data []byte) error
}

// Emit publishes ev on the subject ev.Type. The change it reports is already
// committed, so a failure to publish is logged, not returned: subscribers
// that must not miss anything rebuild from the database.
func Emit(ctx context.Context, p Publisher, log *slog.Logger, ev model.Event) {
	data, err := json.Marshal(ev)
	if err == nil {
		err = p.Publish(ctx, ev.Type, data)
	}
	if err != nil {
		log.ErrorContext(ctx, "publish event", "type", ev.Type, "err", err)
	}
}
