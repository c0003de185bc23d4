package chat_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"quizbot/console"
	"quizbot/storage/storagetest"
)

// /quantri gives organizers and heads a one-time link to the web console
// (the menu's "🖥 Trang quản trị" too) that signs them in once; a plain
// member is told the console is not for them.
func TestConsoleLinkFlow(t *testing.T) {
	eachPlatform(t, storagetest.SeedOptions{}, func(t *testing.T, r *rig) {
		cons, err := console.New(r.db, r.clock, slog.New(slog.NewTextHandler(r.logs, nil)), "https://thi.example.gov.vn")
		if err != nil {
			t.Fatal(err)
		}
		r.bot.UseConsole(cons)
		mux := http.NewServeMux()
		cons.Routes(mux)
		an, chi, dung := r.user("an"), r.user("chi"), r.user("dung")
		r.verify(an)
		r.verify(chi)
		r.verify(dung)

		an.Command("quantri")
		if m := an.Last(); m.Text != "Xin lỗi, trang quản trị chỉ dành cho Ban Tổ chức cuộc thi và thủ trưởng các đơn vị." {
			t.Errorf("a member's /quantri: %q", m.Text)
		}
		linkRE := regexp.MustCompile(`https://thi\.example\.gov\.vn/console/login\?token=[A-Za-z0-9_-]{43}`)
		chi.Command("quantri")
		if r.caps.Menu {
			dung.Type("🖥 Trang quản trị")
		} else {
			dung.Command("quantri")
		}
		for _, u := range []struct {
			name, text string
		}{{"the head", chi.Last().Text}, {"the organizer", dung.Last().Text}} {
			link := linkRE.FindString(u.text)
			if link == "" || !strings.HasPrefix(u.text, "🖥 Đường dẫn đăng nhập trang quản trị (chỉ dùng được một lần, trong 10 phút") {
				t.Fatalf("%s's /quantri: %q", u.name, u.text)
			}
			token := link[strings.Index(link, "token=")+len("token="):]
			for i, want := range []int{http.StatusSeeOther, http.StatusGone} {
				rec := httptest.NewRecorder()
				req := httptest.NewRequest(http.MethodPost, "/console/login", strings.NewReader("token="+token))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				mux.ServeHTTP(rec, req)
				if rec.Code != want {
					t.Errorf("%s's link, opening %d: %d, want %d", u.name, i+1, rec.Code, want)
				}
			}
		}
	})
}
