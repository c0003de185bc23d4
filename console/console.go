// Package console is the web console of organizers and heads: server-
// rendered pages under /console/ on the main listener, signed in by a
// one-time link the bot gives (/quantri) or `quizbot console link PHONE`.
//
// Every page is registered in Console.routes through page (GET) or action
// (POST): both sign the request in from its session cookie and hand the
// handler a *Request with the member, their Scope (which units they may
// see: Scope.Allows(code)) and the session's CSRF token; action also
// refuses a POST without the right token (403). A handler returns an
// error: Forbidden, NotFound or BadRequest show a Vietnamese error page
// with that status, any other error a 500 (logged). Pages render with
// Console.render(w, r, "name", View{Title, Nav, Content}) from
// templates/name.html, which defines "content" (given the View: the
// page's data is .Content, and a form carries {{template "csrf" $}});
// every change is recorded with Console.Audit.
package console

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"quizbot/quiz"
	"quizbot/report"
	"quizbot/storage"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Store is what the console reads and writes: storage.DB. The figures come
// from the same rosters and counted-attempt CTEs as the reports and the
// workbook.
type Store interface {
	CreateConsoleToken(ctx context.Context, hash []byte, m quiz.Member, expires time.Time) error
	ConsoleTokenValid(ctx context.Context, hash []byte, now time.Time) (bool, error)
	SpendConsoleToken(ctx context.Context, hash []byte, now time.Time) (quiz.Member, int64, bool, error)
	CreateConsoleSession(ctx context.Context, hash []byte, m quiz.Member, gen int64, csrf string, now, expires time.Time) error
	ConsoleSession(ctx context.Context, hash []byte, now time.Time) (quiz.Member, string, bool, error)
	DeleteConsoleSession(ctx context.Context, hash []byte) error
	AddAudit(ctx context.Context, e storage.AuditEntry) error
	AuditEntries(ctx context.Context, units []string, limit int) ([]storage.AuditEntry, error)

	Units(ctx context.Context) ([]quiz.Unit, error)
	UnitRosters(ctx context.Context) ([]report.UnitRoster, error)
	UnitRoundDays(ctx context.Context, roundIDs []int64, now time.Time, tz string) ([]storage.UnitRoundDay, error)
	InProgressByUnit(ctx context.Context, roundID int64, now time.Time) ([]storage.UnitCount, error)
	CurrentContest(ctx context.Context, t time.Time) (quiz.Contest, error)

	// Đơn vị: a unit's members in a round, and the reasons for absence
	// (the storage functions the chat's /lydo uses).
	UnitMembers(ctx context.Context, roundID, unitID int64, now time.Time) ([]storage.UnitMemberStatus, error)
	MemberByID(ctx context.Context, id int64) (quiz.Member, error)
	ExcuseCandidates(ctx context.Context, roundID, unitID int64, now time.Time) ([]quiz.Member, map[int64]string, error)
	RecordExcuse(ctx context.Context, roundID, memberID, unitID int64, reason string, by int64) (quiz.Member, error)
	dataStore // data.go
	// The entries part (entries.go, judging.go, upload.go).
	JudgeContests(ctx context.Context, memberID int64) ([]int64, error)
	EntriesContest(ctx context.Context, now time.Time) (quiz.EntriesSetup, error)
	EntryByID(ctx context.Context, id int64) (quiz.Entry, error)
}

// Console serves the pages.
type Console struct {
	store Store
	clock quiz.Clock
	log   *slog.Logger
	// base is where the links point: PUBLIC_URL, or http:// and the
	// listen address.
	base  string
	pages map[string]*template.Template
	// cache shares the participation figures between requests.
	cache figureCache
	// rosterChanged runs after an import changed units or members (data.go).
	rosterChanged func(context.Context) error
	// notify and reports are Thông báo's and Báo cáo's parts (UseNotify,
	// UseReports); nil until given.
	notify  *notifyDeps
	reports *reportsDeps
	// entries and files serve the entries part; nil until UseEntries.
	entries *quiz.Entries
	files   EntryFiles
	uploads string
}

// New returns the console. base is the address people open (PUBLIC_URL,
// or the listen address made into a URL by BaseURL).
func New(store Store, clock quiz.Clock, log *slog.Logger, base string) (*Console, error) {
	c := &Console{store: store, clock: clock, log: log, base: strings.TrimRight(base, "/"), pages: map[string]*template.Template{},
		cache: figureCache{ttl: figuresTTL, stale: figuresStale, clock: clock, log: log}}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("console template %s: %w", name, err)
		}
		c.pages[name] = t
	}
	return c, nil
}

// BaseURL is the console's address: publicURL when set, else http:// and
// the listen address (":8080" as localhost:8080).
func BaseURL(publicURL, listenAddr string) string {
	if publicURL != "" {
		return strings.TrimRight(publicURL, "/")
	}
	if strings.HasPrefix(listenAddr, ":") {
		listenAddr = "localhost" + listenAddr
	}
	return "http://" + listenAddr
}

// Routes registers every console route on mux, under /console/.
func (c *Console) Routes(mux *http.ServeMux) { c.routes(mux) }

// routes is the one list of the console's addresses. A new page is a line
// here: c.page for a GET, c.action for a POST (CSRF-checked), with a
// handler func(w, *Request) error.
func (c *Console) routes(mux *http.ServeMux) {
	static, _ := fs.Sub(staticFS, "static")
	files := http.StripPrefix("/console/static/", http.FileServerFS(static))
	mux.HandleFunc("GET /console/static/", func(w http.ResponseWriter, r *http.Request) {
		setHeaders(w)
		files.ServeHTTP(w, r)
	})
	mux.HandleFunc("GET /console/login", c.loginPage)
	mux.HandleFunc("POST /console/login", c.login)
	mux.HandleFunc("GET /console", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/console/", http.StatusFound)
	})

	c.page(mux, "GET /console/{$}", c.overview)
	c.page(mux, "GET /console/live", c.overviewLive)
	c.page(mux, "GET /console/units", c.unitsPage)
	c.page(mux, "GET /console/units/{code}", c.unitPage)
	c.action(mux, "POST /console/units/{code}/excuses", c.recordExcuse)
	c.dataRoutes(mux) // data.go
	c.page(mux, "GET /console/reports", c.reportsPage)
	c.page(mux, "GET /console/reports/download", c.download)
	c.action(mux, "POST /console/reports/codes", c.issueCodes)
	c.page(mux, "GET /console/notifications", c.notificationsPage)
	c.action(mux, "POST /console/notifications/remind", c.remindNow)
	c.page(mux, "GET /console/audit", c.auditPage)
	c.action(mux, "POST /console/logout", c.logout)

	// The entries part: judges (who may sign in for these pages alone),
	// the organizers' judging page, and uploads.
	c.open(mux, "GET /console/entries", c.entriesPage)
	c.open(mux, "GET /console/entries/{id}", c.entryPage)
	c.open(mux, "GET /console/entries/{id}/file", c.entryFile)
	c.openAction(mux, "POST /console/entries/{id}", c.scoreEntry)
	c.page(mux, "GET /console/judging", c.judgingPage)
	c.page(mux, "GET /console/judging/close", c.judgingCloseConfirm)
	c.action(mux, "POST /console/judging/close", c.judgingClose)
	c.uploadRoutes(mux)
}

// Request is a signed-in request: its member, what they may see, and the
// CSRF token that their forms carry (View.CSRF puts it in the layout).
type Request struct {
	*http.Request
	Member quiz.Member
	Scope  Scope
	CSRF   string
	// Judging lists the contests whose entries the member judges, the
	// latest first.
	Judging []int64
	// session is the cookie's hash, for sign-out.
	session []byte
}

// handler is a console page or action.
type handler func(w http.ResponseWriter, r *Request) error

// page registers a GET handler for signed-in organizers and heads.
func (c *Console) page(mux *http.ServeMux, pattern string, h handler) {
	mux.HandleFunc(pattern, c.serve(h, false, false))
}

// action registers a state-changing handler: the form must carry the
// session's CSRF token in the field csrf.
func (c *Console) action(mux *http.ServeMux, pattern string, h handler) {
	mux.HandleFunc(pattern, c.serve(h, true, false))
}

// open and openAction register pages that judges and submitters who are
// neither organizers nor heads may open too; the handler checks who.
func (c *Console) open(mux *http.ServeMux, pattern string, h handler) {
	mux.HandleFunc(pattern, c.serve(h, false, true))
}

func (c *Console) openAction(mux *http.ServeMux, pattern string, h handler) {
	mux.HandleFunc(pattern, c.serve(h, true, true))
}

func (c *Console) serve(h handler, csrf, open bool) http.HandlerFunc {
	return func(w http.ResponseWriter, hr *http.Request) {
		setHeaders(w)
		c.setHSTS(w, hr)
		r, err := c.signedIn(hr)
		if err == nil && !open && !CanUse(r.Member) {
			// A judge's or a submitter's session: their own pages only.
			if hr.URL.Path == "/console/" && len(r.Judging) > 0 {
				http.Redirect(w, hr, "/console/entries", http.StatusFound)
				return
			}
			if hr.URL.Path == "/console/" {
				http.Redirect(w, hr, "/console/upload", http.StatusFound)
				return
			}
			if hr.URL.Path != "/console/logout" {
				err = Forbidden("Trang này chỉ dành cho Ban Tổ chức và thủ trưởng các đơn vị.")
			}
		}
		if err == nil && csrf && !validCSRF(r) {
			err = Forbidden("Yêu cầu không hợp lệ (thiếu hoặc sai mã bảo vệ biểu mẫu). Vui lòng tải lại trang rồi thử lại.")
		}
		if err == nil {
			err = h(w, r)
		}
		if err != nil {
			c.fail(w, hr, r, err)
		}
	}
}

// contentSecurityPolicy lets a page load only the console's own embedded
// assets (live.js, style.css; no inline script or style anywhere), fetch
// only from the console (live.js), post forms only to it, and be framed by
// nobody (clickjacking of the sign-in or Lưu buttons).
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// setHeaders gives every console response the protections a government
// web application is expected to have: serve (every page and action,
// hence every page added later), the sign-in and the static files call it.
// Referrer-Policy is same-origin rather than no-referrer: the sign-in
// link's token must not leak to another site, but no-referrer would make
// the sign-in button's Origin "null", which login refuses.
func setHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
}

// setHSTS tells a browser that reached the console over HTTPS to use only
// HTTPS on this host for a year, so that the session cookie is never
// offered to a downgraded http:// address. Browsers ignore it over HTTP.
func (c *Console) setHSTS(w http.ResponseWriter, r *http.Request) {
	if c.secure(r) {
		w.Header().Set("Strict-Transport-Security", "max-age=31536000")
	}
}

// Error is an error page's status and Vietnamese message.
type Error struct {
	Status  int
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%d: %s", e.Status, e.Message) }

// Forbidden is a 403 with its message.
func Forbidden(msg string) error { return &Error{http.StatusForbidden, msg} }

// NotFound is a 404 with its message.
func NotFound(msg string) error { return &Error{http.StatusNotFound, msg} }

// BadRequest is a 400 with its message.
func BadRequest(msg string) error { return &Error{http.StatusBadRequest, msg} }

// errSignIn: no live session; the page says how to get a link.
var errSignIn = &Error{http.StatusUnauthorized, "Anh/chị chưa đăng nhập hoặc phiên làm việc đã kết thúc. " + howToSignIn}

const howToSignIn = "Để đăng nhập, gửi lệnh /quantri cho bot thi trực tuyến (hoặc bấm nút \"🖥 Trang quản trị\") rồi mở đường dẫn bot gửi trong vòng 10 phút."

// fail shows err's page; r is nil when the request is not signed in.
func (c *Console) fail(w http.ResponseWriter, hr *http.Request, r *Request, err error) {
	var e *Error
	if !errors.As(err, &e) {
		c.log.Error("console", "path", hr.URL.Path, "err", err)
		e = &Error{http.StatusInternalServerError, "Đã có lỗi trong hệ thống. Vui lòng thử lại sau ít phút."}
	}
	// Refusals are logged for whoever watches the service: a member
	// trying another unit's address or a form without its token, a link
	// forged, spent or posted from another site. The path only: no query
	// (the token), no cookie.
	if e.Status == http.StatusForbidden || (hr.URL.Path == "/console/login" && e.Status < 500) {
		args := []any{"path", hr.URL.Path, "method", hr.Method, "status", e.Status, "remote", hr.RemoteAddr}
		if r != nil {
			args = append(args, "member", r.Member.ID)
		}
		c.log.Warn("console refused", args...)
	}
	v := View{Title: "Không thực hiện được", Content: e}
	if r != nil {
		c.renderAt(w, r, e.Status, "error", v)
		return
	}
	c.renderStatus(w, e.Status, "error", v)
}

// View is what the layout needs, with the page's own Content.
type View struct {
	Title   string
	Nav     string // which navigation entry is current: the nav* constants
	Member  quiz.Member
	CSRF    string
	Content any
	// Staff: an organizer or a head, who sees the whole navigation; a
	// judge or a submitter sees their own pages.
	Staff   bool
	Judging bool
}

// Navigation entries (View.Nav).
const (
	navOverview      = "overview"
	navUnits         = "units"
	navData          = "data"
	navReports       = "reports"
	navNotifications = "notifications"
	navAudit         = "audit"
	navEntries       = "entries"
	navJudging       = "judging"
	navUpload        = "upload"
)

// render writes page name inside the layout with r's member and token.
func (c *Console) render(w http.ResponseWriter, r *Request, name string, v View) error {
	return c.renderAt(w, r, http.StatusOK, name, v)
}

// renderAt is render with another status than 200 (a refused form shown
// again, an error page).
func (c *Console) renderAt(w http.ResponseWriter, r *Request, status int, name string, v View) error {
	v.Member, v.CSRF, v.Staff, v.Judging = r.Member, r.CSRF, CanUse(r.Member), len(r.Judging) > 0
	c.renderStatus(w, status, name, v)
	return nil
}

func (c *Console) renderStatus(w http.ResponseWriter, status int, name string, v View) {
	t, ok := c.pages[name]
	if !ok {
		http.Error(w, "no template "+name, http.StatusInternalServerError)
		return
	}
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, "layout", v); err != nil {
		c.log.Error("console render", "page", name, "err", err)
		http.Error(w, "Lỗi hiển thị trang.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprint(w, b.String())
}

// location is the current contest's time zone, for dates.
func (c *Console) location(ctx context.Context) *time.Location {
	ct, err := c.store.CurrentContest(ctx, c.clock.Now())
	if err != nil {
		ct = quiz.Contest{}
	}
	return ct.Location()
}
