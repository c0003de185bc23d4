package console

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"quizbot/quiz"
)

const (
	// LinkTTL is how long a sign-in link can be opened.
	LinkTTL = 10 * time.Minute
	// SessionTTL is how long a session lasts after sign-in.
	SessionTTL = 12 * time.Hour
	// CookieName is the session cookie's name.
	CookieName = "quizbot_console"
)

// ErrNotAllowed refuses a link to a member who is neither an organizer nor
// a head; its text is what the chat and the command show.
var ErrNotAllowed = quiz.Errorf(quiz.EFORBIDDEN, "Xin lỗi, trang quản trị chỉ dành cho Ban Tổ chức cuộc thi và thủ trưởng các đơn vị.")

// CanUse says whether m may sign in to the console.
func CanUse(m quiz.Member) bool {
	return m.Active && (m.Role == quiz.RoleOrganizer || m.Role == quiz.RoleHead)
}

// Link issues a one-time sign-in link for m (read fresh by the caller),
// good for LinkTTL: the URL to open. Only its token's hash is stored.
func (c *Console) Link(ctx context.Context, m quiz.Member) (string, error) {
	_, ok, err := c.mayEnter(ctx, m)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", ErrNotAllowed
	}
	return c.link(ctx, m, "")
}

// link issues the one-time link; next, when set, is where it lands.
func (c *Console) link(ctx context.Context, m quiz.Member, next string) (string, error) {
	token := randomToken()
	if err := c.store.CreateConsoleToken(ctx, hash(token), m, c.clock.Now().Add(LinkTTL)); err != nil {
		return "", err
	}
	l := c.base + "/console/login?token=" + url.QueryEscape(token)
	if next != "" {
		l += "&next=" + url.QueryEscape(next)
	}
	return l, nil
}

// randomToken is 32 random bytes, URL-safe.
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// textBadLink: spent, expired and forged links are told apart to nobody.
const textBadLink = "Đường dẫn đăng nhập không hợp lệ, đã được sử dụng hoặc đã hết hạn (đường dẫn chỉ dùng được một lần, trong 10 phút). " +
	"Vui lòng gửi lại lệnh /quantri cho bot để nhận đường dẫn mới."

// loginPage is what the link opens: a button that signs in (POST
// /console/login). Opening the link spends nothing, because messengers
// fetch the links in messages to show a preview (Telegram does): a GET
// that signed in would spend the token before its owner opened it. A link
// that is already spent, expired or forged says so at once.
func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) {
	// The token must not leak to other sites through Referer, and the
	// page must not be framed (setHeaders).
	setHeaders(w)
	c.setHSTS(w, r)
	token := r.URL.Query().Get("token")
	if token == "" || len(token) > 100 {
		c.fail(w, r, nil, &Error{http.StatusBadRequest, textBadLink})
		return
	}
	ok, err := c.store.ConsoleTokenValid(r.Context(), hash(token), c.clock.Now())
	if err != nil {
		c.fail(w, r, nil, err)
		return
	}
	if !ok {
		c.fail(w, r, nil, &Error{http.StatusGone, textBadLink})
		return
	}
	next := r.URL.Query().Get("next")
	if !strings.HasPrefix(next, "/console/") {
		next = ""
	}
	c.renderStatus(w, http.StatusOK, "login", View{Title: "Đăng nhập trang quản trị", Content: loginView{Token: token, Next: next}})
}

type loginView struct{ Token, Next string }

// login spends the link's token (the form of loginPage) and opens a
// session.
func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	setHeaders(w)
	c.setHSTS(w, r)
	token := r.PostFormValue("token")
	now := c.clock.Now()
	fail := func(e *Error) { c.fail(w, r, nil, e) }
	// No session yet, hence no CSRF token: another site's form must not
	// sign a visitor in as someone else. Browsers send Origin on a POST.
	if o := r.Header.Get("Origin"); o != "" {
		// The console's own address counts too: a proxy may pass
		// another Host.
		u, err := url.Parse(o)
		base, _ := url.Parse(c.base)
		if err != nil || (u.Host != r.Host && (base == nil || u.Host != base.Host)) {
			fail(&Error{http.StatusForbidden, "Yêu cầu đăng nhập không xuất phát từ trang quản trị. " + howToSignIn})
			return
		}
	}
	// A browser that sends no Origin still says where the form came from
	// (Fetch Metadata): another site's form is refused the same way.
	if r.Header.Get("Origin") == "" && r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		fail(&Error{http.StatusForbidden, "Yêu cầu đăng nhập không xuất phát từ trang quản trị. " + howToSignIn})
		return
	}
	if token == "" || len(token) > 100 {
		fail(&Error{http.StatusBadRequest, textBadLink})
		return
	}
	m, gen, ok, err := c.store.SpendConsoleToken(r.Context(), hash(token), now)
	if err != nil {
		c.fail(w, r, nil, err)
		return
	}
	if !ok {
		fail(&Error{http.StatusGone, textBadLink})
		return
	}
	_, enter, err := c.mayEnter(r.Context(), m)
	if err != nil {
		c.fail(w, r, nil, err)
		return
	}
	if !enter || m.Gen != gen {
		fail(&Error{http.StatusForbidden, "Tài khoản của anh/chị đã thay đổi hoặc không còn quyền vào trang quản trị. " + howToSignIn})
		return
	}
	// The browser's earlier session, if any, ends: a sign-in never keeps
	// a session identifier that existed before it (fixation), and the
	// replaced cookie leaves no live session behind.
	if ck, err := r.Cookie(CookieName); err == nil && ck.Value != "" {
		if err := c.store.DeleteConsoleSession(r.Context(), hash(ck.Value)); err != nil {
			c.fail(w, r, nil, err)
			return
		}
	}
	session := randomToken()
	if err := c.store.CreateConsoleSession(r.Context(), hash(session), m, gen, randomToken(), now, now.Add(SessionTTL)); err != nil {
		c.fail(w, r, nil, err)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: session, Path: "/console/",
		MaxAge: int(SessionTTL / time.Second), HttpOnly: true, Secure: c.secure(r), SameSite: http.SameSiteLaxMode,
	})
	c.log.Info("console sign-in", "member", m.ID, "phone", quiz.MaskPhone(m.Phone), "role", m.Role)
	if err := c.Audit(r.Context(), m, "Đăng nhập", "bằng đường dẫn một lần"); err != nil {
		c.log.Error("console audit", "err", err)
	}
	next := r.PostFormValue("next")
	if !strings.HasPrefix(next, "/console/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		next = "/console/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// mayEnter says whether m may sign in, and stay signed in: an organizer or
// a head, an active judge of some contest's entries, or (for an upload
// link) anyone the entries part lets submit now. judging lists the
// contests m judges, the latest first (Request.Judging).
func (c *Console) mayEnter(ctx context.Context, m quiz.Member) (judging []int64, ok bool, err error) {
	if !m.Active {
		return nil, false, nil
	}
	judging, err = c.store.JudgeContests(ctx, m.ID)
	if err != nil {
		return nil, false, err
	}
	return judging, CanUse(m) || len(judging) > 0 || c.maySubmit(ctx, m), nil
}

// secure says whether the cookie may travel over HTTPS only: the request
// came over HTTPS (directly or through a proxy that says so), or the
// console's address is https.
func (c *Console) secure(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") || strings.HasPrefix(c.base, "https://")
}

// signedIn reads the session of the request: errSignIn without a live one.
func (c *Console) signedIn(hr *http.Request) (*Request, error) {
	ck, err := hr.Cookie(CookieName)
	if err != nil || ck.Value == "" {
		return nil, errSignIn
	}
	h := hash(ck.Value)
	m, csrf, ok, err := c.store.ConsoleSession(hr.Context(), h, c.clock.Now())
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errSignIn
	}
	scope, err := c.scopeOf(hr.Context(), m)
	if err != nil {
		return nil, err
	}
	judging, ok, err := c.mayEnter(hr.Context(), m)
	if err != nil {
		return nil, err
	}
	// Someone demoted, or no longer a judge or a submitter, is signed out.
	if !ok {
		return nil, errSignIn
	}
	return &Request{Request: hr, Member: m, Scope: scope, CSRF: csrf, Judging: judging, session: h}, nil
}

// validCSRF compares the form's csrf field with the session's token.
func validCSRF(r *Request) bool {
	got := r.PostFormValue("csrf")
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(r.CSRF)) == 1
}

// logout ends the session here and everywhere (it lives in PostgreSQL).
func (c *Console) logout(w http.ResponseWriter, r *Request) error {
	if err := c.store.DeleteConsoleSession(r.Context(), r.session); err != nil {
		return fmt.Errorf("sign out: %w", err)
	}
	if err := c.Audit(r.Context(), r.Member, "Đăng xuất", ""); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/console/", MaxAge: -1,
		HttpOnly: true, Secure: c.secure(r.Request), SameSite: http.SameSiteLaxMode})
	c.renderStatus(w, http.StatusOK, "signedout", View{Title: "Đã đăng xuất"})
	return nil
}
