package config

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func resolve(t *testing.T, args []string, env map[string]string) (*Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	c := &Config{}
	Register(fs, c, true)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return c, Resolve(fs, c, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
}

func TestPrecedence(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "db")
	os.WriteFile(secret, []byte("postgres://u:p@h/db\n"), 0o600)
	file := filepath.Join(dir, "ruche.conf")
	os.WriteFile(file, []byte("# comment\naddr = 127.0.0.1:9000\nlog-level = warn\nbase-url = \"https://x.example/\"\n"), 0o600)

	c, err := resolve(t, []string{"--addr", "127.0.0.1:1234"}, map[string]string{
		"RUCHE_ADDR": "127.0.0.1:5555", "RUCHE_LOG_LEVEL": "debug", "RUCHE_DATABASE_FILE": secret, "RUCHE_CONFIG": file,
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:1234" {
		t.Errorf("flag must win over env: %q", c.Addr)
	}
	if c.LogLevel != "debug" {
		t.Errorf("env must win over file: %q", c.LogLevel)
	}
	if c.Database != "postgres://u:p@h/db" {
		t.Errorf("_FILE variant: %q", c.Database)
	}
	if c.BaseURL != "https://x.example" {
		t.Errorf("file value: %q", c.BaseURL)
	}
}

func TestDefaults(t *testing.T) {
	c, err := resolve(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.Data != "./data" || c.Database != filepath.Join("data", "ruche.db") || c.Bus != "" {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestInvalid(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--bus", "redis://x"}, "bus"},
		{[]string{"--base-url", "ftp://x"}, "base-url"},
		{[]string{"--log-format", "xml"}, "log-format"},
		{[]string{"--trusted-proxies", "10.0.0.0/8, nope"}, "trusted-proxies"},
		{[]string{"--sqlite-synchronous", "off"}, "sqlite-synchronous"},
	} {
		_, err := resolve(t, tc.args, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err %v, want mention of %s", tc.args, err, tc.want)
		}
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "bad.conf")
	os.WriteFile(file, []byte("adr = :1\n"), 0o600)
	if _, err := resolve(t, []string{"--config", file}, nil); err == nil || !strings.Contains(err.Error(), "unknown setting") {
		t.Errorf("typo in config file: %v", err)
	}
}

func TestTrustedProxies(t *testing.T) {
	c, err := resolve(t, []string{"--trusted-proxies", "127.0.0.1, 10.0.0.0/8,::1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(c.Trusted()); got != 3 {
		t.Fatalf("trusted: %v", c.Trusted())
	}
}
