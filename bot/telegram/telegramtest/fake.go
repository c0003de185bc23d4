package telegramtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"
)

// DefaultToken is the bot token a Fake accepts. The part before the colon
// is the bot's user id, as in real tokens.
const DefaultToken = "7000000001:AAFakeTokenForQuizbotTests-telegramtest"

// botUsername is the bot's username (getMe, "/cmd@username").
const botUsername = "quizbot_test_bot"

// DefaultWaitTimeout bounds the Wait helpers: generous, because a failing
// test should fail, not hang, and a slow CI machine should not flake.
const DefaultWaitTimeout = 15 * time.Second

// File is a file uploaded in a multipart request.
type File struct {
	Field       string // form field it came in, e.g. "document"
	Name        string // file name given by the client
	ContentType string
	Data        []byte
	FileID      string // the file_id the fake answered with, if it stored it
	Path        string // the file_path getFile answers (files.go)
}

// Call is one request the fake received.
type Call struct {
	Seq    int    // 1-based order of arrival (of completion, for long polls)
	Method string // as spelt in the spec (e.g. "sendMessage"), or as requested if unknown
	// Params holds every non-file parameter as the string the client sent:
	// numbers and booleans as text, arrays and objects as JSON (see Decode).
	Params map[string]string
	Files  map[string]File
	Time   time.Time // when the request arrived, from the fake's clock
	ChatID int64     // chat_id (or the chat of answerCallbackQuery's query), 0 if none

	Status      int             // HTTP status answered; 0 if the connection was dropped
	Description string          // error description, if Status is not 200
	RetryAfter  int             // parameters.retry_after of a 429
	Result      json.RawMessage // result of a successful call
	Dropped     bool            // the connection was closed instead of answering

	// Scratch space of the request, dropped before the call is recorded.
	memo   jsonMemo
	markup *markup // reply_markup, parsed by checkLimits
}

// OK reports whether the call was answered with {"ok":true}.
func (c Call) OK() bool { return c.Status == http.StatusOK }

// Param returns a parameter as sent ("" if absent).
func (c Call) Param(name string) string { return c.Params[name] }

// Int returns an integer parameter (0 if absent or not a number).
func (c Call) Int(name string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(c.Params[name]), 10, 64)
	return n
}

// Decode unmarshals a JSON-valued parameter (reply_markup, commands…).
func (c Call) Decode(name string, v any) error {
	raw, ok := c.Params[name]
	if !ok {
		return fmt.Errorf("telegramtest: %s has no parameter %q", c.Method, name)
	}
	return json.Unmarshal([]byte(raw), v)
}

// Reply is an answer the test imposes on a call, through OnCall or the Fail
// helpers.
type Reply struct {
	// Status is the HTTP status and error_code; 0 or 200 answer
	// {"ok":true,"result":Result} (Result nil meaning true).
	Status      int
	Description string // e.g. "Too Many Requests: retry after 5"
	RetryAfter  int    // parameters.retry_after, for 429
	Result      any
	// Drop closes the connection without an answer, as a network failure.
	Drop bool
	// AfterProcessing applies the call first (the message is sent, the
	// query answered) and only then answers with this reply: the client sees
	// a failure for something that took effect, as when a response is lost.
	AfterProcessing bool
}

// TooManyRequests is the 429 answer with parameters.retry_after.
func TooManyRequests(retryAfter int) *Reply {
	return &Reply{
		Status:      http.StatusTooManyRequests,
		Description: fmt.Sprintf("Too Many Requests: retry after %d", retryAfter),
		RetryAfter:  retryAfter,
	}
}

// Forbidden is a 403 answer, e.g. Forbidden("Forbidden: bot was blocked by the user").
func Forbidden(description string) *Reply {
	return &Reply{Status: http.StatusForbidden, Description: description}
}

// BadRequest is a 400 answer; description should start with "Bad Request: ".
func BadRequest(description string) *Reply {
	return &Reply{Status: http.StatusBadRequest, Description: description}
}

// ServerError is a 5xx answer with the usual description for status.
func ServerError(status int) *Reply {
	return &Reply{Status: status, Description: http.StatusText(status)}
}

// DropConnection closes the connection without answering.
func DropConnection() *Reply { return &Reply{Drop: true} }

// OK answers {"ok":true,"result":result} without processing the call.
func OK(result any) *Reply { return &Reply{Status: http.StatusOK, Result: result} }

// Blocked is the description of the 403 answered to chats passed to Block.
const Blocked = "Forbidden: bot was blocked by the user"

// Option configures New.
type Option func(*Fake)

// WithNow sets the clock used for receive times and message dates.
func WithNow(now func() time.Time) Option { return func(f *Fake) { f.now = now } }

// WithFirstUpdateID makes update ids start at id instead of
// DefaultFirstUpdateID, e.g. for two fakes feeding one database.
func WithFirstUpdateID(id int64) Option {
	return func(f *Fake) { f.nextUpdateID = id }
}

// WithStrictChats makes sends to a private chat the fake has seen no update
// from fail with 403 "Forbidden: bot can't initiate conversation with a
// user", as on Telegram, where the person must write to the bot first.
func WithStrictChats() Option { return func(f *Fake) { f.strictChats = true } }

// WithWaitTimeout changes the timeout of the Wait helpers.
func WithWaitTimeout(d time.Duration) Option { return func(f *Fake) { f.waitTimeout = d } }

// Fake is a fake Bot API server. Its methods are safe for concurrent use.
type Fake struct {
	t           testing.TB
	srv         *httptest.Server
	spec        *apiSpec
	strictChats bool
	waitTimeout time.Duration
	now         func() time.Time // set by New only: read without the lock
	botJSON     []byte           // BotUser as messages carry it

	closeOnce sync.Once
	closed    chan struct{}

	mu sync.Mutex
	// changed is closed on the next change, to wake waiters; nil until
	// someone waits (changedLocked), so that changes nobody waits for cost
	// no channel.
	changed chan struct{}

	calls        [][]Call // in blocks: recording a call never copies the earlier ones
	seq          int
	hook         func(Call) *Reply
	faults       []*fault
	blocked      map[int64]bool
	chats        map[int64]*chatState
	callbacks    map[string]*callbackState
	nextUpdateID int64
	querySeq     uint64
	queue        []*queued
	pollGen      int
	pollers      int // long polls waiting now
	allowed      []string
	webhook      WebhookState
	commands     map[string]string // scope+language → commands JSON
	files        map[string]File   // file_id → upload
	fileSeq      int
	fileLimit    int64 // getFile's limit; 0: DefaultFileLimit
	downloads    int
}

type fault struct {
	method    string // "" for every method
	chatID    int64  // 0 for every chat
	remaining int    // < 0: for ever
	reply     Reply
}

// New starts a fake server that lives until the end of the test.
func New(t testing.TB, opts ...Option) *Fake {
	t.Helper()
	f := &Fake{
		t:           t,
		spec:        loadSpec(),
		waitTimeout: DefaultWaitTimeout,
		closed:      make(chan struct{}),
		now:         time.Now,
		blocked:     map[int64]bool{},
		chats:       map[int64]*chatState{},
		callbacks:   map[string]*callbackState{},
		commands:    map[string]string{},
		files:       map[string]File{},

		nextUpdateID: DefaultFirstUpdateID,
	}
	for _, o := range opts {
		o(f)
	}
	f.botJSON = mustJSON(f.BotUser())
	f.srv = httptest.NewServer(http.HandlerFunc(f.serveHTTP))
	t.Cleanup(f.Close)
	return f
}

// URL is the base URL to give bot.WithServerURL.
func (f *Fake) URL() string { return f.srv.URL }

// Token is the bot token the fake accepts.
func (f *Fake) Token() string { return DefaultToken }

// BotID is the bot's user id (the number before the colon of the token).
func (f *Fake) BotID() int64 {
	id, _ := strconv.ParseInt(strings.SplitN(DefaultToken, ":", 2)[0], 10, 64)
	return id
}

// BotUser is the bot as getMe describes it and as the sender of its messages.
func (f *Fake) BotUser() models.User {
	return models.User{
		ID:            f.BotID(),
		IsBot:         true,
		FirstName:     "Quizbot Test",
		Username:      botUsername,
		CanJoinGroups: true,
	}
}

// Close stops the server, first releasing long polls so that it stops at
// once. New registers it with t.Cleanup; calling it earlier is allowed.
func (f *Fake) Close() {
	f.closeOnce.Do(func() {
		close(f.closed)
		f.srv.CloseClientConnections()
		f.srv.Close()
	})
}

// OnCall installs a hook that sees every valid call before it is processed
// (after spec validation, before injected failures) and may impose a reply;
// returning nil lets the call proceed. nil removes the hook. The hook runs
// without the fake's lock held and may use the fake.
func (f *Fake) OnCall(hook func(Call) *Reply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hook = hook
}

// Fail makes the next times calls to method in chatID answer reply instead
// of being processed. method "" matches every method but getUpdates (name
// it explicitly to fail polls), chatID 0 every chat;
// times <= 0 means every matching call until ClearFailures. Failures are
// tried in the order they were added; each call consumes at most one.
func (f *Fake) Fail(method string, chatID int64, times int, reply *Reply) {
	f.t.Helper()
	if method != "" {
		canon, ok := f.spec.method(method)
		if !ok {
			f.t.Fatalf("telegramtest: Fail: %q is not a Bot API method", method)
		}
		method = canon
	}
	if times <= 0 {
		times = -1
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, &fault{method: method, chatID: chatID, remaining: times, reply: *reply})
}

// FailTooManyRequests answers 429 with retry_after to the next times
// matching calls, which then succeed again.
func (f *Fake) FailTooManyRequests(method string, chatID int64, retryAfter, times int) {
	f.t.Helper()
	f.Fail(method, chatID, times, TooManyRequests(retryAfter))
}

// FailServerError answers status (500, 502…) to the next times matching calls.
func (f *Fake) FailServerError(method string, chatID int64, status, times int) {
	f.t.Helper()
	f.Fail(method, chatID, times, ServerError(status))
}

// FailNetwork closes the connection of the next times matching calls
// without processing them.
func (f *Fake) FailNetwork(method string, chatID int64, times int) {
	f.t.Helper()
	f.Fail(method, chatID, times, DropConnection())
}

// ClearFailures removes every injected failure (not blocks, not the hook).
func (f *Fake) ClearFailures() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = nil
}

// Block makes every call aimed at chatID answer 403 "Forbidden: bot was
// blocked by the user" until Unblock.
func (f *Fake) Block(chatID int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.blocked[chatID] = true
}

// Unblock undoes Block.
func (f *Fake) Unblock(chatID int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.blocked, chatID)
}

// apiError is an error answer of the Bot API.
type apiError struct {
	status      int
	description string
	retryAfter  int
}

func (e *apiError) Error() string { return e.description }

func badRequest(format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, description: "Bad Request: " + fmt.Sprintf(format, args...)}
}

var (
	errNotFound     = &apiError{status: http.StatusNotFound, description: "Not Found"}
	errUnauthorized = &apiError{status: http.StatusUnauthorized, description: "Unauthorized"}
)

type outcome struct {
	result any
	err    *apiError
	drop   bool
}

func (f *Fake) recordLocked(call Call) {
	n := len(f.calls)
	if n == 0 || len(f.calls[n-1]) == cap(f.calls[n-1]) {
		size := 1024 // blocks of 16, 32… up to this
		if n < 6 {
			size = 16 << n
		}
		f.calls = append(f.calls, make([]Call, 0, size))
		n++
	}
	f.calls[n-1] = append(f.calls[n-1], call)
}

// jsonContentType is shared by every answer rather than allocated each time:
// nothing changes header values once set.
var jsonContentType = []string{"application/json"}

func (f *Fake) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && f.serveFile(w, r) {
		return
	}
	call := Call{Time: f.now()}
	out := f.handle(r, &call)

	var body []byte
	switch {
	case out.drop:
		call.Dropped = true
	case out.err != nil:
		call.Status = out.err.status
		call.Description = out.err.description
		call.RetryAfter = out.err.retryAfter
		body = errorBody(out.err)
	default:
		call.Status = http.StatusOK
		switch res := out.result.(type) {
		case encoded:
			call.Result = json.RawMessage(res)
		case nil:
			call.Result = json.RawMessage("true")
		default:
			call.Result = mustJSON(res)
		}
	}

	call.memo, call.markup = nil, nil

	// Record before answering: once the client has its answer, the call is
	// visible to the test.
	f.mu.Lock()
	f.seq++
	call.Seq = f.seq
	f.recordLocked(call)
	f.notifyLocked()
	f.mu.Unlock()

	if out.drop {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler) // closes the connection without a response
	}
	w.Header()["Content-Type"] = jsonContentType
	w.WriteHeader(call.Status)
	if body != nil {
		_, _ = w.Write(body)
		return
	}
	// {"ok":true,"result":…} in three writes to the server's buffer rather
	// than a copy of the result.
	_, _ = io.WriteString(w, `{"ok":true,"result":`)
	_, _ = w.Write(call.Result)
	_, _ = io.WriteString(w, "}")
}

// errorBody is {"ok":false,…} with the keys in the order encoding/json
// wrote them from a map.
func errorBody(e *apiError) []byte {
	b := make([]byte, 0, 64+len(e.description))
	b = append(b, `{"description":`...)
	b = appendJSONString(b, e.description)
	b = append(b, `,"error_code":`...)
	b = appendInt(b, int64(e.status))
	b = append(b, `,"ok":false`...)
	if e.retryAfter > 0 {
		b = append(b, `,"parameters":{"retry_after":`...)
		b = appendInt(b, int64(e.retryAfter))
		b = append(b, '}')
	}
	return append(b, '}')
}

// handle runs one request through the real server's checks in order: route
// and token, body, method, spec, Telegram's limits; then the test's hook,
// injected failures and blocks; then the method itself.
func (f *Fake) handle(r *http.Request, call *Call) outcome {
	token, method, ok := splitPath(r.URL.Path)
	call.Method = method
	call.memo = &memoTable{}
	params, files, err := readParams(r, call.memo)
	call.Params, call.Files = params, files
	if !ok {
		return outcome{err: errNotFound}
	}
	if token != DefaultToken {
		return outcome{err: errUnauthorized}
	}
	if err != nil {
		return outcome{err: badRequest("%v", err)}
	}
	canon, ok := f.spec.method(method)
	if !ok {
		return outcome{err: errNotFound}
	}
	call.Method = canon
	for _, v := range params {
		if !utf8.ValidString(v) {
			return outcome{err: badRequest("strings must be encoded in UTF-8")}
		}
	}
	if err := f.spec.checkParams(canon, params, files, call.memo); err != nil {
		return outcome{err: badRequest("%v", err)}
	}
	if e := f.checkLimits(call); e != nil {
		return outcome{err: e}
	}

	f.mu.Lock()
	call.ChatID = f.chatOfLocked(call)
	hook := f.hook
	f.mu.Unlock()

	var after *Reply
	if hook != nil {
		if rep := hook(*call); rep != nil {
			if !rep.AfterProcessing {
				return replyOutcome(rep)
			}
			after = rep
		}
	}

	f.mu.Lock()
	if after == nil {
		if rep := f.takeFaultLocked(call); rep != nil {
			if !rep.AfterProcessing {
				f.mu.Unlock()
				return replyOutcome(rep)
			}
			after = rep
		}
	}
	if call.ChatID != 0 && f.blocked[call.ChatID] && call.Params["chat_id"] != "" {
		f.mu.Unlock()
		return outcome{err: &apiError{status: http.StatusForbidden, description: Blocked}}
	}
	if f.strictChats && call.ChatID > 0 && call.Params["chat_id"] != "" && !f.chatLocked(call.ChatID).started {
		f.mu.Unlock()
		return outcome{err: &apiError{status: http.StatusForbidden, description: "Forbidden: bot can't initiate conversation with a user"}}
	}
	f.mu.Unlock()

	var out outcome
	if canon == "getUpdates" {
		out = f.getUpdates(r, call)
	} else {
		f.mu.Lock()
		res, e := f.dispatchLocked(call)
		f.notifyLocked()
		f.mu.Unlock()
		out = outcome{result: res}
		if e != nil {
			out = outcome{err: e}
		}
	}
	if after != nil {
		return replyOutcome(after)
	}
	return out
}

func replyOutcome(rep *Reply) outcome {
	switch {
	case rep.Drop:
		return outcome{drop: true}
	case rep.Status == 0 || rep.Status == http.StatusOK:
		return outcome{result: rep.Result}
	}
	return outcome{err: &apiError{status: rep.Status, description: rep.Description, retryAfter: rep.RetryAfter}}
}

func (f *Fake) takeFaultLocked(call *Call) *Reply {
	for i, ft := range f.faults {
		if ft.method != "" && ft.method != call.Method {
			continue
		}
		// A catch-all failure is meant for the bot's requests, not for a
		// long poll that happens to be running at the same time.
		if ft.method == "" && call.Method == "getUpdates" {
			continue
		}
		if ft.chatID != 0 && ft.chatID != call.ChatID {
			continue
		}
		rep := ft.reply
		if ft.remaining > 0 {
			ft.remaining--
			if ft.remaining == 0 {
				f.faults = append(f.faults[:i], f.faults[i+1:]...)
			}
		}
		return &rep
	}
	return nil
}

// splitPath parses /bot<token>/<method>, also with the test-environment
// segment /bot<token>/test/<method> that the client can add.
func splitPath(p string) (token, method string, ok bool) {
	rest, ok := strings.CutPrefix(p, "/bot")
	if !ok {
		return "", "", false
	}
	token, method, ok = strings.Cut(rest, "/")
	if !ok {
		return "", "", false
	}
	method = strings.TrimPrefix(method, "test/")
	if method == "" || strings.Contains(method, "/") {
		return token, method, false
	}
	return token, method, true
}

// readParams reads the parameters like the real server: from the query
// string and from a multipart, urlencoded or JSON body. The values of a
// JSON body are entered into memo as decoded with it.
func readParams(r *http.Request, memo jsonMemo) (map[string]string, map[string]File, error) {
	params := make(map[string]string, 8)
	var files map[string]File // most calls upload nothing
	if r.URL.RawQuery != "" {
		for k, vs := range r.URL.Query() {
			params[k] = vs[0]
		}
	}
	body, err := readBody(r)
	if err != nil {
		return params, files, fmt.Errorf("can't read request body: %w", err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return params, files, nil // e.g. getMe with no parameters
	}
	ct, boundary := contentType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		if simpleMultipart(string(body), boundary, params) {
			return params, files, nil
		}
		mr := multipart.NewReader(bytes.NewReader(body), boundary)
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return params, files, fmt.Errorf("can't parse multipart body: %w", err)
			}
			data, err := io.ReadAll(part)
			if err != nil {
				return params, files, fmt.Errorf("can't parse multipart body: %w", err)
			}
			if part.FileName() != "" {
				if files == nil {
					files = map[string]File{}
				}
				files[part.FormName()] = File{
					Field:       part.FormName(),
					Name:        part.FileName(),
					ContentType: part.Header.Get("Content-Type"),
					Data:        data,
				}
				continue
			}
			params[part.FormName()] = string(data)
		}
	case "application/x-www-form-urlencoded":
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			return params, files, fmt.Errorf("can't parse urlencoded body: %w", err)
		}
		for k, vs := range vals {
			params[k] = vs[0]
		}
	case "application/json":
		if doc, err := parseJSON(string(body)); err == nil && (doc.nodes[0].kind == jObject || doc.nodes[0].kind == jNull) {
			jval{doc, 0}.children(func(v jval) bool {
				switch n := v.node(); n.kind {
				case jNull:
				case jString:
					params[n.key] = n.str
				default:
					params[n.key] = v.raw()
					memo.add(v)
				}
				return true
			})
			return params, files, nil
		}
		// encoding/json words the error, as it always has.
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(body, &obj); err != nil {
			return params, files, fmt.Errorf("can't parse JSON body: %w", err)
		}
		return params, files, fmt.Errorf("can't parse JSON body")
	default:
		return params, files, fmt.Errorf("unsupported Content-Type %q", ct)
	}
	return params, files, nil
}

// readBody reads the request body in one allocation when its length is
// known.
func readBody(r *http.Request) ([]byte, error) {
	n := r.ContentLength
	if n <= 0 || n > 64<<20 {
		return io.ReadAll(r.Body)
	}
	buf := make([]byte, n+1) // one more byte to see the end without growing
	read, err := io.ReadFull(r.Body, buf)
	switch {
	case err == io.ErrUnexpectedEOF || err == io.EOF:
		return buf[:read], nil
	case err != nil:
		return nil, err
	}
	// Longer than announced: read the rest as it comes.
	rest, err := io.ReadAll(r.Body)
	return append(buf, rest...), err
}

// contentType is mime.ParseMediaType for the two forms clients send,
// without its map, and the general parser for anything else.
func contentType(header string) (mediaType, boundary string) {
	if header == "application/json" {
		return header, ""
	}
	if b, ok := strings.CutPrefix(header, "multipart/form-data; boundary="); ok && isToken(b) {
		return "multipart/form-data", b
	}
	ct, params, _ := mime.ParseMediaType(header)
	return ct, params["boundary"]
}

// isToken reports whether s is made of letters, digits, '-', '_' and '.'
// only (a subset of MIME's token characters, enough for boundaries and
// field names).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// simpleMultipart reads a multipart body made only of plain fields, each
// with the one header "Content-Disposition: form-data; name=…", framed
// exactly as mime/multipart.Writer frames them: what go-telegram sends for
// every call without an upload. Values are slices of body. For anything
// else (files, other headers, a preamble, unusual framing) it returns
// false, and mime/multipart reads the body: the fields it may have set
// already are set again to the same values.
func simpleMultipart(body, boundary string, params map[string]string) bool {
	const head = "Content-Disposition: form-data; name=\""
	rest, ok := strings.CutPrefix(body, "--")
	if !ok || boundary == "" {
		return false
	}
	if rest, ok = strings.CutPrefix(rest, boundary); !ok || !strings.HasPrefix(rest, "\r\n") {
		return false
	}
	rest = rest[2:]
	for {
		if rest, ok = strings.CutPrefix(rest, head); !ok {
			return false
		}
		q := strings.IndexByte(rest, '"')
		if q < 0 || !isToken(rest[:q]) || !strings.HasPrefix(rest[q:], "\"\r\n\r\n") {
			return false
		}
		name := rest[:q]
		rest = rest[q+5:]
		// The value runs to the next "\r\n--boundary".
		end := 0
		for {
			i := strings.Index(rest[end:], "\r\n--")
			if i < 0 {
				return false
			}
			end += i
			if strings.HasPrefix(rest[end+4:], boundary) {
				break
			}
			end += 4
		}
		params[name] = rest[:end]
		rest = rest[end+4+len(boundary):]
		switch {
		case strings.HasPrefix(rest, "\r\n"):
			rest = rest[2:]
		case rest == "--" || rest == "--\r\n":
			return true
		default:
			return false
		}
	}
}

func mustJSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep "<b>" readable in recorded results
	if err := enc.Encode(v); err != nil {
		panic("telegramtest: " + err.Error())
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// notifyLocked wakes every waiter (Wait helpers, long polls).
func (f *Fake) notifyLocked() {
	if f.changed != nil {
		close(f.changed)
		f.changed = nil
	}
}

// changedLocked returns a channel closed at the next change.
func (f *Fake) changedLocked() <-chan struct{} {
	if f.changed == nil {
		f.changed = make(chan struct{})
	}
	return f.changed
}
