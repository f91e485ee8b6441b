// Package bus carries events from the services that commit changes to the parts that react
// to them (realtime hub, notifications, search indexing), inside one process or across the
// nodes of a cluster through NATS.
//
// It owns the subject syntax, pattern matching and the delivery rules: at most once, in
// publishing order per publisher, with a bounded backlog per subscription. It must not
// store, retry or interpret events: Data is opaque here, and anything that must not be lost
// belongs in the store, not on the bus. Subscribers treat an event as a hint and read the
// current state from the store.
package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
)

// Message is one event as delivered.
type Message struct {
	Subject string // dot-separated tokens, e.g. "user.updated" or "chat.post.created"
	Data    []byte // usually JSON; the bus never looks inside
}

// Bus publishes events and delivers them to subscriptions.
//
// Delivery is at most once: a subscription that falls behind loses messages, and with NATS
// messages sent while a node is cut off from the server are lost for that node. With NATS
// every node receives the events of every node, its own included, as with [Local].
type Bus interface {
	// Publish sends data to every current subscription whose pattern matches subject.
	// Subjects are non-empty dot-separated tokens without spaces, '*' or '>'; invalid ones give an error.
	// Data is copied before Publish returns and may be at most 1 MiB.
	Publish(ctx context.Context, subject string, data []byte) error
	// Subscribe calls fn for each matching message, one at a time per subscription, in the order
	// they were published by one publisher. Patterns use NATS syntax: "*" matches one token,
	// ">" (last token only) matches one or more. fn must not block for long: a subscription whose
	// backlog exceeds its buffer drops messages (counted, see Dropped) rather than stall publishers,
	// the way NATS treats slow consumers.
	Subscribe(pattern string, fn func(Message)) (Subscription, error)
	// Close ends all subscriptions and releases resources; later calls fail.
	Close() error
}

// Subscription is one pattern subscribed with its callback.
type Subscription interface {
	// Unsubscribe ends the subscription; after it returns, fn is not called again. It waits
	// for a call of fn in progress, so fn must not unsubscribe its own subscription. Calling
	// it again, or after Close, does nothing.
	Unsubscribe() error
	// Dropped counts the messages dropped because fn was too slow.
	Dropped() uint64
}

// Errors returned by every implementation, wrapped with the operation.
var (
	ErrClosed         = errors.New("bus closed")
	ErrInvalidSubject = errors.New("invalid subject")
	ErrInvalidPattern = errors.New("invalid pattern")
	ErrTooLarge       = errors.New("data too large")
)

const (
	// defaultBacklog is how many messages a subscription may have waiting before new ones are
	// dropped. A burst larger than this (a bulk import) is a sign the subscriber must batch.
	defaultBacklog = 1024
	// maxDataLen is the default max_payload of a NATS server; the local bus enforces it too,
	// so that an event that works on one node does not fail once NATS is configured.
	maxDataLen = 1 << 20
)

// Open returns the bus named by url: "" or "local" → in-process; "nats://host:port" → NATS
// (optional query "?prefix=name" to namespace subjects, default "ruche"). "tls://" is NATS
// over TLS; credentials may be given in the URL as nats.go accepts them.
func Open(url string, log *slog.Logger) (Bus, error) {
	natsURL, prefix, err := parseURL(url)
	if err != nil {
		return nil, err
	}
	if natsURL == "" {
		return NewLocal(), nil
	}
	return NewNATS(natsURL, prefix, log)
}

// parseURL splits a bus URL into the NATS server URL (empty for the local bus) and the
// subject prefix. Errors never repeat the URL: it may hold a password.
func parseURL(raw string) (natsURL, prefix string, err error) {
	if raw == "" || raw == "local" {
		return "", "", nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return "", "", fmt.Errorf("bus: open: invalid url: %w", err)
	}
	if u.Scheme != "nats" && u.Scheme != "tls" {
		return "", "", fmt.Errorf("bus: open: unsupported scheme %q (want local, nats or tls)", u.Scheme)
	}
	if u.Host == "" {
		return "", "", fmt.Errorf("bus: open: url without host")
	}
	prefix = "ruche"
	for key, values := range u.Query() {
		if key != "prefix" || len(values) != 1 {
			return "", "", fmt.Errorf("bus: open: unsupported query parameter %q", key)
		}
		prefix = values[0]
	}
	if err := checkSubject(prefix); err != nil {
		return "", "", fmt.Errorf("bus: open: prefix %q: %w", prefix, err)
	}
	u.RawQuery = ""
	return u.String(), prefix, nil
}
