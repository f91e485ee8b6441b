package chat

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"math"
	"mime"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"ruche/internal/access"
	"ruche/internal/account"
	"ruche/internal/auth"
	"ruche/internal/markup"
	"ruche/internal/model"
)

// Incoming webhooks take the payloads Slack and Mattermost accept, so that
// the many tools that speak "Slack webhook" (Alertmanager, Grafana, Gitea,
// CI servers…) post into Ruche unchanged. A payload becomes a post of the
// hook's creator, marked as coming from the integration: its text (and Block
// Kit blocks) become the Markdown message; its attachments are kept in the
// post's props and rendered by views, next to the message.

// Limits of incoming webhooks.
const (
	MaxIncomingBody   = 1 << 20 // bytes of a request body, before parsing
	maxAttachments    = 100
	maxBlocks         = 100
	maxFields         = 100
	maxOverrideName   = 64
	maxURL            = 2048
	maxHookTriggers   = 10
	maxTriggerRunes   = 64
	incomingBurst     = 30                     // requests a hook may send at once…
	incomingRefill    = 100 * time.Millisecond // …then 10 a second
	slackDangerColor  = "#a30200"
	slackGoodColor    = "#2eb886"
	slackWarningColor = "#daa038"
)

// incomingThrottle limits each hook (keyed by its secret's hash, which is
// unique across every store) to incomingBurst requests, then 10 a second. It
// is per node, like the login throttle.
var incomingThrottle = auth.NewThrottle(incomingBurst, incomingRefill)

// Loose is a string member of a webhook payload. Slack clients are lax about
// types: numbers, booleans and null are taken as their text, objects and
// arrays as "".
type Loose string

func (l *Loose) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0, b[0] == 'n', b[0] == '{', b[0] == '[':
		*l = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*l = Loose(s)
	default:
		*l = Loose(b)
	}
	return nil
}

// LooseBool is a boolean member sent as true, "true", 1 or "1".
type LooseBool bool

func (v *LooseBool) UnmarshalJSON(b []byte) error {
	var l Loose
	if err := l.UnmarshalJSON(b); err != nil {
		return err
	}
	*v = LooseBool(l == "true" || l == "1")
	return nil
}

// IncomingPayload is what an incoming webhook accepts; unknown members are
// ignored (Slack clients send many).
type IncomingPayload struct {
	Text        Loose           `json:"text"`
	Username    Loose           `json:"username"`
	IconURL     Loose           `json:"icon_url"`
	IconEmoji   Loose           `json:"icon_emoji"`
	Channel     Loose           `json:"channel"`
	Attachments hookAttachments `json:"attachments"`
	Blocks      json.RawMessage `json:"blocks"`
}

// HookAttachment is a Slack message attachment. Once accepted, its text members
// hold Markdown and its URLs are checked: it is kept like that in the post's
// props.
type HookAttachment struct {
	Fallback   Loose           `json:"fallback,omitempty"`
	Color      Loose           `json:"color,omitempty"`
	Pretext    Loose           `json:"pretext,omitempty"`
	AuthorName Loose           `json:"author_name,omitempty"`
	AuthorLink Loose           `json:"author_link,omitempty"`
	Title      Loose           `json:"title,omitempty"`
	TitleLink  Loose           `json:"title_link,omitempty"`
	Text       Loose           `json:"text,omitempty"`
	Fields     []HookField     `json:"fields,omitempty"`
	ImageURL   Loose           `json:"image_url,omitempty"`
	ThumbURL   Loose           `json:"thumb_url,omitempty"`
	Footer     Loose           `json:"footer,omitempty"`
	Ts         Loose           `json:"ts,omitempty"`
	Blocks     json.RawMessage `json:"blocks,omitempty"`
}

// HookField is a titled value of an attachment; short ones sit side by side.
type HookField struct {
	Title Loose     `json:"title,omitempty"`
	Value Loose     `json:"value,omitempty"`
	Short LooseBool `json:"short,omitempty"`
}

// hookAttachments also accepts the list as a JSON string, as some clients
// send it in form bodies, and skips members that are not objects.
type hookAttachments []HookAttachment

func (l *hookAttachments) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		b = bytes.TrimSpace([]byte(s))
		if len(b) == 0 {
			return nil
		}
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*l = nil
	for _, r := range raw {
		if len(r) == 0 || r[0] != '{' {
			continue
		}
		var a HookAttachment
		if err := json.Unmarshal(r, &a); err != nil {
			return err
		}
		*l = append(*l, a)
	}
	return nil
}

func invalidPayload(field, reason string) error {
	return &model.InvalidError{Field: field, Reason: reason, Key: "err.body"}
}

// ParseIncoming reads a webhook request body: JSON, or a form whose payload
// field holds the JSON (as Slack accepts). A form body that is JSON itself
// (what `curl -d '{…}'` sends) is read as JSON.
func ParseIncoming(contentType string, body []byte) (IncomingPayload, error) {
	var p IncomingPayload
	if len(body) > MaxIncomingBody {
		return p, invalidPayload("body", fmt.Sprintf("body must be at most %d bytes", MaxIncomingBody))
	}
	data := bytes.TrimSpace(body)
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt == "application/x-www-form-urlencoded" && (len(data) == 0 || data[0] != '{') {
		form, err := url.ParseQuery(string(data))
		if err != nil {
			return p, invalidPayload("body", "malformed form body")
		}
		if !form.Has("payload") {
			return p, invalidPayload("payload", "a form body needs a payload field holding the JSON")
		}
		data = bytes.TrimSpace([]byte(form.Get("payload")))
	}
	if len(data) == 0 || data[0] != '{' {
		return p, invalidPayload("body", "body must be a JSON object")
	}
	if err := json.Unmarshal(data, &p); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return p, invalidPayload("body", fmt.Sprintf("malformed JSON at byte %d", syn.Offset))
		}
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) && typ.Field != "" {
			return p, invalidPayload(typ.Field, "wrong type")
		}
		return p, invalidPayload("body", "malformed JSON")
	}
	return p, nil
}

// hookProps are the props of a post made by an integration, stored as JSON
// with the post (Mattermost's names).
type hookProps struct {
	FromWebhook       bool             `json:"from_webhook"`
	OverrideUsername  string           `json:"override_username,omitempty"`
	OverrideIconURL   string           `json:"override_icon_url,omitempty"`
	OverrideIconEmoji string           `json:"override_icon_emoji,omitempty"`
	Attachments       []HookAttachment `json:"attachments,omitempty"`
}

// Integration is what a post made by an integration shows besides its
// author: the name and icon the integration asked for. The icon is never
// loaded by the web client (images come from this server only).
type Integration struct {
	FromWebhook       bool   `json:"from_webhook"`
	OverrideUsername  string `json:"override_username,omitempty"`
	OverrideIconURL   string `json:"override_icon_url,omitempty"`
	OverrideIconEmoji string `json:"override_icon_emoji,omitempty"`
}

// message turns a payload into a post's Markdown message and props JSON,
// checking its limits. Blocks, when present, are the message (Slack shows
// them instead of text, which is their notification fallback).
func (p IncomingPayload) message() (string, string, error) {
	if n := utf8.RuneCountInString(string(p.Text)); n > markup.MaxLength {
		return "", "", invalidPayload("text", fmt.Sprintf("text must have at most %d characters", markup.MaxLength))
	}
	msg := slackToMarkdown(string(p.Text))
	blocks, err := blocksMarkdown(p.Blocks)
	if err != nil {
		return "", "", err
	}
	if blocks != "" {
		msg = blocks
	}
	if utf8.RuneCountInString(msg) > markup.MaxLength {
		return "", "", invalidPayload("blocks", fmt.Sprintf("the message must have at most %d characters", markup.MaxLength))
	}
	if len(p.Attachments) > maxAttachments {
		return "", "", invalidPayload("attachments", fmt.Sprintf("at most %d attachments", maxAttachments))
	}
	props := hookProps{FromWebhook: true, OverrideUsername: overrideName(string(p.Username)),
		OverrideIconURL: hookLinkURL(string(p.IconURL))}
	if e, ok := markup.Emoji(strings.TrimSpace(string(p.IconEmoji))); ok {
		props.OverrideIconEmoji = e
	}
	for _, a := range p.Attachments {
		a, err := a.normalize()
		if err != nil {
			return "", "", err
		}
		if !a.empty() {
			props.Attachments = append(props.Attachments, a)
		}
	}
	if strings.TrimSpace(msg) == "" && len(props.Attachments) == 0 {
		return "", "", invalidPayload("text", "text, attachments or blocks are required")
	}
	data, err := Marshal(props)
	if err != nil {
		return "", "", err
	}
	return msg, string(data), nil
}

// overrideName cleans the name an integration asks to be shown with.
func overrideName(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if !utf8.ValidString(s) || strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) > maxOverrideName {
		s = string([]rune(s)[:maxOverrideName])
	}
	return s
}

// normalize converts an attachment's Slack markup to Markdown, drops URLs
// that are not http(s) and colours that are not known names or #rgb/#rrggbb.
func (a HookAttachment) normalize() (HookAttachment, error) {
	if len(a.Fields) > maxFields {
		return a, invalidPayload("fields", fmt.Sprintf("an attachment has at most %d fields", maxFields))
	}
	md := func(l Loose) Loose { return Loose(slackToMarkdown(string(l))) }
	a.Pretext, a.Text, a.Fallback = md(a.Pretext), md(a.Text), Loose(plainSlack(string(a.Fallback)))
	a.Title, a.AuthorName, a.Footer = Loose(plainSlack(string(a.Title))), Loose(plainSlack(string(a.AuthorName))), Loose(plainSlack(string(a.Footer)))
	a.TitleLink, a.AuthorLink = Loose(hookLinkURL(string(a.TitleLink))), Loose(hookLinkURL(string(a.AuthorLink)))
	a.ImageURL, a.ThumbURL = Loose(hookLinkURL(string(a.ImageURL))), Loose(hookLinkURL(string(a.ThumbURL)))
	a.Color = Loose(attachmentColor(string(a.Color)))
	if _, ok := attachmentTime(a.Ts); !ok {
		a.Ts = ""
	}
	fields := a.Fields[:0:0]
	for _, f := range a.Fields {
		f.Title, f.Value = Loose(plainSlack(string(f.Title))), md(f.Value)
		if strings.TrimSpace(string(f.Title)) != "" || strings.TrimSpace(string(f.Value)) != "" {
			fields = append(fields, f)
		}
	}
	a.Fields = fields
	if len(a.Blocks) > 0 {
		blocks, err := blocksMarkdown(a.Blocks)
		if err != nil {
			return a, err
		}
		if blocks != "" {
			a.Text = Loose(strings.TrimSpace(string(a.Text) + "\n\n" + blocks))
		}
		a.Blocks = nil
	}
	return a, nil
}

func (a HookAttachment) empty() bool {
	return strings.TrimSpace(string(a.Pretext+a.Title+a.Text+a.AuthorName+a.Footer+a.ImageURL+a.ThumbURL)) == "" && len(a.Fields) == 0
}

// attachmentColor returns a colour as "#rrggbb", or "" when it is neither a
// hex colour nor one of Slack's names.
func attachmentColor(c string) string {
	c = strings.ToLower(strings.TrimSpace(c))
	switch c {
	case "good":
		return slackGoodColor
	case "warning":
		return slackWarningColor
	case "danger":
		return slackDangerColor
	}
	c = strings.TrimPrefix(c, "#")
	if len(c) == 3 {
		c = string([]byte{c[0], c[0], c[1], c[1], c[2], c[2]})
	}
	if len(c) != 6 {
		return ""
	}
	if _, err := hex.DecodeString(c); err != nil {
		return ""
	}
	return "#" + c
}

// attachmentTime reads an attachment's ts: Unix seconds, maybe with a fraction.
func attachmentTime(ts Loose) (time.Time, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(string(ts)), 64)
	if err != nil || f <= 0 || f > 1e11 || math.IsNaN(f) {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true
}

// hookLinkURL returns u when it is an absolute http(s) URL with a host that a
// link may point to, "" otherwise.
func hookLinkURL(u string) string {
	u = strings.TrimSpace(u)
	if u == "" || len(u) > maxURL || strings.ContainsFunc(u, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '\\' }) {
		return ""
	}
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.Opaque != "" {
		return ""
	}
	return p.String()
}

// slackToMarkdown converts Slack's markup in a text to Ruche's Markdown:
// <url|label> and <url> become links, <!channel>, <!here> and <!everyone>
// the special mentions, <@U123|name> a mention and <#C123|name> a channel
// reference. Everything else is Markdown already (Slack's *bold* shows as
// emphasis, as in Mattermost). HTML entities (&lt; &gt; &amp;, which Slack
// requires) are left for the Markdown renderer, which decodes them.
func slackToMarkdown(s string) string {
	if !strings.Contains(s, "<") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(s)
			break
		}
		end := strings.IndexAny(s[i+1:], "<>\n")
		if end < 0 || s[i+1+end] != '>' {
			b.WriteString(s[:i+1])
			s = s[i+1:]
			continue
		}
		b.WriteString(s[:i])
		b.WriteString(slackToken(s[i+1 : i+1+end]))
		s = s[i+1+end+1:]
	}
	return b.String()
}

// slackToken converts what was between < and >.
func slackToken(tok string) string {
	target, label, hasLabel := strings.Cut(tok, "|")
	switch {
	case target == "":
		return escapeMarkdown("<" + tok + ">")
	case target[0] == '!':
		switch cmd, _, _ := strings.Cut(target[1:], "^"); cmd {
		case "channel", "here":
			return "@" + cmd
		case "everyone":
			return "@all"
		}
		return escapeMarkdown(label)
	case target[0] == '@':
		if hasLabel {
			return "@" + strings.TrimPrefix(label, "@")
		}
		return escapeMarkdown(target)
	case target[0] == '#':
		if hasLabel {
			return "~" + strings.TrimPrefix(label, "#")
		}
		return escapeMarkdown(target)
	}
	u := slackLinkURL(target)
	switch {
	case u != "" && hasLabel:
		return "[" + escapeMarkdown(label) + "](<" + u + ">)"
	case u != "":
		return "[" + escapeMarkdown(u) + "](<" + u + ">)"
	case hasLabel && strings.Contains(target, ":"):
		return escapeMarkdown(label) // a link we do not make (javascript:…): its label
	}
	return escapeMarkdown("<" + tok + ">") // not Slack markup: the text as written
}

// slackLinkURL accepts http(s) and mailto targets of Slack links.
func slackLinkURL(u string) string {
	if strings.HasPrefix(strings.ToLower(u), "mailto:") && !strings.ContainsAny(u, " <>\\") {
		return u
	}
	return hookLinkURL(u)
}

// slackEntities are the escapes Slack requires in text.
var slackEntities = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// plainSlack turns Slack markup in a plain-text member (a title, a footer)
// into text: links become their labels, special mentions their names, and
// &lt; &gt; &amp; the characters.
func plainSlack(s string) string {
	if !strings.Contains(s, "<") {
		return slackEntities.Replace(s)
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '<')
		end := -1
		if i >= 0 {
			end = strings.IndexAny(s[i+1:], "<>\n")
		}
		if i < 0 || end < 0 || s[i+1+end] != '>' {
			if i < 0 {
				b.WriteString(s)
				break
			}
			b.WriteString(s[:i+1])
			s = s[i+1:]
			continue
		}
		b.WriteString(s[:i])
		tok := s[i+1 : i+1+end]
		target, label, ok := strings.Cut(tok, "|")
		switch {
		case ok:
			b.WriteString(label)
		case target == "!channel" || target == "!here":
			b.WriteString("@" + target[1:])
		case target == "!everyone":
			b.WriteString("@all")
		case slackLinkURL(target) != "":
			b.WriteString(target)
		default:
			b.WriteString("<" + tok + ">")
		}
		s = s[i+1+end+1:]
	}
	return slackEntities.Replace(b.String())
}

// escapeMarkdown makes text show as written once rendered as Markdown.
func escapeMarkdown(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_[]<>#~|!&", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Block Kit is read generically (any JSON): a block of an unknown type, or
// with members of unexpected types, is skipped rather than refused.

func kitObject(v any) map[string]any { m, _ := v.(map[string]any); return m }

func kitArray(v any) []any { a, _ := v.([]any); return a }

func kitString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

// kitText renders a text object ({"type":"mrkdwn"|"plain_text","text"})
// or a bare string as Markdown.
func kitText(v any) string {
	if s, ok := v.(string); ok {
		return slackToMarkdown(s)
	}
	m := kitObject(v)
	text := kitString(m["text"])
	if kitString(m["type"]) == "plain_text" {
		return escapeMarkdown(text)
	}
	return slackToMarkdown(text)
}

// kitPlain is the text of a text object, without markup.
func kitPlain(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return kitString(kitObject(v)["text"])
}

// blocksMarkdown renders Block Kit blocks as Markdown: sections (text,
// fields, image accessories as links), headers, context, dividers, images
// (as links: remote images are never loaded), link buttons and rich text.
// Interactive elements (inputs, selects, plain buttons) have no meaning here
// and are left out.
func blocksMarkdown(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var blocks []any
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return "", invalidPayload("blocks", "blocks must be a list")
	}
	if len(blocks) > maxBlocks {
		return "", invalidPayload("blocks", fmt.Sprintf("at most %d blocks", maxBlocks))
	}
	var parts []string
	add := func(s string) {
		if strings.TrimSpace(s) != "" {
			parts = append(parts, s)
		}
	}
	for _, v := range blocks {
		b := kitObject(v)
		switch kitString(b["type"]) {
		case "section":
			add(kitText(b["text"]))
			for _, f := range kitArray(b["fields"]) {
				add(kitText(f))
			}
			add(elementLink(kitObject(b["accessory"])))
		case "header":
			if t := strings.Join(strings.Fields(kitPlain(b["text"])), " "); t != "" {
				add("### " + escapeMarkdown(t))
			}
		case "context":
			for _, e := range kitArray(b["elements"]) {
				if m := kitObject(e); m != nil && kitString(m["type"]) != "image" {
					add(kitText(m))
				}
			}
		case "divider":
			parts = append(parts, "---")
		case "image":
			label := kitPlain(b["title"])
			if label == "" {
				label = kitString(b["alt_text"])
			}
			add(imageLink(kitString(b["image_url"]), label))
		case "actions":
			for _, e := range kitArray(b["elements"]) {
				add(elementLink(kitObject(e)))
			}
		case "markdown":
			add(kitString(b["text"]))
		case "rich_text":
			add(richText(kitArray(b["elements"]), 0))
		}
	}
	return strings.Join(parts, "\n\n"), nil
}

// elementLink renders an image accessory or a link button as a link.
func elementLink(e map[string]any) string {
	switch kitString(e["type"]) {
	case "image":
		return imageLink(kitString(e["image_url"]), kitString(e["alt_text"]))
	case "button":
		if u := hookLinkURL(kitString(e["url"])); u != "" {
			label := kitPlain(e["text"])
			if label == "" {
				label = u
			}
			return "[" + escapeMarkdown(label) + "](<" + u + ">)"
		}
	}
	return ""
}

func imageLink(u, label string) string {
	if u = hookLinkURL(u); u == "" {
		return ""
	}
	if label = strings.Join(strings.Fields(label), " "); label == "" {
		label = path.Base(u)
	}
	return "[" + escapeMarkdown(label) + "](<" + u + ">)"
}

// richText renders rich_text elements: sections, lists, quotes and
// preformatted text, with their styled texts, links, emoji and mentions.
func richText(elems []any, depth int) string {
	if depth > 8 {
		return ""
	}
	var parts []string
	for _, v := range elems {
		e := kitObject(v)
		switch kitString(e["type"]) {
		case "rich_text_section":
			parts = append(parts, richInline(kitArray(e["elements"]), false))
		case "rich_text_preformatted":
			code := richInline(kitArray(e["elements"]), true)
			parts = append(parts, "```\n"+strings.ReplaceAll(code, "```", "` ` `")+"\n```")
		case "rich_text_quote":
			parts = append(parts, "> "+strings.ReplaceAll(richInline(kitArray(e["elements"]), false), "\n", "\n> "))
		case "rich_text_list":
			bullet := "- "
			if kitString(e["style"]) == "ordered" {
				bullet = "1. "
			}
			var items []string
			for _, item := range kitArray(e["elements"]) {
				items = append(items, bullet+richText([]any{item}, depth+1))
			}
			parts = append(parts, strings.Join(items, "\n"))
		}
	}
	return strings.Join(parts, "\n\n")
}

func richInline(elems []any, code bool) string {
	var b strings.Builder
	for _, v := range elems {
		e := kitObject(v)
		text := kitString(e["text"])
		switch kitString(e["type"]) {
		case "text":
			if code {
				b.WriteString(text)
				continue
			}
			style := kitObject(e["style"])
			t := escapeMarkdown(text)
			if style["code"] == true {
				t = "`" + strings.ReplaceAll(text, "`", "'") + "`"
			}
			if style["bold"] == true {
				t = "**" + t + "**"
			}
			if style["italic"] == true {
				t = "_" + t + "_"
			}
			if style["strike"] == true {
				t = "~~" + t + "~~"
			}
			b.WriteString(t)
		case "link":
			u := kitString(e["url"])
			if code {
				b.WriteString(u)
			} else if u = hookLinkURL(u); u != "" {
				if text == "" {
					text = u
				}
				b.WriteString("[" + escapeMarkdown(text) + "](<" + u + ">)")
			} else {
				b.WriteString(escapeMarkdown(text))
			}
		case "emoji":
			b.WriteString(":" + kitString(e["name"]) + ":")
		case "user":
			b.WriteString("@" + kitString(e["user_id"]))
		case "channel":
			b.WriteString("~" + kitString(e["channel_id"]))
		case "broadcast":
			switch r := kitString(e["range"]); r {
			case "channel", "here":
				b.WriteString("@" + r)
			case "everyone":
				b.WriteString("@all")
			}
		}
	}
	return b.String()
}

// integration reads a post's props: the HTML of its attachments (to follow
// the message's) and what it shows of the integration that made it. Props
// that are not an integration's give "", nil.
func integration(props string) (string, *Integration) {
	if props == "" || !strings.Contains(props, `"from_webhook"`) {
		return "", nil
	}
	var p hookProps
	if err := json.Unmarshal([]byte(props), &p); err != nil || !p.FromWebhook {
		return "", nil
	}
	return renderAttachments(p.Attachments), &Integration{FromWebhook: true, OverrideUsername: p.OverrideUsername,
		OverrideIconURL: p.OverrideIconURL, OverrideIconEmoji: p.OverrideIconEmoji}
}

// hookLink opens an <a> to an external http(s) URL.
func hookLink(b *strings.Builder, class, u string) {
	b.WriteString(`<a`)
	if class != "" {
		b.WriteString(` class="` + class + `"`)
	}
	b.WriteString(` href="` + html.EscapeString(u) + `" rel="noopener noreferrer nofollow" target="_blank">`)
}

// renderAttachments renders attachments as HTML without inline style (the
// CSP forbids it): the colour is a data-color attribute ("#rrggbb") for the
// stylesheet or script to use; images are links, never <img> (remote images
// are not loaded). Markdown parts go through markup.Render; everything else
// is escaped here.
func renderAttachments(atts []HookAttachment) string {
	if len(atts) == 0 {
		return ""
	}
	var b strings.Builder
	md := func(class string, s Loose) {
		if h := markup.Render(string(s), nil).HTML; h != "" {
			b.WriteString(`<div class="` + class + `">` + h + `</div>`)
		}
	}
	for _, a := range atts {
		b.WriteString(`<div class="attachment"`)
		if c := attachmentColor(string(a.Color)); c != "" {
			b.WriteString(` data-color="` + c + `"`)
		}
		b.WriteString(`>`)
		md("attachment-pretext", a.Pretext)
		b.WriteString(`<div class="attachment-body">`)
		if a.AuthorName != "" {
			b.WriteString(`<div class="attachment-author">`)
			if u := hookLinkURL(string(a.AuthorLink)); u != "" {
				hookLink(&b, "", u)
				b.WriteString(html.EscapeString(string(a.AuthorName)) + `</a>`)
			} else {
				b.WriteString(html.EscapeString(string(a.AuthorName)))
			}
			b.WriteString(`</div>`)
		}
		if a.Title != "" {
			b.WriteString(`<div class="attachment-title">`)
			if u := hookLinkURL(string(a.TitleLink)); u != "" {
				hookLink(&b, "", u)
				b.WriteString(html.EscapeString(string(a.Title)) + `</a>`)
			} else {
				b.WriteString(html.EscapeString(string(a.Title)))
			}
			b.WriteString(`</div>`)
		}
		md("attachment-text", a.Text)
		if len(a.Fields) > 0 {
			b.WriteString(`<dl class="attachment-fields">`)
			for _, f := range a.Fields {
				b.WriteString(`<div class="attachment-field`)
				if f.Short {
					b.WriteString(` short`)
				}
				b.WriteString(`">`)
				if f.Title != "" {
					b.WriteString(`<dt>` + html.EscapeString(string(f.Title)) + `</dt>`)
				}
				if v := markup.Render(string(f.Value), nil).HTML; v != "" {
					b.WriteString(`<dd>` + v + `</dd>`)
				}
				b.WriteString(`</div>`)
			}
			b.WriteString(`</dl>`)
		}
		for _, img := range []struct {
			class string
			url   Loose
		}{{"attachment-image", a.ImageURL}, {"attachment-thumb", a.ThumbURL}} {
			if u := hookLinkURL(string(img.url)); u != "" {
				b.WriteString(`<div class="` + img.class + `">`)
				hookLink(&b, "image-link", u)
				b.WriteString(html.EscapeString(path.Base(u)) + `</a></div>`)
			}
		}
		t, hasTime := attachmentTime(a.Ts)
		if a.Footer != "" || hasTime {
			b.WriteString(`<div class="attachment-footer">` + html.EscapeString(string(a.Footer)))
			if hasTime {
				if a.Footer != "" {
					b.WriteString(` · `)
				}
				b.WriteString(`<time datetime="` + t.Format(time.RFC3339) + `">` + t.Format("2006-01-02 15:04 UTC") + `</time>`)
			}
			b.WriteString(`</div>`)
		}
		b.WriteString(`</div></div>`)
	}
	return b.String()
}

// Hook management.

// IncomingHooks lists a channel's incoming webhooks (without their secrets).
func (s *Service) IncomingHooks(ctx context.Context, actor access.Actor, channelID int64) ([]model.IncomingHook, error) {
	c, _, err := s.channel(ctx, actor, channelID, access.HookChannel)
	if err != nil {
		return nil, err
	}
	return s.st.IncomingHooks(ctx, c.ID)
}

// CreateIncomingHook makes an incoming webhook posting into a channel as the
// actor. The secret (the last part of its URL) is returned once; only its
// hash is kept.
func (s *Service) CreateIncomingHook(ctx context.Context, actor access.Actor, channelID int64, name string) (model.IncomingHook, string, error) {
	c, _, err := s.channel(ctx, actor, channelID, access.HookChannel)
	if err != nil {
		return model.IncomingHook{}, "", err
	}
	if name, err = account.Text("name", name, 1, 64); err != nil {
		return model.IncomingHook{}, "", err
	}
	secret := auth.NewSecret()
	h, err := s.st.CreateIncomingHook(ctx, model.IncomingHook{ChannelID: c.ID, Name: name, TokenHash: auth.HashSecret(secret),
		CreatedBy: actor.UserID, CreatedAt: s.now()})
	if err != nil {
		return h, "", err
	}
	s.log.InfoContext(ctx, "incoming hook created", "hook_id", h.ID, "channel_id", c.ID, "user_id", actor.UserID)
	return h, secret, nil
}

// incomingHook loads an incoming webhook for a change by actor.
func (s *Service) incomingHook(ctx context.Context, actor access.Actor, id int64) (model.IncomingHook, error) {
	h, err := s.st.IncomingHook(ctx, id)
	if err != nil {
		return h, err
	}
	_, _, err = s.channel(ctx, actor, h.ChannelID, access.HookChannel)
	return h, err
}

// SetIncomingHookDisabled turns an incoming webhook off (its URL answers 404)
// or on again.
func (s *Service) SetIncomingHookDisabled(ctx context.Context, actor access.Actor, id int64, disabled bool) (model.IncomingHook, error) {
	h, err := s.incomingHook(ctx, actor, id)
	if err != nil {
		return h, err
	}
	if err := s.st.SetIncomingHookDisabled(ctx, h.ID, disabled); err != nil {
		return h, err
	}
	h.Disabled = disabled
	return h, nil
}

// DeleteIncomingHook deletes an incoming webhook; its URL stops working.
func (s *Service) DeleteIncomingHook(ctx context.Context, actor access.Actor, id int64) error {
	h, err := s.incomingHook(ctx, actor, id)
	if err != nil {
		return err
	}
	if err := s.st.DeleteIncomingHook(ctx, h.ID); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "incoming hook deleted", "hook_id", h.ID, "channel_id", h.ChannelID, "user_id", actor.UserID)
	return nil
}

var errNoHook = fmt.Errorf("chat: incoming hook: %w", model.ErrNotFound)

// Incoming posts a webhook payload through the hook whose secret is token:
// into the hook's channel, as the hook's creator, marked as coming from the
// integration. An unknown or disabled hook is model.ErrNotFound; a hook used
// too often gets a *model.RateLimitError.
//
// A payload's channel ("town-square" or "#town-square") moves the post to
// that channel of the same team when the creator may post there
// (Mattermost's rule); an unknown channel, one they may not post in, a direct
// message ("@login") or another tool's id is ignored: the post goes to the
// hook's own channel.
func (s *Service) Incoming(ctx context.Context, token string, p IncomingPayload) error {
	if token == "" || len(token) > 128 {
		return errNoHook
	}
	h, err := s.st.IncomingHookByHash(ctx, auth.HashSecret(token))
	if errors.Is(err, model.ErrNotFound) || (err == nil && h.Disabled) {
		return errNoHook
	}
	if err != nil {
		return err
	}
	key := hex.EncodeToString(h.TokenHash)
	if err := incomingThrottle.Allow(key); err != nil {
		return err
	}
	incomingThrottle.Fail(key)
	msg, props, err := p.message()
	if err != nil {
		return err
	}
	creator, err := s.st.User(ctx, h.CreatedBy)
	if err != nil {
		return err
	}
	actor := access.ActorOf(creator)
	if !actor.SignedIn() {
		return fmt.Errorf("chat: incoming hook %d: its creator is disabled: %w", h.ID, model.ErrForbidden)
	}
	channelID := s.hookTarget(ctx, actor, h.ChannelID, string(p.Channel))
	_, err = s.createPost(ctx, actor, channelID, NewPost{Message: msg}, props)
	return err
}

// hookTarget is the channel a payload asks for, when allowed, or the hook's.
func (s *Service) hookTarget(ctx context.Context, actor access.Actor, hookChannel int64, name string) int64 {
	name = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(name), "#"))
	if name == "" || !handleRE.MatchString(name) {
		return hookChannel
	}
	c, err := s.st.Channel(ctx, hookChannel)
	if err != nil || c.TeamID == 0 || c.Name == name {
		return hookChannel
	}
	target, err := s.st.TeamChannelByName(ctx, c.TeamID, name)
	if err != nil {
		return hookChannel
	}
	if _, _, err := s.channel(ctx, actor, target.ID, access.PostChannel); err != nil {
		return hookChannel
	}
	return target.ID
}

// NewOutgoingHook is what creating an outgoing webhook takes.
type NewOutgoingHook struct {
	Name         string   `json:"name"`
	TriggerWords []string `json:"trigger_words"`
	CallbackURL  string   `json:"callback_url"`
	ContentType  string   `json:"content_type"` // "form" (default, as Slack) or "json"
}

// OutgoingHooks lists a channel's outgoing webhooks.
func (s *Service) OutgoingHooks(ctx context.Context, actor access.Actor, channelID int64) ([]model.OutgoingHook, error) {
	c, _, err := s.channel(ctx, actor, channelID, access.HookChannel)
	if err != nil {
		return nil, err
	}
	return s.st.OutgoingHooks(ctx, c.ID)
}

// CreateOutgoingHook makes an outgoing webhook on a channel: posts whose
// first word is one of its trigger words are sent to its URL, and what the
// URL answers is posted back as a reply of the actor's, from the hook.
func (s *Service) CreateOutgoingHook(ctx context.Context, actor access.Actor, channelID int64, n NewOutgoingHook) (model.OutgoingHook, error) {
	c, _, err := s.channel(ctx, actor, channelID, access.HookChannel)
	if err != nil {
		return model.OutgoingHook{}, err
	}
	h := model.OutgoingHook{TeamID: c.TeamID, ChannelID: c.ID, CreatedBy: actor.UserID, CreatedAt: s.now(), Token: auth.NewSecret()}
	if h.Name, err = account.Text("name", n.Name, 1, 64); err != nil {
		return h, err
	}
	if h.TriggerWords, err = triggerWords(n.TriggerWords); err != nil {
		return h, err
	}
	if h.CallbackURL = hookLinkURL(n.CallbackURL); h.CallbackURL == "" {
		return h, &model.InvalidError{Field: "callback_url", Reason: "must be an http or https URL", Key: "err.url"}
	}
	switch strings.ToLower(strings.TrimSpace(n.ContentType)) {
	case "", model.HookForm, "application/x-www-form-urlencoded":
		h.ContentType = model.HookForm
	case model.HookJSON, "application/json":
		h.ContentType = model.HookJSON
	default:
		return h, &model.InvalidError{Field: "content_type", Reason: "must be form or json", Key: "err.body"}
	}
	if h, err = s.st.CreateOutgoingHook(ctx, h); err != nil {
		return h, err
	}
	s.log.InfoContext(ctx, "outgoing hook created", "hook_id", h.ID, "channel_id", c.ID, "user_id", actor.UserID)
	return h, nil
}

// triggerWords checks and deduplicates trigger words: 1 to 10 words without
// spaces, of at most 64 characters each.
func triggerWords(words []string) ([]string, error) {
	var out []string
	for _, w := range words {
		w = strings.TrimSpace(w)
		if w == "" {
			continue
		}
		if !utf8.ValidString(w) || utf8.RuneCountInString(w) > maxTriggerRunes ||
			strings.IndexFunc(w, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
			return nil, &model.InvalidError{Field: "trigger_words", Reason: fmt.Sprintf("a trigger word has 1 to %d characters and no spaces", maxTriggerRunes), Key: "err.body"}
		}
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	if len(out) == 0 || len(out) > maxHookTriggers {
		return nil, &model.InvalidError{Field: "trigger_words", Reason: fmt.Sprintf("give 1 to %d trigger words", maxHookTriggers), Key: "err.body"}
	}
	return out, nil
}

// outgoingHook loads an outgoing webhook of a channel for a change by actor.
func (s *Service) outgoingHook(ctx context.Context, actor access.Actor, channelID, id int64) (model.OutgoingHook, error) {
	h, err := s.st.OutgoingHook(ctx, id)
	if err != nil {
		return h, err
	}
	if h.ChannelID != channelID {
		return h, fmt.Errorf("chat: outgoing hook %d: %w", id, model.ErrNotFound)
	}
	_, _, err = s.channel(ctx, actor, h.ChannelID, access.HookChannel)
	return h, err
}

// SetOutgoingHookDisabled turns an outgoing webhook off or on again.
func (s *Service) SetOutgoingHookDisabled(ctx context.Context, actor access.Actor, channelID, id int64, disabled bool) (model.OutgoingHook, error) {
	h, err := s.outgoingHook(ctx, actor, channelID, id)
	if err != nil {
		return h, err
	}
	if err := s.st.SetOutgoingHookDisabled(ctx, h.ID, disabled); err != nil {
		return h, err
	}
	h.Disabled = disabled
	return h, nil
}

// DeleteOutgoingHook deletes an outgoing webhook.
func (s *Service) DeleteOutgoingHook(ctx context.Context, actor access.Actor, channelID, id int64) error {
	h, err := s.outgoingHook(ctx, actor, channelID, id)
	if err != nil {
		return err
	}
	if err := s.st.DeleteOutgoingHook(ctx, h.ID); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "outgoing hook deleted", "hook_id", h.ID, "channel_id", h.ChannelID, "user_id", actor.UserID)
	return nil
}

// postFromHook posts a payload (an outgoing webhook's answer) as a reply of
// the hook's creator in the thread of root.
func (s *Service) postFromHook(ctx context.Context, creatorID, channelID, rootID int64, p IncomingPayload) (PostView, error) {
	msg, props, err := p.message()
	if err != nil {
		return PostView{}, err
	}
	creator, err := s.st.User(ctx, creatorID)
	if err != nil {
		return PostView{}, err
	}
	return s.createPost(ctx, access.ActorOf(creator), channelID, NewPost{Message: msg, RootID: rootID}, props)
}
