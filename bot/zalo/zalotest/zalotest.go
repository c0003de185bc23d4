// Package zalotest is an in-process fake of the parts of Zalo's OA Open API
// and OAuth v4 that quizbot uses, for tests:
//
//	fake := zalotest.New(t)
//	access, refresh := fake.IssuePair()
//	c := zalo.New(zalo.Config{AppID: zalotest.AppID, AppSecret: zalotest.AppSecret,
//		APIURL: fake.URL(), OAuthURL: fake.URL(), TemplateURL: fake.URL()}, store)
//
// Token endpoint (POST /v4/oa/access_token): checks the secret_key header
// and app_id; a refresh token works once, then answers an error as Zalo
// does; an authorization code works once and only with the verifier whose
// S256 challenge it was issued for (Authorize). Message endpoints (POST
// /v3.0/oa/message/cs, /message/template): check the access_token header,
// the body's shape (unknown fields refused) and Zalo's limits, and answer
// every error with HTTP 200 and {"error":<code>}, as Zalo does: -216 for a
// token that is unknown or was replaced, -201 for a bad body. FailNext makes
// the next message call answer a given code. Sent records what was
// delivered. TextEvent, FollowEvent… build webhook bodies signed as Zalo
// signs them (Header).
//
// The error codes and texts of the token endpoint's refusals are shaped
// like Zalo's (error, error_name, error_description) but their numbers are
// not confirmed from Zalo's documents.
package zalotest

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"unicode/utf16"
)

// The fake's app.
const (
	AppID       = "4291763606161179100"
	AppSecret   = "fake-app-secret"
	OASecretKey = "fake-oa-secret-key"
	OAID        = "579745863508352884"
)

// Codes the token endpoint answers a refusal with (not confirmed).
const (
	ErrInvalidRefreshToken = -14014
	ErrInvalidCode         = -14019
	ErrInvalidSecret       = -14002
)

// Button is a button as sent.
type Button struct{ Title, Type, Payload string }

// Element is a request_user_info element as sent.
type Element struct{ Title, Subtitle, ImageURL string }

// Sent is one message Zalo accepted.
type Sent struct {
	Endpoint     string // "message/cs" or "message/template"
	MessageID    string
	UserID       string // message/cs
	Text         string
	Buttons      []Button
	TemplateType string // "request_user_info" for the form
	Elements     []Element
	Phone        string // message/template
	TemplateID   string
	TemplateData map[string]string
	TrackingID   string
}

// Fake is the fake Zalo.
type Fake struct {
	srv *httptest.Server

	mu        sync.Mutex
	seq       int
	refresh   map[string]bool   // refresh token → unspent
	access    map[string]bool   // access token → valid
	codes     map[string]string // authorization code → its challenge
	failNext  []int
	sent      []Sent
	refreshes int
	hold      chan struct{} // while non-nil, refreshes wait for it to close
	arrived   chan struct{} // one send per refresh request that arrived
	// ExpiresInNumber sends expires_in as a number instead of "90000".
	ExpiresInNumber bool
}

// New starts a fake, closed when the test ends.
func New(t testing.TB) *Fake {
	f := &Fake{refresh: map[string]bool{}, access: map[string]bool{}, codes: map[string]string{}, arrived: make(chan struct{}, 64)}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v4/oa/access_token", f.token)
	mux.HandleFunc("POST /v3.0/oa/message/cs", f.messageCS)
	mux.HandleFunc("POST /message/template", f.template)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// URL is the fake's address, for APIURL, OAuthURL and TemplateURL alike.
func (f *Fake) URL() string { return f.srv.URL }

func (f *Fake) next(prefix string) string {
	f.seq++
	return prefix + strconv.Itoa(f.seq)
}

// IssuePair makes a valid pair, as a first connection would.
func (f *Fake) IssuePair() (access, refresh string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	access, refresh = f.next("access-"), f.next("refresh-")
	f.access[access], f.refresh[refresh] = true, true
	return access, refresh
}

// Authorize makes an authorization code for the PKCE challenge, as Zalo
// does when the OA admin grants access on the permission page.
func (f *Fake) Authorize(challenge string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	code := f.next("code-")
	f.codes[code] = challenge
	return code
}

// RevokeAll makes every token void, as when the app's access is removed
// from the OA.
func (f *Fake) RevokeAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.refresh)
	clear(f.access)
}

// ExpireAccess makes an access token void before its time.
func (f *Fake) ExpireAccess(access string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.access, access)
}

// FailNext makes the next message call answer code (over HTTP 200), once
// per call of FailNext.
func (f *Fake) FailNext(code int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failNext = append(f.failNext, code)
}

// Refreshes is how many refresh tokens were spent.
func (f *Fake) Refreshes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refreshes
}

// Valid reports whether access is an access token the fake accepts.
func (f *Fake) Valid(access string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.access[access]
}

// Sent is every message accepted, in order.
func (f *Fake) Sent() []Sent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Sent(nil), f.sent...)
}

// HoldRefreshes makes refresh requests wait until release is called;
// Arrived signals each one as it comes in.
func (f *Fake) HoldRefreshes() (release func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := make(chan struct{})
	f.hold = ch
	var once sync.Once
	return func() {
		once.Do(func() {
			f.mu.Lock()
			f.hold = nil
			f.mu.Unlock()
			close(ch)
		})
	}
}

// Arrived receives once per refresh request that reached the fake.
func (f *Fake) Arrived() <-chan struct{} { return f.arrived }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func tokenError(w http.ResponseWriter, code int, name, desc string) {
	writeJSON(w, http.StatusOK, map[string]any{"error": code, "error_name": name, "error_description": desc})
}

func (f *Fake) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		tokenError(w, -14001, "Invalid request", err.Error())
		return
	}
	if r.Header.Get("secret_key") != AppSecret {
		tokenError(w, ErrInvalidSecret, "Invalid secret key", "secret_key header is missing or wrong")
		return
	}
	if r.PostForm.Get("app_id") != AppID {
		tokenError(w, -14001, "Invalid app id", "app_id is missing or wrong")
		return
	}
	switch r.PostForm.Get("grant_type") {
	case "refresh_token":
		f.mu.Lock()
		hold := f.hold
		f.mu.Unlock()
		select {
		case f.arrived <- struct{}{}:
		default:
		}
		if hold != nil {
			<-hold
		}
		f.mu.Lock()
		rt := r.PostForm.Get("refresh_token")
		if !f.refresh[rt] {
			f.mu.Unlock()
			tokenError(w, ErrInvalidRefreshToken, "Invalid refresh token", "Refresh token is invalid, expired or already used")
			return
		}
		delete(f.refresh, rt)
		f.refreshes++
		f.mu.Unlock()
	case "authorization_code":
		f.mu.Lock()
		code := r.PostForm.Get("code")
		challenge, ok := f.codes[code]
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if !ok || base64.RawURLEncoding.EncodeToString(sum[:]) != challenge {
			f.mu.Unlock()
			tokenError(w, ErrInvalidCode, "Invalid authorization code", "The code is invalid, used, or does not match the code_verifier")
			return
		}
		delete(f.codes, code)
		f.mu.Unlock()
	default:
		tokenError(w, -14001, "Invalid grant type", "grant_type must be refresh_token or authorization_code")
		return
	}
	access, refresh := f.IssuePair()
	var expires any = "90000"
	if f.ExpiresInNumber {
		expires = 90000
	}
	writeJSON(w, http.StatusOK, map[string]any{"access_token": access, "refresh_token": refresh, "expires_in": expires})
}

func apiError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, http.StatusOK, map[string]any{"error": code, "message": msg})
}

// check answers the error every message call shares (the token, an
// injected failure) and reports whether it did.
func (f *Fake) check(w http.ResponseWriter, r *http.Request) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.access[r.Header.Get("access_token")] {
		apiError(w, -216, "Access token is invalid")
		return true
	}
	if len(f.failNext) > 0 {
		code := f.failNext[0]
		f.failNext = f.failNext[1:]
		apiError(w, code, "injected by the test")
		return true
	}
	return false
}

func decodeStrict(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func units(s string) int { return len(utf16.Encode([]rune(s))) }

func (f *Fake) messageCS(w http.ResponseWriter, r *http.Request) {
	if f.check(w, r) {
		return
	}
	var b struct {
		Recipient struct {
			UserID string `json:"user_id"`
		} `json:"recipient"`
		Message struct {
			Text       string `json:"text"`
			Attachment *struct {
				Type    string `json:"type"`
				Payload struct {
					TemplateType string `json:"template_type"`
					Buttons      []struct {
						Title   string `json:"title"`
						Type    string `json:"type"`
						Payload string `json:"payload"`
					} `json:"buttons"`
					Elements []struct {
						Title    string `json:"title"`
						Subtitle string `json:"subtitle"`
						ImageURL string `json:"image_url"`
					} `json:"elements"`
				} `json:"payload"`
			} `json:"attachment"`
		} `json:"message"`
	}
	if err := decodeStrict(r, &b); err != nil {
		apiError(w, -201, "Parameters are invalid: "+err.Error())
		return
	}
	s := Sent{Endpoint: "message/cs", UserID: b.Recipient.UserID, Text: b.Message.Text}
	bad := func(msg string) { apiError(w, -201, "Parameters are invalid: "+msg) }
	switch {
	case s.UserID == "":
		bad("recipient.user_id is required")
		return
	case units(s.Text) > 2000:
		bad("text is longer than 2000 characters")
		return
	case s.Text == "" && b.Message.Attachment == nil:
		bad("message has neither text nor attachment")
		return
	}
	if a := b.Message.Attachment; a != nil {
		if a.Type != "template" {
			bad("attachment.type must be template")
			return
		}
		s.TemplateType = a.Payload.TemplateType
		switch a.Payload.TemplateType {
		case "":
			if len(a.Payload.Buttons) == 0 || len(a.Payload.Buttons) > 5 {
				bad("a template needs 1 to 5 buttons")
				return
			}
			for _, btn := range a.Payload.Buttons {
				if btn.Title == "" || units(btn.Title) > 100 || btn.Payload == "" || units(btn.Payload) > 1000 {
					bad("button title 1-100, payload 1-1000 characters")
					return
				}
				if btn.Type != "oa.query.hide" && btn.Type != "oa.query.show" {
					bad("unknown button type " + btn.Type)
					return
				}
				s.Buttons = append(s.Buttons, Button{btn.Title, btn.Type, btn.Payload})
			}
		case "request_user_info":
			if len(a.Payload.Elements) != 1 {
				bad("request_user_info needs exactly one element")
				return
			}
			e := a.Payload.Elements[0]
			if e.Title == "" || e.Subtitle == "" || e.ImageURL == "" {
				bad("request_user_info's element needs title, subtitle and image_url")
				return
			}
			s.Elements = []Element{{e.Title, e.Subtitle, e.ImageURL}}
		default:
			bad("unknown template_type " + a.Payload.TemplateType)
			return
		}
	}
	f.record(w, s, "message_id")
}

var phoneRe = regexp.MustCompile(`^84[0-9]{9}$`)

func (f *Fake) template(w http.ResponseWriter, r *http.Request) {
	if f.check(w, r) {
		return
	}
	var b struct {
		Phone        string            `json:"phone"`
		TemplateID   string            `json:"template_id"`
		TemplateData map[string]string `json:"template_data"`
		TrackingID   string            `json:"tracking_id"`
	}
	if err := decodeStrict(r, &b); err != nil {
		apiError(w, -201, "Parameters are invalid: "+err.Error())
		return
	}
	if !phoneRe.MatchString(b.Phone) || b.TemplateID == "" || b.TemplateData == nil {
		apiError(w, -201, "Parameters are invalid: phone 84…, template_id and template_data are required")
		return
	}
	f.record(w, Sent{Endpoint: "message/template", Phone: b.Phone, TemplateID: b.TemplateID, TemplateData: b.TemplateData, TrackingID: b.TrackingID}, "msg_id")
}

func (f *Fake) record(w http.ResponseWriter, s Sent, idField string) {
	f.mu.Lock()
	s.MessageID = f.next("msg-")
	f.sent = append(f.sent, s)
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"error": 0, "message": "Success", "data": map[string]any{idField: s.MessageID}})
}

// Header is the X-ZEvent-Signature Zalo sends with body: "mac=" and the
// hex sha256 of app id, body, the event's timestamp and the OA secret key.
// It is computed here on its own, not with package zalo's code.
func Header(body []byte) string {
	var ev struct {
		Timestamp string `json:"timestamp"`
	}
	json.Unmarshal(body, &ev)
	sum := sha256.Sum256(bytes.Join([][]byte{[]byte(AppID), body, []byte(ev.Timestamp), []byte(OASecretKey)}, nil))
	return "mac=" + hex.EncodeToString(sum[:])
}

func (f *Fake) event(name string, fields map[string]any) []byte {
	f.mu.Lock()
	f.seq++
	ts := strconv.FormatInt(1764990000000+int64(f.seq), 10)
	f.mu.Unlock()
	m := map[string]any{"app_id": AppID, "event_name": name, "timestamp": ts}
	for k, v := range fields {
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

// TextEvent is a user_send_text event from userID: what they typed, or a
// tapped button's payload.
func (f *Fake) TextEvent(userID, text string) []byte {
	f.mu.Lock()
	id := f.next("m")
	f.mu.Unlock()
	return f.event("user_send_text", map[string]any{
		"sender": map[string]any{"id": userID}, "recipient": map[string]any{"id": OAID},
		"message": map[string]any{"msg_id": id, "text": text}, "user_id_by_app": "app-" + userID,
	})
}

// FileEvent is a user_send_file event from userID: a file Zalo hands over
// as a download URL (size as Zalo writes it, a string of bytes).
func (f *Fake) FileEvent(userID, url, name string, size int) []byte {
	f.mu.Lock()
	id := f.next("m")
	f.mu.Unlock()
	return f.event("user_send_file", map[string]any{
		"sender": map[string]any{"id": userID}, "recipient": map[string]any{"id": OAID},
		"message": map[string]any{"msg_id": id, "attachments": []any{map[string]any{"type": "file",
			"payload": map[string]any{"url": url, "name": name, "size": strconv.Itoa(size), "checksum": "x", "type": "mp4"}}}},
		"user_id_by_app": "app-" + userID,
	})
}

// FollowEvent is a follow event.
func (f *Fake) FollowEvent(userID string) []byte {
	return f.event("follow", map[string]any{"oa_id": OAID, "source": "oa_profile",
		"follower": map[string]any{"id": userID}, "user_id_by_app": "app-" + userID})
}

// UnfollowEvent is an unfollow event.
func (f *Fake) UnfollowEvent(userID string) []byte {
	return f.event("unfollow", map[string]any{"oa_id": OAID, "source": "oa_profile",
		"follower": map[string]any{"id": userID}, "user_id_by_app": "app-" + userID})
}

// SubmitInfoEvent is the answer to the request_user_info form.
func (f *Fake) SubmitInfoEvent(userID, name, phone string) []byte {
	return f.event("user_submit_info", map[string]any{
		"sender": map[string]any{"id": userID}, "recipient": map[string]any{"id": OAID},
		"info":           map[string]any{"name": name, "phone": phone, "address": "", "city": "", "district": ""},
		"user_id_by_app": "app-" + userID,
	})
}

// Post sends a signed event to a webhook, as Zalo does.
func Post(t testing.TB, url string, body []byte) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-ZEvent-Signature", Header(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("post zalo event: %v", err)
	}
	return resp
}
