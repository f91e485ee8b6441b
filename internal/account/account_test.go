package account_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"

	"ruche/internal/access"
	"ruche/internal/account"
	"ruche/internal/auth"
	"ruche/internal/blob"
	"ruche/internal/bus"
	"ruche/internal/model"
	"ruche/internal/testutil"
)

func newService(t *testing.T) *account.Service {
	t.Helper()
	st := testutil.NewStore(t)
	blobs, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	b := bus.NewLocal()
	t.Cleanup(func() { b.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return account.New(st, blobs, b, auth.New(st, b, log, auth.Options{}), log, nil)
}

func member(login string, role model.Role) account.NewUser {
	return account.NewUser{Login: login, Role: role, Password: "long enough"}
}

func TestSetupRunsOnce(t *testing.T) {
	t.Parallel()
	s := newService(t)
	ctx := context.Background()
	if need, _ := s.SetupNeeded(ctx); !need {
		t.Fatal("fresh install does not need setup")
	}
	var ok atomic.Int32
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Go(func() {
			n := member("admin"+string(rune('a'+i)), model.RoleMember)
			if u, err := s.Setup(ctx, n); err == nil {
				ok.Add(1)
				if u.Role != model.RoleAdmin {
					t.Errorf("setup made a %s", u.Role)
				}
			} else if !errors.Is(err, model.ErrConflict) {
				t.Errorf("concurrent setup: %v", err)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 1 {
		t.Fatalf("%d setups succeeded", ok.Load())
	}
	if need, _ := s.SetupNeeded(ctx); need {
		t.Fatal("setup still offered")
	}
}

func TestLastAdminStays(t *testing.T) {
	t.Parallel()
	s := newService(t)
	ctx := context.Background()
	a, _ := s.CreateUser(ctx, account.Shell, member("alpha", model.RoleAdmin))
	b, _ := s.CreateUser(ctx, account.Shell, member("beta", model.RoleAdmin))
	if _, err := s.SetDisabled(ctx, access.ActorOf(a), a.ID, true); !errors.Is(err, model.ErrForbidden) {
		t.Fatalf("admin disables themself: %v", err)
	}
	if _, err := s.SetRole(ctx, access.ActorOf(a), b.ID, model.RoleMember); err != nil {
		t.Fatal(err)
	}
	// alpha is the last enabled admin: even the shell may not remove them.
	if _, err := s.SetDisabled(ctx, account.Shell, a.ID, true); !errors.Is(err, model.ErrConflict) {
		t.Fatalf("last admin disabled: %v", err)
	}
	if _, err := s.SetRole(ctx, account.Shell, a.ID, model.RoleGuest); !errors.Is(err, model.ErrConflict) {
		t.Fatalf("last admin demoted: %v", err)
	}
	if _, err := s.SetRole(ctx, account.Shell, b.ID, model.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetDisabled(ctx, account.Shell, a.ID, true); err != nil {
		t.Fatalf("with two admins, one may be disabled: %v", err)
	}
}

func TestBranding(t *testing.T) {
	t.Parallel()
	s := newService(t)
	ctx := context.Background()
	admin, _ := s.CreateUser(ctx, account.Shell, member("boss", model.RoleAdmin))
	mem, _ := s.CreateUser(ctx, account.Shell, member("mem", model.RoleMember))
	if b, _ := s.Branding(ctx); b != account.DefaultBranding {
		t.Fatalf("default branding %+v", b)
	}
	name, col := "  La  Coop ", "#1A2B3C"
	if _, err := s.SetBranding(ctx, access.ActorOf(mem), account.BrandingUpdate{Name: &name}); !errors.Is(err, model.ErrForbidden) {
		t.Fatalf("member sets branding: %v", err)
	}
	b, err := s.SetBranding(ctx, access.ActorOf(admin), account.BrandingUpdate{Name: &name, AccentColor: &col})
	if err != nil || b.Name != "La Coop" || b.AccentColor != "#1a2b3c" {
		t.Fatalf("%+v %v", b, err)
	}
	for _, bad := range []string{"red", "#12345", "#1234567", "#12345g", "#123456;}body{x:y"} {
		if _, err := s.SetBranding(ctx, access.ActorOf(admin), account.BrandingUpdate{AccentColor: &bad}); !errors.Is(err, model.ErrInvalid) {
			t.Errorf("colour %q accepted: %v", bad, err)
		}
	}
	var img bytes.Buffer
	m := image.NewRGBA(image.Rect(0, 0, 8, 8))
	m.Set(1, 1, color.RGBA{255, 0, 0, 255})
	png.Encode(&img, m)
	b, err = s.SetLogo(ctx, access.ActorOf(admin), bytes.NewReader(img.Bytes()))
	if err != nil || !b.HasLogo {
		t.Fatalf("logo: %+v %v", b, err)
	}
	rc, err := s.Image(ctx, b.LogoKey)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, img.Bytes()) {
		t.Fatal("logo bytes differ")
	}
	for _, bad := range [][]byte{[]byte("<svg onload=alert(1)>"), []byte("GIF89a garbage"), bytes.Repeat([]byte{0}, account.MaxImageBytes+10)} {
		if _, err := s.SetLogo(ctx, access.ActorOf(admin), bytes.NewReader(bad)); !errors.Is(err, model.ErrInvalid) {
			t.Errorf("bad logo accepted: %v", err)
		}
	}
	oldKey := b.LogoKey
	b, err = s.SetBranding(ctx, access.ActorOf(admin), account.BrandingUpdate{RemoveLogo: true})
	if err != nil || b.HasLogo {
		t.Fatalf("remove logo: %+v %v", b, err)
	}
	if _, err := s.Image(ctx, oldKey); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("removed logo still served: %v", err)
	}
}

func TestGroupsAndProfile(t *testing.T) {
	t.Parallel()
	s := newService(t)
	ctx := context.Background()
	admin, _ := s.CreateUser(ctx, account.Shell, member("root", model.RoleAdmin))
	guest, _ := s.CreateUser(ctx, account.Shell, member("client", model.RoleGuest))
	g, err := s.CreateGroup(ctx, access.ActorOf(admin), account.GroupSpec{Name: "ACME  Corp"})
	if err != nil || g.Name != "ACME Corp" {
		t.Fatalf("%+v %v", g, err)
	}
	if _, err := s.CreateGroup(ctx, access.ActorOf(admin), account.GroupSpec{Name: "ACME Corp"}); !errors.Is(err, model.ErrConflict) {
		t.Fatalf("duplicate group: %v", err)
	}
	if err := s.AddGroupMember(ctx, access.ActorOf(admin), g.ID, guest.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.AddGroupMember(ctx, access.ActorOf(admin), g.ID, 999); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("unknown user: %v", err)
	}
	if _, err := s.Groups(ctx, access.ActorOf(guest)); !errors.Is(err, model.ErrForbidden) {
		t.Fatalf("guest lists groups: %v", err)
	}
	if _, err := s.User(ctx, access.ActorOf(guest), admin.ID); !errors.Is(err, model.ErrForbidden) {
		t.Fatalf("guest reads another profile: %v", err)
	}
	tz, theme := "Europe/Paris", model.ThemeDark
	u, err := s.UpdateProfile(ctx, access.ActorOf(guest), guest.ID, account.ProfileUpdate{TimeZone: &tz, Theme: &theme})
	if err != nil || u.TimeZone != tz || u.Theme != theme {
		t.Fatalf("own profile: %+v %v", u, err)
	}
	if _, err := s.UpdateProfile(ctx, access.ActorOf(guest), admin.ID, account.ProfileUpdate{TimeZone: &tz}); !errors.Is(err, model.ErrForbidden) {
		t.Fatalf("guest edits admin: %v", err)
	}
}
