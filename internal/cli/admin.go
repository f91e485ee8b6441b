package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"ruche/internal/account"
	"ruche/internal/app"
	"ruche/internal/config"
	"ruche/internal/model"
	"ruche/internal/store"
)

const adminUsage = `Usage: ruche admin user <create|list|set-password|disable|enable> [flags]

  create        create an account (the first admin, or anyone)
  list          list accounts
  set-password  set an account's password (ends its sessions)
  disable       disable an account (ends its sessions, refuses its tokens)
  enable        enable a disabled account
`

func admin(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || args[0] != "user" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprint(env.Stderr, adminUsage)
			return nil
		}
		fmt.Fprint(env.Stderr, adminUsage)
		return errUsage
	}
	if len(args) < 2 {
		fmt.Fprint(env.Stderr, adminUsage)
		return errUsage
	}
	sub, rest := args[1], args[2:]
	switch sub {
	case "create":
		return adminCreate(ctx, env, rest)
	case "list":
		return adminList(ctx, env, rest)
	case "set-password":
		return adminSetPassword(ctx, env, rest)
	case "disable", "enable":
		return adminDisable(ctx, env, rest, sub == "disable")
	case "-h", "--help":
		fmt.Fprint(env.Stderr, adminUsage)
		return nil
	}
	fmt.Fprintf(env.Stderr, "ruche admin user: unknown command %q\n\n%s", sub, adminUsage)
	return errUsage
}

// openApp parses the storage flags plus the command's own, and opens the
// app (migrating the database if needed).
func openApp(ctx context.Context, env Env, name, synopsis string, args []string, own func(fs *flagSet)) (*app.App, error) {
	var cfg config.Config
	fs := flags(name, synopsis, env)
	config.Register(fs, &cfg, false)
	if own != nil {
		own(fs)
	}
	if err := parse(fs, args); err != nil {
		return nil, err
	}
	if err := config.Resolve(fs, &cfg, env.Lookup); err != nil {
		return nil, err
	}
	return app.Open(ctx, cfg, newLogger(env.Stderr, cfg.LogFormat, "warn"))
}

type flagSet = flag.FlagSet

func adminCreate(ctx context.Context, env Env, args []string) error {
	var (
		n            account.NewUser
		role         string
		passwordFile string
	)
	a, err := openApp(ctx, env, "admin user create", "admin user create --login NAME [--email ADDR] [--role admin|member|guest] [--password-file FILE] [flags]", args, func(fs *flagSet) {
		fs.StringVar(&n.Login, "login", "", "login (required)")
		fs.StringVar(&n.Email, "email", "", "e-mail address")
		fs.StringVar(&n.DisplayName, "display-name", "", "name shown to others")
		fs.StringVar(&role, "role", "member", "role: admin, member or guest")
		fs.StringVar(&passwordFile, "password-file", "", "file holding the password (default: read it from standard input)")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	n.Role = model.Role(role)
	// Check what can be checked before asking for the password.
	if _, err := account.Login(n.Login); err != nil {
		return explain(err)
	}
	if !n.Role.Valid() {
		return errors.New("role must be admin, member or guest")
	}
	if n.Password, err = readPassword(env, passwordFile); err != nil {
		return err
	}
	u, err := a.Accounts.CreateUser(ctx, account.Shell, n)
	if err != nil {
		return explain(err)
	}
	fmt.Fprintf(env.Stdout, "created %s %q (id %d)\n", u.Role, u.Login, u.ID)
	return nil
}

func adminList(ctx context.Context, env Env, args []string) error {
	a, err := openApp(ctx, env, "admin user list", "admin user list [flags]", args, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tLOGIN\tNAME\tE-MAIL\tROLE\tSTATUS")
	for offset := 0; ; offset += 500 {
		users, err := a.Accounts.Users(ctx, account.Shell, store.UserFilter{Limit: 500, Offset: offset})
		if err != nil {
			return err
		}
		for _, u := range users {
			status := "active"
			if u.Disabled {
				status = "disabled"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Login, u.DisplayName, u.Email, u.Role, status)
		}
		if len(users) < 500 {
			break
		}
	}
	return tw.Flush()
}

func adminSetPassword(ctx context.Context, env Env, args []string) error {
	var login, passwordFile string
	a, err := openApp(ctx, env, "admin user set-password", "admin user set-password --login NAME [--password-file FILE] [flags]", args, func(fs *flagSet) {
		fs.StringVar(&login, "login", "", "login or e-mail of the account (required)")
		fs.StringVar(&passwordFile, "password-file", "", "file holding the new password (default: read it from standard input)")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.Accounts.UserByLogin(ctx, account.Shell, login)
	if err != nil {
		return explain(err)
	}
	pw, err := readPassword(env, passwordFile)
	if err != nil {
		return err
	}
	if err := a.Auth.SetPassword(ctx, account.Shell.UserID, u.ID, pw, 0); err != nil {
		return explain(err)
	}
	fmt.Fprintf(env.Stdout, "password of %q changed; its sessions were ended\n", u.Login)
	return nil
}

func adminDisable(ctx context.Context, env Env, args []string, disable bool) error {
	var login string
	verb := map[bool]string{true: "disable", false: "enable"}[disable]
	a, err := openApp(ctx, env, "admin user "+verb, "admin user "+verb+" --login NAME [flags]", args, func(fs *flagSet) {
		fs.StringVar(&login, "login", "", "login or e-mail of the account (required)")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.Accounts.UserByLogin(ctx, account.Shell, login)
	if err != nil {
		return explain(err)
	}
	if _, err := a.Accounts.SetDisabled(ctx, account.Shell, u.ID, disable); err != nil {
		return explain(err)
	}
	fmt.Fprintf(env.Stdout, "%s %q\n", map[bool]string{true: "disabled", false: "enabled"}[disable], u.Login)
	return nil
}

// readPassword reads the password from a file, or from standard input: with
// a prompt and no echo on a terminal, else its first line.
func readPassword(env Env, file string) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", err
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	if f, ok := env.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(env.Stderr, "Password: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(env.Stderr)
		return string(b), err
	}
	line, err := bufio.NewReader(io.LimitReader(env.Stdin, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// explain turns a service error into a message for the shell.
func explain(err error) error {
	var inv *model.InvalidError
	switch {
	case errors.As(err, &inv):
		return errors.New(inv.Error())
	case errors.Is(err, model.ErrNotFound):
		return errors.New("no such account")
	}
	return err
}
