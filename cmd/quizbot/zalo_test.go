package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/url"
	"strings"
	"testing"

	"quizbot/bot/zalo"
	"quizbot/bot/zalo/zalotest"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

func zaloEnv(t *testing.T, fake *zalotest.Fake) (map[string]string, *storage.DB) {
	db, dbURL := storagetest.NewDBURL(t)
	return map[string]string{
		"DATABASE_URL": dbURL, "ZALO_APP_ID": zalotest.AppID, "ZALO_APP_SECRET": zalotest.AppSecret,
		"ZALO_OA_SECRET_KEY": zalotest.OASecretKey, "ZALO_OAUTH_URL": fake.URL(), "ZALO_API_URL": fake.URL(),
	}, db
}

// connect runs `quizbot zalo connect` as an OA admin would: it reads the
// permission URL that quizbot prints, grants access at the fake (which
// issues a code for the URL's challenge), and pastes answer(code, state) on
// stdin. It returns the exit code and the whole output.
func connect(t *testing.T, fake *zalotest.Fake, vars map[string]string, answer func(code, state string) string) (int, string, string) {
	// stdin is the command's; this test is not parallel with another that
	// runs zalo connect.
	inR, inW := io.Pipe()
	old := stdin
	stdin = inR
	t.Cleanup(func() { stdin = old })
	outR, outW := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		code := run(context.Background(), []string{"zalo", "connect", "--redirect-uri", "https://quizbot.example.vn/zalo/connected"},
			func(k string) string { return vars[k] }, outW, &stderr)
		outW.Close()
		done <- code
	}()
	var out strings.Builder
	sc := bufio.NewScanner(outR)
	answered := false
	for sc.Scan() {
		line := sc.Text()
		out.WriteString(line + "\n")
		if strings.HasPrefix(line, fake.URL()+"/v4/oa/permission?") && !answered {
			u, err := url.Parse(line)
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			if q.Get("app_id") != zalotest.AppID || q.Get("redirect_uri") != "https://quizbot.example.vn/zalo/connected" || q.Get("state") == "" {
				t.Fatalf("permission URL %s", line)
			}
			code := fake.Authorize(q.Get("code_challenge"))
			go func() { io.WriteString(inW, answer(code, q.Get("state"))+"\n"); inW.Close() }()
			answered = true
		}
	}
	if !answered {
		inW.Close()
	}
	return <-done, out.String(), stderr.String()
}

func TestZaloConnectStoresThePair(t *testing.T) {
	fake := zalotest.New(t)
	vars, db := zaloEnv(t, fake)
	code, out, errOut := connect(t, fake, vars, func(code, state string) string {
		return "https://quizbot.example.vn/zalo/connected?code=" + code + "&oa_id=" + zalotest.OAID + "&state=" + state
	})
	if code != 0 || !strings.Contains(out, "Đã kết nối OA") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	sealed, err := zalo.SealTokens(db, zalotest.AppSecret)
	if err != nil {
		t.Fatal(err)
	}
	p, ok, err := sealed.ZaloTokens(context.Background(), zalotest.AppID)
	if err != nil || !ok || !fake.Valid(p.AccessToken) {
		t.Fatalf("stored %v %v", ok, err)
	}
	if strings.Contains(out+errOut, p.AccessToken) || strings.Contains(out+errOut, p.RefreshToken) {
		t.Fatal("a token was printed")
	}
	// The database holds them sealed, not as Zalo issued them.
	raw, _, err := db.ZaloTokens(context.Background(), zalotest.AppID)
	if err != nil || raw.AccessToken == p.AccessToken || strings.Contains(raw.AccessToken+raw.RefreshToken, p.RefreshToken) {
		t.Fatalf("stored in the clear: %+v, %v", raw, err)
	}
	// The stored pair is what the client then uses.
	c := zalo.New(zalo.Config{AppID: zalotest.AppID, AppSecret: zalotest.AppSecret, APIURL: fake.URL(), OAuthURL: fake.URL()}, db)
	if _, err := c.Send(context.Background(), "u1", zalo.Message{Text: "Xin chào"}); err != nil || fake.Refreshes() != 0 {
		t.Fatalf("send after connect: %v, %d refreshes", err, fake.Refreshes())
	}

	// The code alone works too, and replaces the pair.
	code, out, errOut = connect(t, fake, vars, func(code, _ string) string { return code })
	if code != 0 {
		t.Fatalf("code alone: exit %d\n%s\n%s", code, out, errOut)
	}
	if p2, _, _ := db.ZaloTokens(context.Background(), zalotest.AppID); p2.AccessToken == p.AccessToken {
		t.Fatal("the pair was not replaced")
	}
}

func TestZaloConnectRefusesAndStoresNothing(t *testing.T) {
	fake := zalotest.New(t)
	vars, db := zaloEnv(t, fake)
	cases := []struct {
		name, want string
		answer     func(code, state string) string
	}{
		{"another state", "state does not match", func(code, _ string) string {
			return "https://quizbot.example.vn/zalo/connected?code=" + code + "&state=forged"
		}},
		{"a wrong code", "refused the OA's authorization code", func(string, string) string { return "not-a-code" }},
		{"nothing", "no authorization code", func(string, string) string { return "https://quizbot.example.vn/zalo/connected?error=access_denied" }},
	}
	for _, tc := range cases {
		code, out, errOut := connect(t, fake, vars, tc.answer)
		if code != 1 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, stderr %q, want %q\n%s", tc.name, code, errOut, tc.want, out)
		}
	}
	if _, ok, err := db.ZaloTokens(context.Background(), zalotest.AppID); ok || err != nil {
		t.Fatalf("stored %v %v", ok, err)
	}
	// Without the Zalo settings, connect says what to set.
	var o, e bytes.Buffer
	if code := run(context.Background(), []string{"zalo", "connect"}, func(k string) string { return map[string]string{"DATABASE_URL": vars["DATABASE_URL"]}[k] }, &o, &e); code != 1 || !strings.Contains(e.String(), "set ZALO_APP_ID") {
		t.Fatalf("without Zalo: %d %q", code, e.String())
	}
}
