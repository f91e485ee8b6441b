package web

import (
	"net/http"
	"time"
)

// tools are the four parts of the workspace, in navigation order.
var tools = []string{"chat", "wiki", "files", "meet"}

type homePage struct {
	base
	Greeting string // catalog key, by the time of day where the user is
	Tools    []toolTile
}

// toolTile is one tool on the home page; Ready is false while it is still
// to be built.
type toolTile struct {
	Name  string
	Ready bool
}

// home is the signed-in landing page.
func (h *Handler) home(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	hour := time.Now().In(location(p.User.TimeZone)).Hour()
	greeting := "home.hello_day"
	switch {
	case hour >= 18 || hour < 4:
		greeting = "home.hello_evening"
	case hour < 12:
		greeting = "home.hello_morning"
	}
	tiles := make([]toolTile, len(tools))
	for i, t := range tools {
		tiles[i] = toolTile{Name: t, Ready: t == "chat" && h.chat != nil}
	}
	return h.render(w, r, "home.html", &homePage{base: base{Nav: "home"}, Greeting: greeting, Tools: tiles})
}

type toolPage struct {
	base
	Tool string
}

// tool shows a tool's place in the shell. The tools arrive in later
// versions; until then the page says so plainly.
func (h *Handler) tool(name string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if _, err := principal(r); err != nil {
			return err
		}
		return h.render(w, r, "tool.html", &toolPage{base: base{Nav: name}, Tool: name})
	}
}
