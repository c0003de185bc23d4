// Package webchat is the local web chat at /chat: a page where a newcomer
// tries quizbot, or an organizer previews a round, as a sample member of the
// roster, without a Telegram token. It drives the same conversation
// (bot/chat) as Telegram, so the flow, texts, buttons and rules are the same;
// only the transport differs: the page posts what the person does and
// long-polls for what the bot says.
//
// Everything here is kept in memory by the replica that serves the page
// (conversations, browser sessions, button toasts), bounded and forgotten
// after hours idle. It is meant for a local trial on one process, not for a
// fleet behind a load balancer. It is also not authenticated: whoever
// reaches /chat can act as any active roster member, and the attempts taken
// count in the real round. So serve gives it a listener of its own, on
// loopback only (WEBCHAT_ADDR), never the public LISTEN_ADDR.
package webchat

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"quizbot/bot/chat"
	"quizbot/quiz"
	"quizbot/report"
)

// HTTP limits.
const (
	maxBody     = 16 << 10 // an event is a few hundred bytes
	maxText     = chat.MaxText
	maxData     = 64 // callback data, as Telegram
	pollWait    = 25 * time.Second
	handleLimit = 30 * time.Second
	sampleLimit = 100
	maxQuery    = 100 // characters of a member search
	cookieName  = "quizbot_webchat"
)

//go:embed page.html
var pageFS embed.FS

// Members is what the web chat reads of the roster; storage.DB has it.
type Members interface {
	SampleMembers(ctx context.Context, limit int) ([]quiz.Member, error)
	// SearchMembers finds active members by every word of query, in their
	// name, position or unit, ignoring case and diacritics.
	SearchMembers(ctx context.Context, query string, limit int) ([]quiz.Member, error)
	MemberByID(ctx context.Context, id int64) (quiz.Member, error)
}

// WebChat is the web side of the bot: a chat.Messenger for quiz.PlatformWeb
// and the HTTP handlers of /chat.
type WebChat struct {
	conv    *chat.Bot
	members Members
	log     *slog.Logger
	now     func() time.Time
	page    []byte

	mu        sync.Mutex
	chats     map[string]*conversation
	sessions  map[string]*session
	toasts    map[string]string // pending callbacks' toasts, by callback id
	lastPrune time.Time
	callbacks atomic.Int64
	// keys names this process's events for chat.Delivery: a random prefix
	// and a count, unique across replicas and restarts (the page never
	// delivers an event twice).
	keyPrefix string
	events    atomic.Int64

	onWait func() // tests: a poll has started waiting
}

// session is one browser's choice of sample member, behind a cookie.
type session struct {
	member   quiz.Member // with the phone: never sent to the browser nor logged
	userID   string      // the platform user id, also the chat id
	lastSeen time.Time
}

// New returns the web chat and attaches it to the conversation for
// quiz.PlatformWeb.
func New(conv *chat.Bot, members Members, log *slog.Logger) *WebChat {
	page, err := pageFS.ReadFile("page.html")
	if err != nil {
		panic(fmt.Sprintf("webchat: embedded page: %v", err)) // cannot happen: embedded at build
	}
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	w := &WebChat{
		conv: conv, members: members, log: log, now: time.Now, page: page,
		chats: make(map[string]*conversation), sessions: make(map[string]*session),
		toasts: make(map[string]string), keyPrefix: "web:" + hex.EncodeToString(rnd[:]) + ":",
	}
	conv.Attach(quiz.PlatformWeb, w)
	return w
}

// Routes registers the page and its JSON API.
func (w *WebChat) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /chat", w.handlePage)
	mux.HandleFunc("GET /chat/{$}", func(rw http.ResponseWriter, r *http.Request) {
		http.Redirect(rw, r, "/chat", http.StatusMovedPermanently)
	})
	mux.HandleFunc("GET /chat/api/members", w.handleMembers)
	mux.HandleFunc("GET /chat/api/session", w.handleGetSession)
	mux.HandleFunc("POST /chat/api/session", w.handlePostSession)
	mux.HandleFunc("POST /chat/api/event", w.handleEvent)
	mux.HandleFunc("GET /chat/api/messages", w.handleMessages)
	mux.HandleFunc("GET /chat/api/document", w.handleDocument)
}

// userIDOf is the web account of a member. It is stable, not random per
// browser session: web identities are linked through the normal Verify path
// (identities table, platform 'web'), which refuses a second account for a
// member, so a fresh random id would make a member previewable only once.
func userIDOf(memberID int64) string { return "web-" + strconv.FormatInt(memberID, 10) }

func (w *WebChat) handlePage(rw http.ResponseWriter, r *http.Request) {
	h := rw.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// Everything is inline and same-origin; nothing else may load.
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-cache")
	rw.Write(w.page)
}

// memberJSON is a member as the page shows it: no phone.
type memberJSON struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Position string `json:"position"`
	Unit     string `json:"unit"`
	Role     string `json:"role"` // in Vietnamese, as the page shows it
}

func toJSON(m quiz.Member) memberJSON {
	return memberJSON{ID: m.ID, Name: m.FullName, Position: m.Position, Unit: m.UnitName, Role: roleLabel(m.Role)}
}

// roleLabel names a role as the roster's readers do: what the person can
// do in the chat depends on it (heads record absences, organizers see the
// figures).
func roleLabel(r quiz.Role) string {
	switch r {
	case quiz.RoleHead:
		return "Lãnh đạo đơn vị"
	case quiz.RoleOrganizer:
		return "Ban Tổ chức"
	}
	return "Thành viên"
}

// handleMembers lists the first sample members, or with ?q= those found by
// every word of q, diacritics or not; "more" says the list was cut at
// sampleLimit.
func (w *WebChat) handleMembers(rw http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if !utf8.ValidString(q) || utf8.RuneCountInString(q) > maxQuery {
		writeError(rw, http.StatusBadRequest, fmt.Sprintf("Từ khóa tìm kiếm tối đa %d ký tự.", maxQuery))
		return
	}
	var ms []quiz.Member
	var err error
	if q == "" {
		ms, err = w.members.SampleMembers(r.Context(), sampleLimit+1)
	} else {
		ms, err = w.members.SearchMembers(r.Context(), q, sampleLimit+1)
	}
	if err != nil {
		w.internal(rw, "list sample members", err)
		return
	}
	more := len(ms) > sampleLimit
	ms = ms[:min(len(ms), sampleLimit)]
	// The database's order is byte order (Đ after Z); people look for a name
	// in the Vietnamese order, unit by unit.
	slices.SortStableFunc(ms, func(a, b quiz.Member) int {
		return cmp.Or(report.CompareNames(a.UnitName, b.UnitName), report.CompareNames(a.FullName, b.FullName))
	})
	out := make([]memberJSON, 0, len(ms))
	for _, m := range ms {
		out = append(out, toJSON(m))
	}
	writeJSON(rw, http.StatusOK, map[string]any{"members": out, "more": more})
}

func (w *WebChat) handleGetSession(rw http.ResponseWriter, r *http.Request) {
	s, ok := w.session(r)
	if !ok {
		writeError(rw, http.StatusUnauthorized, "Chưa chọn cán bộ dùng thử.")
		return
	}
	writeJSON(rw, http.StatusOK, map[string]any{"member": toJSON(s.member)})
}

// handlePostSession picks a sample member: {"member_id": N}. It starts a
// browser session bound to that member's web account; the page then sends
// /start itself.
func (w *WebChat) handlePostSession(rw http.ResponseWriter, r *http.Request) {
	var req struct {
		MemberID int64 `json:"member_id"`
	}
	if !decode(rw, r, &req) {
		return
	}
	if req.MemberID <= 0 {
		writeError(rw, http.StatusBadRequest, "member_id must be a positive member id")
		return
	}
	m, err := w.members.MemberByID(r.Context(), req.MemberID)
	switch {
	case quiz.ErrorCode(err) == quiz.ENOTFOUND || (err == nil && !m.Active):
		writeError(rw, http.StatusNotFound, "Không tìm thấy cán bộ này trong danh sách dự thi.")
		return
	case err != nil:
		w.internal(rw, "pick sample member", err)
		return
	}
	tok, err := newToken()
	if err != nil {
		w.internal(rw, "new web chat session", err)
		return
	}
	w.mu.Lock()
	w.pruneLocked()
	if c, err := r.Cookie(cookieName); err == nil {
		delete(w.sessions, c.Value) // switching member: the old session ends
	}
	w.sessions[tok] = &session{member: m, userID: userIDOf(m.ID), lastSeen: w.now()}
	w.mu.Unlock()
	http.SetCookie(rw, &http.Cookie{
		Name: cookieName, Value: tok, Path: "/chat",
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
		MaxAge: int(idleTTL / time.Second),
	})
	w.log.Info("web chat session started", "member", m.ID, "phone", quiz.MaskPhone(m.Phone))
	writeJSON(rw, http.StatusOK, map[string]any{"member": toJSON(m)})
}

func newToken() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random session token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// session returns the browser's session, refreshing its idle timer.
func (w *WebChat) session(r *http.Request) (session, bool) {
	c, err := r.Cookie(cookieName)
	if err != nil {
		return session{}, false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	s, ok := w.sessions[c.Value]
	if !ok {
		return session{}, false
	}
	s.lastSeen = w.now()
	return *s, true
}

// EventRequest is what the page posts to /chat/api/event.
type EventRequest struct {
	Kind      string `json:"kind"`       // text, command, contact or callback
	Text      string `json:"text"`       // text and command ("/thi")
	Data      string `json:"data"`       // callback: the button's data
	MessageID int64  `json:"message_id"` // callback: the message carrying the button
}

// handleEvent turns what the person did into a chat event and runs it
// through the conversation; the bot's replies are stored by the time it
// answers. The answer carries the toast of a button tap, if any.
func (w *WebChat) handleEvent(rw http.ResponseWriter, r *http.Request) {
	s, ok := w.session(r)
	if !ok {
		writeError(rw, http.StatusUnauthorized, "Chưa chọn cán bộ dùng thử: tải lại trang và chọn một người.")
		return
	}
	var req EventRequest
	if !decode(rw, r, &req) {
		return
	}
	ev := chat.Event{
		Platform: quiz.PlatformWeb, UserID: s.userID, ChatID: s.userID,
		Private: true, Name: s.member.FullName,
	}
	var user string // what the person's own bubble shows
	switch req.Kind {
	case "text", "command":
		text := strings.TrimSpace(req.Text)
		if msg := checkText(text); msg != "" {
			writeError(rw, http.StatusBadRequest, msg)
			return
		}
		user = text
		if strings.HasPrefix(text, "/") {
			ev.Kind = chat.KindCommand
			ev.Command, ev.Args = chat.ParseCommand(text)
			if ev.Command == "" {
				writeError(rw, http.StatusBadRequest, "command must be a slash and a word, e.g. /start")
				return
			}
		} else if req.Kind == "command" {
			writeError(rw, http.StatusBadRequest, "command must start with a slash, e.g. /start")
			return
		} else {
			ev.Kind, ev.Text = chat.KindText, text
		}
	case "contact":
		// The button shares the picked member's own number, as Telegram's
		// request_contact button shares the account's own.
		ev.Kind = chat.KindContact
		ev.Contact = &chat.Contact{Phone: s.member.Phone, UserID: s.userID}
		user = "📱 Đã chia sẻ số điện thoại " + quiz.MaskPhone(s.member.Phone)
	case "callback":
		if req.Data == "" || len(req.Data) > maxData || req.MessageID <= 0 {
			writeError(rw, http.StatusBadRequest, "callback needs data (1-64 bytes) and the message_id of the message with the button")
			return
		}
		ev.Kind = chat.KindCallback
		ev.Callback = &chat.Callback{
			ID:        "wcb-" + strconv.FormatInt(w.callbacks.Add(1), 10),
			Data:      req.Data,
			MessageID: strconv.FormatInt(req.MessageID, 10),
		}
	default:
		writeError(rw, http.StatusBadRequest, fmt.Sprintf("unknown kind %q: use text, command, contact or callback", req.Kind))
		return
	}

	c := w.chat(s.userID)
	c.handling.Lock()
	defer c.handling.Unlock()
	w.mu.Lock()
	switch ev.Kind {
	case chat.KindCallback:
		m := c.find(req.MessageID)
		if m == nil || !m.data[req.Data] {
			w.mu.Unlock()
			writeError(rw, http.StatusBadRequest, "no such button in this chat")
			return
		}
		w.toasts[ev.Callback.ID] = ""
	case chat.KindContact:
		if c.keyboard.Contact != "" {
			c.keyboard = Keyboard{} // a one-time keyboard, as in Telegram
		}
		c.add(&Message{From: "user", Text: user}, w.now())
	default:
		c.add(&Message{From: "user", Text: user}, w.now())
	}
	w.mu.Unlock()

	// A closed tab must not cut an event off halfway through its writes.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), handleLimit)
	defer cancel()
	if ev.Kind == chat.KindCallback {
		// Deferred so that even a panicking handler leaves no toast behind.
		defer func() {
			w.mu.Lock()
			delete(w.toasts, ev.Callback.ID)
			w.mu.Unlock()
		}()
	}
	// The same pipeline as every platform's (rate, memo, panics); the
	// conversation logs what failed.
	// The key is new on every request: nothing is ever delivered again
	// under it, so its mark need not outlive the request by much.
	key := w.keyPrefix + strconv.FormatInt(w.events.Add(1), 10)
	out := w.conv.Receive(ctx, chat.Delivery{Key: key, Event: ev, Keep: time.Minute})
	var note string
	if ev.Kind == chat.KindCallback {
		w.mu.Lock()
		note = w.toasts[ev.Callback.ID]
		w.mu.Unlock()
	}
	switch out {
	case chat.Handled:
	case chat.Busy: // the store did not answer: nothing was done
		writeError(rw, http.StatusServiceUnavailable, textBusy)
		return
	default:
		writeError(rw, http.StatusInternalServerError, textBusy)
		return
	}
	writeJSON(rw, http.StatusOK, map[string]any{"toast": note})
}

// checkText returns what is wrong with a typed text, or "".
func checkText(text string) string {
	switch {
	case text == "":
		return "text is empty"
	case !utf8.ValidString(text):
		return "text is not valid UTF-8"
	case utf8.RuneCountInString(text) > maxText:
		return fmt.Sprintf("text is longer than %d characters", maxText)
	}
	return ""
}

// Poll is the answer of /chat/api/messages.
type Poll struct {
	Version  int64     `json:"version"`
	Reset    bool      `json:"reset,omitempty"` // the page must drop what it shows first
	Messages []Message `json:"messages"`
	Keyboard Keyboard  `json:"keyboard"`
}

// handleMessages long-polls: GET /chat/api/messages?after=V[&wait=S] answers
// with the messages new or edited since version V as soon as there are some,
// or empty after S seconds (25 at most, the default).
func (w *WebChat) handleMessages(rw http.ResponseWriter, r *http.Request) {
	s, ok := w.session(r)
	if !ok {
		writeError(rw, http.StatusUnauthorized, "Chưa chọn cán bộ dùng thử: tải lại trang và chọn một người.")
		return
	}
	q := r.URL.Query()
	after, err := strconv.ParseInt(q.Get("after"), 10, 64)
	if q.Get("after") == "" {
		after, err = 0, nil
	}
	if err != nil || after < 0 {
		writeError(rw, http.StatusBadRequest, "after must be a non-negative version number")
		return
	}
	wait := pollWait
	if v := q.Get("wait"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || time.Duration(n)*time.Second > pollWait {
			writeError(rw, http.StatusBadRequest, fmt.Sprintf("wait must be 0 to %d seconds", int(pollWait/time.Second)))
			return
		}
		wait = time.Duration(n) * time.Second
	}
	c := w.chat(s.userID)
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		w.mu.Lock()
		if c.version != after || wait == 0 {
			p := Poll{Version: c.version, Keyboard: c.keyboard}
			if after > c.version {
				// The page knows a later version than this chat has: the
				// process restarted or the chat was forgotten.
				p.Reset, after = true, 0
			}
			p.Messages = c.since(after)
			w.mu.Unlock()
			writeJSON(rw, http.StatusOK, p)
			return
		}
		changed := c.changed
		w.mu.Unlock()
		if w.onWait != nil {
			w.onWait()
		}
		select {
		case <-changed:
		case <-timer.C:
			wait = 0
		case <-r.Context().Done():
			return
		}
	}
}

// handleDocument downloads the file of a message: ?id=N.
func (w *WebChat) handleDocument(rw http.ResponseWriter, r *http.Request) {
	s, ok := w.session(r)
	if !ok {
		writeError(rw, http.StatusUnauthorized, "Chưa chọn cán bộ dùng thử.")
		return
	}
	id, err := strconv.ParseInt(r.URL.Query().Get("id"), 10, 64)
	if err != nil || id <= 0 {
		writeError(rw, http.StatusBadRequest, "id must be a message id")
		return
	}
	w.mu.Lock()
	var name string
	var data []byte
	if c, ok := w.chats[s.userID]; ok {
		if m := c.find(id); m != nil && m.Document != nil {
			name, data = m.Document.Name, m.doc
		}
	}
	w.mu.Unlock()
	if name == "" {
		writeError(rw, http.StatusNotFound, "no document in that message")
		return
	}
	rw.Header().Set("Content-Type", "application/octet-stream")
	rw.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	rw.Header().Set("X-Content-Type-Options", "nosniff")
	rw.Write(data)
}

// decode reads a small JSON object body strictly; on failure it has
// answered 400 (or 415) with what is wrong.
func decode(rw http.ResponseWriter, r *http.Request, v any) bool {
	// Requiring JSON also keeps cross-site forms out: they cannot send it
	// without a CORS preflight, which this server never grants.
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeError(rw, http.StatusUnsupportedMediaType, "Content-Type must be application/json")
		return false
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		writeError(rw, http.StatusBadRequest, "cannot read the request body")
		return false
	}
	if len(body) > maxBody {
		writeError(rw, http.StatusBadRequest, fmt.Sprintf("request body is larger than %d bytes", maxBody))
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(rw, http.StatusBadRequest, "bad JSON: "+err.Error())
		return false
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		writeError(rw, http.StatusBadRequest, "bad JSON: one object expected")
		return false
	}
	return true
}

func (w *WebChat) internal(rw http.ResponseWriter, what string, err error) {
	w.log.Error(what, "err", err)
	writeError(rw, http.StatusInternalServerError, textBusy)
}

const textBusy = "Hệ thống đang bận, anh/chị vui lòng thử lại sau giây lát."

func writeError(rw http.ResponseWriter, status int, msg string) {
	writeJSON(rw, status, map[string]string{"error": msg})
}

func writeJSON(rw http.ResponseWriter, status int, v any) {
	rw.Header().Set("Content-Type", "application/json; charset=utf-8")
	rw.Header().Set("Cache-Control", "no-store")
	rw.WriteHeader(status)
	json.NewEncoder(rw).Encode(v)
}
