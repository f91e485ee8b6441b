package bus

import (
	"strings"
	"testing"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		in, url, prefix string
	}{
		{"", "", ""},
		{"local", "", ""},
		{"nats://127.0.0.1:4222", "nats://127.0.0.1:4222", "ruche"},
		{"nats://nats.example:4222?prefix=acme", "nats://nats.example:4222", "acme"},
		{"tls://user:secret@nats.example:4222?prefix=acme.prod", "tls://user:secret@nats.example:4222", "acme.prod"},
	}
	for _, tt := range tests {
		url, prefix, err := parseURL(tt.in)
		if err != nil || url != tt.url || prefix != tt.prefix {
			t.Errorf("parseURL(%q) = %q, %q, %v; want %q, %q", tt.in, url, prefix, err, tt.url, tt.prefix)
		}
	}
	for _, in := range []string{
		"redis://127.0.0.1:6379",
		"127.0.0.1:4222",
		"nats://",
		"nats://h:4222?prefix=",
		"nats://h:4222?prefix=a*",
		"nats://h:4222?prefix=a..b",
		"nats://h:4222?prefix=a&prefix=b",
		"nats://h:4222?prefx=a",
		"nats://user:secret@h:4222/%zz",
		"nats://user:secret@h:4222?prefix=a%20b",
	} {
		_, _, err := parseURL(in)
		if err == nil {
			t.Errorf("parseURL(%q): no error", in)
			continue
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("parseURL(%q): error shows the password: %v", in, err)
		}
	}
}

func TestOpen(t *testing.T) {
	for _, in := range []string{"", "local"} {
		b, err := Open(in, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := b.(*Local); !ok {
			t.Errorf("Open(%q) gave %T, want *Local", in, b)
		}
		if err := b.Close(); err != nil {
			t.Error(err)
		}
	}
	// Port 1 on loopback refuses at once: the first connection must succeed.
	if b, err := Open("nats://127.0.0.1:1", nil); err == nil {
		b.Close()
		t.Error("Open of an unreachable server: no error")
	}
}
