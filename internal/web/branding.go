package web

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"ruche/internal/account"
	"ruche/internal/model"
)

// brandingCSS serves the organisation's colours as custom properties: the
// way a per-organisation colour reaches pages whose CSP forbids inline
// styles. The URL carries a version, so a matching request is cached for
// good and a change of colour changes the URL.
func (h *Handler) brandingCSS(w http.ResponseWriter, r *http.Request) error {
	b, err := h.accounts.Branding(r.Context())
	if err != nil {
		return err
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/css; charset=utf-8")
	if r.URL.Query().Get("v") == brandVersion(b) {
		hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		hd.Set("Cache-Control", "no-cache")
	}
	_, err = w.Write([]byte(paletteCSS(b.AccentColor)))
	return err
}

// brandVersion names the current branding stylesheet.
func brandVersion(b model.Branding) string {
	sum := sha256.Sum256([]byte(normalColor(b.AccentColor)))
	return hex.EncodeToString(sum[:4])
}

type rgb struct{ r, g, b float64 } // 0..255

// parseColor reads #rrggbb; anything else gives ok == false.
func parseColor(s string) (rgb, bool) {
	if len(s) != 7 || s[0] != '#' {
		return rgb{}, false
	}
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		return rgb{}, false
	}
	return rgb{float64(v >> 16 & 0xff), float64(v >> 8 & 0xff), float64(v & 0xff)}, true
}

// normalColor is the accent as #rrggbb, or the default one when the stored
// value is not a colour (the service validates it; this is defence in depth,
// since the value lands in a stylesheet).
func normalColor(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if _, ok := parseColor(s); ok {
		return s
	}
	return account.DefaultBranding.AccentColor
}

func (c rgb) String() string {
	cl := func(x float64) int { return int(math.Round(math.Max(0, math.Min(255, x)))) }
	return fmt.Sprintf("#%02x%02x%02x", cl(c.r), cl(c.g), cl(c.b))
}

// mix returns c moved by t (0..1) towards o.
func (c rgb) mix(o rgb, t float64) rgb {
	return rgb{c.r + (o.r-c.r)*t, c.g + (o.g-c.g)*t, c.b + (o.b-c.b)*t}
}

// luminance is WCAG 2's relative luminance.
func (c rgb) luminance() float64 {
	lin := func(v float64) float64 {
		v /= 255
		if v <= 0.04045 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.r) + 0.7152*lin(c.g) + 0.0722*lin(c.b)
}

// contrast is WCAG 2's contrast ratio of two colours (1 to 21).
func contrast(a, b rgb) float64 {
	la, lb := a.luminance(), b.luminance()
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// Theme backgrounds the accent must stand out against; they match app.css.
var (
	white     = rgb{255, 255, 255}
	black     = rgb{0, 0, 0}
	nearBlack = rgb{0x11, 0x11, 0x11}
	lightBg   = rgb{0xf4, 0xf4, 0xf5} // sidebar, light theme (darker than the page)
	darkBg    = rgb{0x22, 0x24, 0x29} // raised surfaces, dark theme (lighter than the page)
	darkPage  = rgb{0x17, 0x18, 0x1b} // page, dark theme
)

// onAccent is the text colour for the accent as a background: white or
// near-black, whichever contrasts more (one always reaches 4.5:1 with pure
// black as a last resort).
func onAccent(a rgb) rgb {
	best, c := white, contrast(a, white)
	if cb := contrast(a, nearBlack); cb > c {
		best, c = nearBlack, cb
	}
	if c < 4.5 && contrast(a, black) > c {
		best = black
	}
	return best
}

// readable moves c towards target until it contrasts at least min with bg:
// the accent as text (links, active navigation) or focus ring on a theme.
func readable(c, bg, target rgb, min float64) rgb {
	for t := 0.0; t <= 1; t += 0.02 {
		if m := c.mix(target, t); contrast(m, bg) >= min {
			return m
		}
	}
	return target
}

// paletteCSS derives every accent shade the stylesheet uses. Text in the
// accent colour (links, the active navigation item) must reach 4.5:1 on the
// theme's surfaces and on the soft accent background of the active item.
func paletteCSS(color string) string {
	a, _ := parseColor(normalColor(color))
	on := onAccent(a)
	hover := a.mix(black, 0.15)
	if on != white {
		hover = a.mix(white, 0.15)
	}
	if contrast(hover, on) < 4.5 { // keep the hover state as readable as the button
		hover = a
	}
	softLight, softDark := a.mix(white, 0.86), a.mix(darkPage, 0.72)
	textLight := readable(a, darker(lightBg, softLight), black, 4.5)
	textDark := readable(a, lighter(darkBg, softDark), white, 4.5)
	var b strings.Builder
	fmt.Fprintf(&b, ":root{--accent:%s;--accent-hover:%s;--on-accent:%s;", a, hover, on)
	fmt.Fprintf(&b, "--accent-text-light:%s;--accent-text-dark:%s;", textLight, textDark)
	fmt.Fprintf(&b, "--accent-soft-light:%s;--accent-soft-dark:%s}\n", softLight, softDark)
	return b.String()
}

func darker(a, b rgb) rgb {
	if a.luminance() < b.luminance() {
		return a
	}
	return b
}

func lighter(a, b rgb) rgb {
	if a.luminance() > b.luminance() {
		return a
	}
	return b
}
