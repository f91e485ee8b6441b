// Package config holds Ruche's settings in one struct. Each setting is a
// command-line flag; a flag not given is taken from the environment variable
// RUCHE_<NAME> (or read from the file named by RUCHE_<NAME>_FILE, for
// secrets), then from the optional config file, then its default. Nothing
// else reads the environment.
package config

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// Config is every setting of a Ruche process.
type Config struct {
	Addr              string // listen address
	Data              string // data folder
	Database          string // SQLite path or postgres:// URL; "" is <data>/ruche.db
	Bus               string // "" (in-process) or nats://…
	BaseURL           string // public URL, for links in e-mails and invitations
	LogFormat         string // text or json
	LogLevel          string // debug, info, warn, error
	TrustedProxies    string // comma-separated CIDRs whose X-Forwarded-For is believed
	SQLiteSynchronous string // normal or full
	ConfigFile        string

	trusted []netip.Prefix
}

// Register declares the flags. serve adds those only `ruche serve` uses.
func Register(fs *flag.FlagSet, c *Config, serve bool) {
	fs.StringVar(&c.Data, "data", "./data", "data folder (database, files, wiki pages, backups)")
	fs.StringVar(&c.Database, "database", "", "database: a SQLite file path, or a postgres:// URL (default <data>/ruche.db)")
	fs.StringVar(&c.SQLiteSynchronous, "sqlite-synchronous", "normal", "SQLite durability: normal (survives crashes) or full (also survives power loss, slower writes)")
	fs.StringVar(&c.LogFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.StringVar(&c.ConfigFile, "config", "", "optional config file of name = value lines (same names as the flags)")
	fs.StringVar(&c.Bus, "bus", "", "event bus: empty for in-process, or a nats:// URL to share events between nodes")
	if serve {
		fs.StringVar(&c.Addr, "addr", ":8080", "address to listen on")
		fs.StringVar(&c.BaseURL, "base-url", "", "public URL of this install, e.g. https://team.example.org (default http://localhost:<port>)")
		fs.StringVar(&c.TrustedProxies, "trusted-proxies", "", "comma-separated addresses or CIDRs of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are trusted")
	}
}

// EnvName is the environment variable of a flag: data → RUCHE_DATA,
// base-url → RUCHE_BASE_URL.
func EnvName(flagName string) string {
	return "RUCHE_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Resolve fills the flags not set on the command line from the environment
// (lookup, usually os.LookupEnv) and the config file, then validates.
func Resolve(fs *flag.FlagSet, c *Config, lookup func(string) (string, bool)) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	fromEnv := func(name string) (string, bool, error) {
		env := EnvName(name)
		if v, ok := lookup(env); ok {
			return v, true, nil
		}
		if p, ok := lookup(env + "_FILE"); ok {
			b, err := os.ReadFile(p)
			if err != nil {
				return "", false, fmt.Errorf("config: %s_FILE: %w", env, err)
			}
			return strings.TrimRight(string(b), "\r\n"), true, nil
		}
		return "", false, nil
	}
	// The config file's own name comes from the flag or the environment.
	if !set["config"] {
		if v, ok, err := fromEnv("config"); err != nil {
			return err
		} else if ok {
			c.ConfigFile = v
		}
	}
	file := map[string]string{}
	if c.ConfigFile != "" {
		var err error
		if file, err = readFile(c.ConfigFile, fs); err != nil {
			return err
		}
	}
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || f.Name == "config" {
			return
		}
		v, ok, err := fromEnv(f.Name)
		if err != nil {
			errs = append(errs, err)
			return
		}
		if !ok {
			v, ok = file[f.Name]
		}
		if ok {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("config: %s: %w", f.Name, err))
			}
		}
	})
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return c.Validate()
}

// readFile parses "name = value" lines; '#' starts a comment. Unknown names
// are errors, so that a typo does not silently fall back to a default.
func readFile(path string, fs *flag.FlagSet) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		k, v = strings.TrimSpace(k), strings.Trim(strings.TrimSpace(v), `"`)
		if !ok || fs.Lookup(k) == nil || k == "config" {
			return nil, fmt.Errorf("config: %s:%d: unknown setting %q", path, n, k)
		}
		out[k] = v
	}
	return out, sc.Err()
}

// Validate checks the settings and derives the defaults that depend on others.
func (c *Config) Validate() error {
	var errs []error
	if c.Data == "" {
		errs = append(errs, errors.New("config: data: must not be empty"))
	}
	if c.Database == "" {
		c.Database = filepath.Join(c.Data, "ruche.db")
	}
	if c.Bus != "" && c.Bus != "local" && !strings.HasPrefix(c.Bus, "nats://") && !strings.HasPrefix(c.Bus, "tls://") {
		errs = append(errs, fmt.Errorf("config: bus: %q is neither empty nor a nats:// URL", c.Bus))
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			errs = append(errs, fmt.Errorf("config: base-url: %q must be an http(s) URL without query", c.BaseURL))
		} else {
			c.BaseURL = strings.TrimRight(c.BaseURL, "/")
		}
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("config: log-format: %q must be text or json", c.LogFormat))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("config: log-level: %q must be debug, info, warn or error", c.LogLevel))
	}
	switch c.SQLiteSynchronous {
	case "normal", "full":
	default:
		errs = append(errs, fmt.Errorf("config: sqlite-synchronous: %q must be normal or full", c.SQLiteSynchronous))
	}
	c.trusted = nil
	for _, p := range strings.Split(c.TrustedProxies, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		pr, err := netip.ParsePrefix(p)
		if err != nil {
			a, err2 := netip.ParseAddr(p)
			if err2 != nil {
				errs = append(errs, fmt.Errorf("config: trusted-proxies: %q is not an address or CIDR", p))
				continue
			}
			pr = netip.PrefixFrom(a, a.BitLen())
		}
		c.trusted = append(c.trusted, pr.Masked())
	}
	return errors.Join(errs...)
}

// Trusted returns the parsed trusted proxies (after Validate).
func (c *Config) Trusted() []netip.Prefix { return c.trusted }
