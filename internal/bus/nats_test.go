package bus

import (
	"crypto/rand"
	"os"
	"strings"
	"testing"
)

// flush waits for the server to have routed everything published before; tests only.
func (n *NATS) flush() error { return n.nc.FlushTimeout(flushTimeout) }

// natsURL returns the server of RUCHE_TEST_NATS, or skips: CI sets it.
func natsURL(t *testing.T) string {
	t.Helper()
	url := os.Getenv("RUCHE_TEST_NATS")
	if url == "" {
		t.Skip("RUCHE_TEST_NATS not set")
	}
	return url
}

// openNATS connects with prefix, closed when the test ends.
func openNATS(t *testing.T, url, prefix string) *NATS {
	t.Helper()
	b, err := NewNATS(url, prefix, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// uniquePrefix keeps parallel tests, and runs sharing the server, apart.
func uniquePrefix() string {
	return "test-" + strings.ToLower(rand.Text())
}

func TestNATS(t *testing.T) {
	url := natsURL(t)
	testContract(t, func(t *testing.T) Bus { return openNATS(t, url, uniquePrefix()) })
}

// TestNATSNodes checks that nodes with one prefix see each other's events and that
// nodes with another prefix do not.
func TestNATSNodes(t *testing.T) {
	url := natsURL(t)
	t.Parallel()
	prefix := uniquePrefix()
	node1 := openNATS(t, url, prefix)
	node2 := openNATS(t, url, prefix)
	stranger := openNATS(t, url, uniquePrefix())
	_, got := collect(t, node1, ">")

	publish(t, stranger, "user.updated", "stranger")
	if err := stranger.flush(); err != nil {
		t.Fatal(err)
	}
	publish(t, node2, "user.updated", "node2")
	if err := node2.flush(); err != nil {
		t.Fatal(err)
	}
	// Routed after the others: anything leaked from the stranger would come first.
	publish(t, node1, "user.created", "node1")

	for _, want := range []Message{{"user.updated", []byte("node2")}, {"user.created", []byte("node1")}} {
		if m := receive(t, got); m.Subject != want.Subject || string(m.Data) != string(want.Data) {
			t.Fatalf("got %s %q, want %s %q", m.Subject, m.Data, want.Subject, want.Data)
		}
	}
}

func TestOpenNATS(t *testing.T) {
	url := natsURL(t)
	t.Parallel()
	prefix := uniquePrefix()
	b, err := Open(url+"?prefix="+prefix, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	n, ok := b.(*NATS)
	if !ok {
		t.Fatalf("Open(%q) gave %T, want *NATS", url, b)
	}
	if n.prefix != prefix+"." {
		t.Fatalf("prefix %q, want %q", n.prefix, prefix+".")
	}
}
