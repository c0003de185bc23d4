package webchat_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"quizbot/bot/chat"
	"quizbot/bot/webchat"
	"quizbot/internal/testlog"
	"quizbot/quiz"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

// The fixture's roster and question bank, seeded by storagetest.Seed in
// place of its default ones; members are keyed by name.
var fixtureUnits = []storagetest.SeedUnit{{Code: "SNV", Name: "Sở Nội vụ"}, {Code: "UBND-HB", Name: "UBND huyện Hòa Bình"}}

var fixtureMembers = []storagetest.SeedMember{
	{Key: "Nguyễn Văn An", Name: "Nguyễn Văn An", Phone: "0912345678", Unit: "SNV", Position: "Chuyên viên"},
	{Key: "Trần Thị Bình", Name: "Trần Thị Bình", Phone: "0987654321", Unit: "SNV", Position: "Phó Trưởng phòng", Role: quiz.RoleOrganizer},
	{Key: "Lê Văn Cường", Name: "Lê Văn Cường", Phone: "0903111222", Unit: "UBND-HB", Position: "Công chức Văn phòng"},
	{Key: "Phạm Thị Dung", Name: "Phạm Thị Dung", Phone: "0977000111", Unit: "UBND-HB", Position: "Chuyên viên", Inactive: true},
	{Key: "Phạm Thị Thu Hà", Name: "Phạm Thị Thu Hà", Phone: "0394449672", Unit: "SNV", Position: "Giám đốc", Role: quiz.RoleHead},
	{Key: "Đặng Quang Huy", Name: "Đặng Quang Huy", Phone: "0365540484", Unit: "SNV", Position: "Chuyên viên phòng Tổ chức, biên chế"},
}

var fixtureQuestions = []quiz.Question{
	{Code: "Q01", Text: "Cơ quan nào tham mưu UBND tỉnh về công tác cải cách hành chính?",
		Options: []string{"Sở Nội vụ", "Sở Tài chính", "Sở Tư pháp", "Sở Xây dựng"}, Correct: 0},
	{Code: "Q02", Text: "Bộ phận Một cửa có nhiệm vụ gì?",
		Options: []string{"Xét xử các vụ án hành chính", "Tiếp nhận hồ sơ và trả kết quả thủ tục hành chính", "Ban hành văn bản quy phạm pháp luật"}, Correct: 1},
	{Code: "Q03", Text: "Chỉ số đo lường sự hài lòng của người dân đối với sự phục vụ của cơ quan hành chính nhà nước là chỉ số nào?",
		Options: []string{"PCI", "PAPI", "SIPAS", "PAR INDEX"}, Correct: 2},
	{Code: "Q04", Text: "Dịch vụ công trực tuyến toàn trình là gì?",
		Options: []string{"Chỉ tra cứu thông tin thủ tục trên mạng", "Nộp hồ sơ giấy tại Bộ phận Một cửa", "Nộp hồ sơ, xử lý và nhận kết quả hoàn toàn trên môi trường mạng"}, Correct: 2},
}

const (
	fixturePrediction = "Theo anh/chị, đợt thi này có bao nhiêu người dự thi?"
	perAttempt        = 3
)

// correctOf maps each question's text to its right option's text.
func correctOf() map[string]string {
	m := map[string]string{}
	for _, q := range fixtureQuestions {
		m[q.Text] = q.Options[q.Correct]
	}
	return m
}

type fixture struct {
	db      *storage.DB
	srv     *httptest.Server
	web     *webchat.WebChat
	members map[string]int64 // by name
	logs    *testlog.Buffer
}

// newFixture seeds a contest whose round 1 is open at now, and serves the
// web chat over the real stack: Postgres, Redis, quiz.Service, chat.Bot.
func newFixture(t *testing.T, clock quiz.Clock) *fixture {
	t.Helper()
	db := storagetest.NewDB(t)
	rdb := storagetest.NewRedis(t)
	f := &fixture{db: db, members: map[string]int64{}, logs: &testlog.Buffer{}}
	seeded := storagetest.Seed(t, db, storagetest.SeedOptions{
		Now:                 clock.Now(),
		ContestName:         "Tìm hiểu cải cách hành chính năm 2026",
		Units:               fixtureUnits,
		Members:             fixtureMembers,
		Bank:                fixtureQuestions,
		QuestionsPerAttempt: perAttempt,
		Prediction:          fixturePrediction,
	})
	for name, m := range seeded.Members {
		f.members[name] = m.ID
	}

	log := slog.New(slog.NewTextHandler(io.MultiWriter(f.logs, t.Output()), nil))
	sessions := storage.NewSessions(rdb)
	svc := quiz.NewService(db, sessions, clock)
	conv := chat.New(svc, db, log)
	conv.UseLedger(sessions) // as serve does
	f.web = webchat.New(conv, db, log)
	mux := http.NewServeMux()
	f.web.Routes(mux)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	t.Cleanup(func() {
		// Phone numbers never reach the logs, masked or not.
		for _, m := range fixtureMembers {
			if strings.Contains(f.logs.String(), m.Phone) {
				t.Errorf("logs contain the phone of %s", m.Name)
			}
		}
	})
	return f
}

// browser is one web chat user: a cookie jar and what it has seen so far.
type browser struct {
	t       *testing.T
	base    string
	hc      *http.Client
	version int64
	msgs    map[int64]webchat.Message
	order   []int64
	kb      webchat.Keyboard
}

func (f *fixture) browser(t *testing.T) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, base: f.srv.URL, hc: &http.Client{Jar: jar, Timeout: time.Minute}, msgs: map[int64]webchat.Message{}}
}

// do sends a request and decodes the JSON answer into out (when not nil);
// it returns the status.
func (b *browser) do(method, path, contentType string, body []byte, out any) int {
	b.t.Helper()
	req, err := http.NewRequest(method, b.base+path, bytes.NewReader(body))
	if err != nil {
		b.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := b.hc.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			b.t.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode
}

func (b *browser) post(path string, v any, out any) int {
	b.t.Helper()
	body, err := json.Marshal(v)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do("POST", path, "application/json", body, out)
}

func (b *browser) pick(memberID int64) {
	b.t.Helper()
	if st := b.post("/chat/api/session", map[string]any{"member_id": memberID}, nil); st != http.StatusOK {
		b.t.Fatalf("pick member %d: status %d", memberID, st)
	}
}

// members lists the picker's members for the search q ("" for the first
// ones) as "name | position | unit | role".
func (b *browser) members(q string) []string {
	b.t.Helper()
	var list struct {
		Members []struct {
			ID                         int64
			Name, Position, Unit, Role string
		}
	}
	if st := b.do("GET", "/chat/api/members?q="+url.QueryEscape(q), "", nil, &list); st != http.StatusOK {
		b.t.Fatalf("members %q: status %d", q, st)
	}
	var names []string
	for _, m := range list.Members {
		names = append(names, m.Name+" | "+m.Position+" | "+m.Unit+" | "+m.Role)
	}
	return names
}

// event posts an event that must succeed and returns its toast.
func (b *browser) event(ev webchat.EventRequest) string {
	b.t.Helper()
	var out struct {
		Toast string `json:"toast"`
		Error string `json:"error"`
	}
	if st := b.post("/chat/api/event", ev, &out); st != http.StatusOK {
		b.t.Fatalf("event %+v: status %d: %s", ev, st, out.Error)
	}
	return out.Toast
}

// sync fetches what changed since the last poll, without waiting: every
// event has been fully handled by the time its request returns.
func (b *browser) sync() []webchat.Message {
	b.t.Helper()
	var p webchat.Poll
	if st := b.do("GET", fmt.Sprintf("/chat/api/messages?after=%d&wait=0", b.version), "", nil, &p); st != http.StatusOK {
		b.t.Fatalf("poll: status %d", st)
	}
	b.apply(p)
	return p.Messages
}

func (b *browser) apply(p webchat.Poll) {
	if p.Reset {
		b.msgs, b.order = map[int64]webchat.Message{}, nil
	}
	for _, m := range p.Messages {
		if _, ok := b.msgs[m.ID]; !ok {
			b.order = append(b.order, m.ID)
		}
		b.msgs[m.ID] = m
	}
	b.version, b.kb = p.Version, p.Keyboard
}

// last returns the newest bot message, after a sync.
func (b *browser) last() webchat.Message {
	b.t.Helper()
	b.sync()
	for i := len(b.order) - 1; i >= 0; i-- {
		if m := b.msgs[b.order[i]]; m.From == "bot" {
			return m
		}
	}
	b.t.Fatal("no bot message yet")
	return webchat.Message{}
}

func (b *browser) wantLast(substr string) webchat.Message {
	b.t.Helper()
	m := b.last()
	if !strings.Contains(m.Text, substr) {
		b.t.Fatalf("last bot message %q does not contain %q", m.Text, substr)
	}
	return m
}

// tap presses the inline button labelled label on message m, and syncs.
func (b *browser) tap(m webchat.Message, label string) string {
	b.t.Helper()
	for _, row := range m.Buttons {
		for _, bt := range row {
			if bt.Text == label {
				toast := b.event(webchat.EventRequest{Kind: "callback", Data: bt.Data, MessageID: m.ID})
				b.sync()
				return toast
			}
		}
	}
	b.t.Fatalf("message %d has no button %q: %+v", m.ID, label, m.Buttons)
	return ""
}

var questionRe = regexp.MustCompile(`^Câu (\d+)/(\d+)\n(.*)\n`)

// letters parses a question message: its question text and the letter of
// each option text.
func letters(t *testing.T, text string) (question string, byOption map[string]string) {
	t.Helper()
	m := questionRe.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("not a question message: %q", text)
	}
	byOption = map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		if len(line) > 3 && line[1] == '.' && line[2] == ' ' && line[0] >= 'A' && line[0] <= 'F' {
			byOption[line[3:]] = line[:1]
		}
	}
	return m[3], byOption
}

// pickLetter returns the letter of the right option, or of a wrong one.
func pickLetter(t *testing.T, text string, right bool) string {
	t.Helper()
	q, byOption := letters(t, text)
	want, ok := correctOf()[q]
	if !ok {
		t.Fatalf("unknown question %q", q)
	}
	for opt, l := range byOption {
		if (opt == want) == right {
			return l
		}
	}
	t.Fatalf("no suitable option in %q", text)
	return ""
}
