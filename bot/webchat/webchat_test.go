package webchat_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"quizbot/bot/webchat"
	"quizbot/quiz"
)

var testNow = time.Date(2026, 11, 2, 9, 0, 0, 0, time.FixedZone("ICT", 7*3600))

// TestWebChatQuiz takes a whole quiz through the JSON API, as the page does:
// pick a member, /start, share the contact, the menu, the rules, three
// questions (two right), the prediction, the result.
func TestWebChatQuiz(t *testing.T) {
	clock := quiz.NewFakeClock(testNow)
	f := newFixture(t, clock)
	b := f.browser(t)

	// The page and the sample list: active members only, by unit then
	// name, and no phone numbers.
	resp, err := http.Get(f.srv.URL + "/chat")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "Chọn một cán bộ để dùng thử") ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /chat: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// Names in the Vietnamese order (Đ after D, before N), though the test
	// database's collation is C (byte order would put Đặng last).
	want := []string{
		"Đặng Quang Huy | Chuyên viên phòng Tổ chức, biên chế | Sở Nội vụ | Thành viên",
		"Nguyễn Văn An | Chuyên viên | Sở Nội vụ | Thành viên",
		"Phạm Thị Thu Hà | Giám đốc | Sở Nội vụ | Lãnh đạo đơn vị",
		"Trần Thị Bình | Phó Trưởng phòng | Sở Nội vụ | Ban Tổ chức",
		"Lê Văn Cường | Công chức Văn phòng | UBND huyện Hòa Bình | Thành viên",
	}
	if names := b.members(""); !slices.Equal(names, want) {
		t.Fatalf("sample members:\n got %q\nwant %q", names, want)
	}

	// No session yet: the API says so.
	if st := b.do("GET", "/chat/api/messages?wait=0", "", nil, nil); st != http.StatusUnauthorized {
		t.Fatalf("poll without session: %d, want 401", st)
	}

	an := f.members["Nguyễn Văn An"]
	req, _ := http.NewRequest("POST", f.srv.URL+"/chat/api/session", strings.NewReader(fmt.Sprintf(`{"member_id":%d}`, an)))
	req.Header.Set("Content-Type", "application/json")
	resp, err = b.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "quizbot_webchat" {
			cookie = c
		}
	}
	if resp.StatusCode != 200 || cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode {
		t.Fatalf("pick member: status %d, cookie %+v: want an HttpOnly SameSite=Strict session cookie", resp.StatusCode, cookie)
	}

	b.event(webchat.EventRequest{Kind: "command", Text: "/start"})
	b.wantLast("Để tham gia, anh/chị vui lòng bấm nút")
	if b.kb.Contact != "📱 Chia sẻ số điện thoại" {
		t.Fatalf("keyboard after /start: %+v", b.kb)
	}
	if first := b.msgs[b.order[0]]; first.From != "user" || first.Text != "/start" {
		t.Fatalf("the person's own message is not shown first: %+v", first)
	}

	b.event(webchat.EventRequest{Kind: "contact"})
	b.wantLast("✅ Xác thực thành công!\nXin chào Nguyễn Văn An, Chuyên viên – Sở Nội vụ.")
	if !slices.EqualFunc(b.kb.Menu, [][]string{{"📝 Vào thi", "ℹ️ Hướng dẫn"}}, slices.Equal) || b.kb.Contact != "" {
		t.Fatalf("keyboard after verification: %+v", b.kb)
	}
	var ext string
	if err := f.db.GetContext(context.Background(), &ext,
		`SELECT external_id FROM identities WHERE member_id = $1 AND platform = 'web'`, an); err != nil {
		t.Fatalf("web identity: %v", err)
	}
	if ext != fmt.Sprintf("web-%d", an) {
		t.Fatalf("web identity external id %q", ext)
	}

	b.event(webchat.EventRequest{Kind: "text", Text: "📝 Vào thi"})
	rules := b.wantLast("📝 Đợt 1 – Tìm hiểu cải cách hành chính năm 2026")
	for _, s := range []string{"Số câu hỏi: 3", "Thời gian làm bài: 10 phút", "Lượt thi còn lại: 1/1", "câu hỏi dự đoán"} {
		if !strings.Contains(rules.Text, s) {
			t.Errorf("rules %q lack %q", rules.Text, s)
		}
	}
	b.tap(rules, "▶️ Bắt đầu làm bài")
	if m := b.msgs[rules.ID]; m.Text != "Bài thi đã bắt đầu. Chúc anh/chị làm bài tốt!" || len(m.Buttons) != 0 || m.Version <= rules.Version {
		t.Fatalf("rules message not edited after start: %+v", m)
	}

	var answered []webchat.Message
	for k := 1; k <= perAttempt; k++ {
		clock.Advance(20 * time.Second)
		q := b.wantLast(fmt.Sprintf("Câu %d/3\n", k))
		if !strings.Contains(q.Text, "⏱ Thời gian còn lại:") || len(q.Buttons) != 1 {
			t.Fatalf("question message: %+v", q)
		}
		l := pickLetter(t, q.Text, k != 2) // the second one wrong
		if toast := b.tap(q, l); toast != "Đã ghi nhận: "+l {
			t.Fatalf("toast %q", toast)
		}
		b.sync()
		edited := b.msgs[q.ID]
		if !strings.HasSuffix(edited.Text, "☑️ Anh/chị chọn: "+l) || len(edited.Buttons) != 0 || edited.Version <= q.Version {
			t.Fatalf("question %d not edited after the tap: %+v", k, edited)
		}
		answered = append(answered, q)
	}

	// The prediction: anything but a whole number is asked again.
	b.wantLast("❓ Câu hỏi dự đoán: " + fixturePrediction)
	b.event(webchat.EventRequest{Kind: "text", Text: "khoảng 100"})
	b.wantLast("Vui lòng trả lời bằng một số nguyên không âm")
	b.event(webchat.EventRequest{Kind: "text", Text: "1.500"})
	res := b.wantLast("🎉 Anh/chị đã hoàn thành bài thi!\nKết quả: 2/3 câu đúng\nThời gian làm bài: 1 phút 00 giây\nDự đoán: 1.500")
	if !slices.EqualFunc(b.kb.Menu, [][]string{{"📝 Vào thi", "ℹ️ Hướng dẫn"}}, slices.Equal) {
		t.Fatalf("keyboard with the result: %+v", b.kb)
	}

	// A late double tap on an answered question is answered, harmlessly.
	q1 := answered[0]
	toast := b.event(webchat.EventRequest{Kind: "callback", Data: q1.Buttons[0][0].Data, MessageID: q1.ID})
	if toast == "" || strings.HasPrefix(toast, "Đã ghi nhận") {
		t.Fatalf("late tap toast %q", toast)
	}
	if got := b.last(); got.ID != res.ID {
		t.Fatalf("a late tap produced a message: %+v", got)
	}
	var correct, total int
	if err := f.db.QueryRowContext(context.Background(),
		`SELECT correct, total FROM attempts WHERE member_id = $1 AND submitted_at IS NOT NULL`, an).Scan(&correct, &total); err != nil {
		t.Fatalf("attempt: %v", err)
	}
	if correct != 2 || total != 3 {
		t.Fatalf("stored attempt %d/%d, want 2/3", correct, total)
	}

	// Past the attempts, /thi shows the result instead.
	b.event(webchat.EventRequest{Kind: "command", Text: "/thi"})
	b.wantLast("Kết quả được tính: 2/3 câu đúng")
}

// TestWebChatPreviewAgain picks the same member in two browser sessions:
// the web account is stable per member, so verifying again works instead of
// being refused as a second account.
func TestWebChatPreviewAgain(t *testing.T) {
	f := newFixture(t, quiz.NewFakeClock(testNow))
	id := f.members["Lê Văn Cường"]
	for i := range 2 {
		b := f.browser(t)
		b.pick(id)
		b.event(webchat.EventRequest{Kind: "command", Text: "/start"})
		b.event(webchat.EventRequest{Kind: "contact"})
		if m := b.last(); !strings.Contains(m.Text, "✅ Xác thực thành công!") {
			t.Fatalf("session %d: verification answered %q", i+1, m.Text)
		}
	}
	var n int
	if err := f.db.GetContext(context.Background(), &n, `SELECT count(*) FROM identities WHERE member_id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("%d identities for the member, want 1", n)
	}
}

// TestWebChatBadRequests checks that malformed input is refused with a
// clear 400 (or 401/404/415) and changes nothing.
func TestWebChatBadRequests(t *testing.T) {
	f := newFixture(t, quiz.NewFakeClock(testNow))
	anon := f.browser(t)
	if st := anon.post("/chat/api/event", webchat.EventRequest{Kind: "command", Text: "/start"}, nil); st != http.StatusUnauthorized {
		t.Fatalf("event without session: %d", st)
	}
	b := f.browser(t)
	for _, tc := range []struct {
		body, want string
		status     int
	}{
		{`{"member_id": 0}`, "member_id must be", 400},
		{`{"member_id": 999999}`, "Không tìm thấy", 404},
		{fmt.Sprintf(`{"member_id": %d}`, f.members["Phạm Thị Dung"]), "Không tìm thấy", 404}, // inactive
		{`{"member_id": "x"}`, "bad JSON", 400},
	} {
		var out struct{ Error string }
		if st := b.do("POST", "/chat/api/session", "application/json", []byte(tc.body), &out); st != tc.status || !strings.Contains(out.Error, tc.want) {
			t.Errorf("session %s: %d %q, want %d %q", tc.body, st, out.Error, tc.status, tc.want)
		}
	}

	b.pick(f.members["Nguyễn Văn An"])
	b.event(webchat.EventRequest{Kind: "command", Text: "/start"})
	start := b.last()
	before := b.version

	big := `{"kind":"text","text":"` + strings.Repeat("a", 20000) + `"}`
	long := `{"kind":"text","text":"` + strings.Repeat("á", 4097) + `"}`
	for _, tc := range []struct {
		name, ctype, body, want string
		status                  int
	}{
		{"bad json", "application/json", `{"kind":`, "bad JSON", 400},
		{"two objects", "application/json", `{"kind":"text","text":"a"}{}`, "one object expected", 400},
		{"unknown field", "application/json", `{"kind":"text","txt":"a"}`, "unknown field", 400},
		{"unknown kind", "application/json", `{"kind":"photo"}`, `unknown kind "photo"`, 400},
		{"no kind", "application/json", `{}`, `unknown kind ""`, 400},
		{"oversized", "application/json", big, "larger than", 400},
		{"too long text", "application/json", long, "longer than 4096", 400},
		{"empty text", "application/json", `{"kind":"text","text":"  "}`, "text is empty", 400},
		{"command without slash", "application/json", `{"kind":"command","text":"start"}`, "must start with a slash", 400},
		{"bare slash", "application/json", `{"kind":"command","text":"/"}`, "a slash and a word", 400},
		{"callback without message", "application/json", `{"kind":"callback","data":"s:1"}`, "message_id", 400},
		{"forged callback", "application/json", fmt.Sprintf(`{"kind":"callback","data":"s:1","message_id":%d}`, start.ID), "no such button", 400},
		{"callback on unknown message", "application/json", `{"kind":"callback","data":"s:1","message_id":9999}`, "no such button", 400},
		{"long data", "application/json", fmt.Sprintf(`{"kind":"callback","data":"%s","message_id":%d}`, strings.Repeat("1", 65), start.ID), "1-64 bytes", 400},
		{"form post", "application/x-www-form-urlencoded", `kind=text&text=a`, "application/json", 415},
	} {
		var out struct{ Error string }
		st := b.do("POST", "/chat/api/event", tc.ctype, []byte(tc.body), &out)
		if st != tc.status || !strings.Contains(out.Error, tc.want) {
			t.Errorf("%s: %d %q, want %d with %q", tc.name, st, out.Error, tc.status, tc.want)
		}
	}
	for _, q := range []string{"after=-1", "after=x", "wait=26", "wait=-1"} {
		if st := b.do("GET", "/chat/api/messages?"+q, "", nil, nil); st != 400 {
			t.Errorf("messages?%s: %d, want 400", q, st)
		}
	}
	if got := b.sync(); len(got) != 0 || b.version != before {
		t.Fatalf("bad requests changed the chat: version %d→%d, %+v", before, b.version, got)
	}
}

// TestWebChatLongPoll checks that a waiting poll returns as soon as the bot
// says something, not at its timeout.
func TestWebChatLongPoll(t *testing.T) {
	f := newFixture(t, quiz.NewFakeClock(testNow))
	b := f.browser(t)
	b.pick(f.members["Nguyễn Văn An"])
	b.sync()

	type result struct {
		p       webchat.Poll
		status  int
		elapsed time.Duration
	}
	done := make(chan result, 1)
	go func() {
		start := time.Now()
		var p webchat.Poll
		st := b.do("GET", fmt.Sprintf("/chat/api/messages?after=%d", b.version), "", nil, &p)
		done <- result{p, st, time.Since(start)}
	}()
	// The event goes through another client with the same cookie, as a
	// second tab would.
	tab := f.browser(t)
	tab.hc.Jar = b.hc.Jar
	tab.event(webchat.EventRequest{Kind: "command", Text: "/start"})
	r := <-done
	if r.status != 200 || len(r.p.Messages) == 0 || r.elapsed > 20*time.Second {
		t.Fatalf("long poll: status %d after %s, %d messages", r.status, r.elapsed, len(r.p.Messages))
	}

	// A page that knows a later version than the server (a restart) is
	// told to reset, and gets everything.
	var p webchat.Poll
	if st := b.do("GET", "/chat/api/messages?after=1000&wait=0", "", nil, &p); st != 200 || !p.Reset || len(p.Messages) != 2 {
		t.Fatalf("reset poll: %d %+v", st, p)
	}
}

// TestWebChatSearch finds sample members as a person types, with or without
// diacritics and in any case, by name, position or unit, every word
// counting; inactive members never.
func TestWebChatSearch(t *testing.T) {
	f := newFixture(t, quiz.NewFakeClock(testNow))
	b := f.browser(t)
	huy := "Đặng Quang Huy | Chuyên viên phòng Tổ chức, biên chế | Sở Nội vụ | Thành viên"
	cuong := "Lê Văn Cường | Công chức Văn phòng | UBND huyện Hòa Bình | Thành viên"
	cases := []struct {
		q    string
		want []string
	}{
		{"dang quang huy", []string{huy}},
		{"  DANG   QUANG  ", []string{huy}},
		{"Đặng Quang Huy", []string{huy}},
		{"ĐẶNG", []string{huy}},
		{"huy dang", []string{huy}}, // words in any order
		{"to chuc bien che", []string{huy}},
		{"cuong hoa binh", []string{cuong}},
		{"hòa bình", []string{cuong}},
		{"ha giam doc", []string{"Phạm Thị Thu Hà | Giám đốc | Sở Nội vụ | Lãnh đạo đơn vị"}},
		{"dung", nil}, // Phạm Thị Dung has left the roster
		{"huy xyz", nil},
		{"%", nil}, // no pattern characters
		{"_", nil},
	}
	for _, tc := range cases {
		if got := b.members(tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("search %q:\n got %q\nwant %q", tc.q, got, tc.want)
		}
	}
	var out struct{ Error string }
	if st := b.do("GET", "/chat/api/members?q="+strings.Repeat("a", 101), "", nil, &out); st != http.StatusBadRequest || !strings.Contains(out.Error, "tối đa 100 ký tự") {
		t.Errorf("101-character search: %d %q", st, out.Error)
	}
}
