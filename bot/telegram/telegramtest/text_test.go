package telegramtest

import (
	"strings"
	"testing"
)

func TestTextLength(t *testing.T) {
	for s, want := range map[string]int{
		"":              0,
		"abc":           3,
		"Thủ đô Hà Nội": 13, // precomposed Vietnamese: one unit each
		"🎉":             2,  // outside the BMP: a surrogate pair
		"a🎉b":           4,
	} {
		if got := TextLength(s); got != want {
			t.Errorf("TextLength(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestParseHTML(t *testing.T) {
	ok := map[string]string{
		"<b>Câu 1/10</b>": "Câu 1/10",
		"<i>a</i> &lt;b&gt; &amp; &quot;x&quot; &#8364;": "a <b> & \"x\" €",
		"a > b":                                         "a > b",
		"AT&T &nbsp;":                                   "AT&T &nbsp;", // unknown entities stay as they are
		`<a href="https://example.org">link</a>`:        "link",
		`<span class="tg-spoiler">s</span>`:             "s",
		`<pre><code class="language-go">x</code></pre>`: "x",
		"<blockquote expandable>q</blockquote>":         "q",
		"<B>upper</B>":                                  "upper",
	}
	for in, want := range ok {
		got, err := parseHTML(in)
		if err != nil || got != want {
			t.Errorf("parseHTML(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := map[string]string{
		"a < b":                    `Unsupported start tag ""`,
		"<br>":                     `Unsupported start tag "br"`,
		"<b>bold":                  `Can't find end tag corresponding to start tag "b"`,
		"<b><i>x</b></i>":          `Unmatched end tag at byte offset 7, expected "</i>", found "</b>"`,
		"x</b>":                    "Unexpected end tag at byte offset 1",
		"<b":                       "Unclosed start tag at byte offset 0",
		`<span class="x">s</span>`: `Tag "span" must have class "tg-spoiler"`,
	}
	for in, want := range bad {
		_, err := parseHTML(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseHTML(%q) error = %v, want %q", in, err, want)
		}
	}
}

func TestParseMarkdown(t *testing.T) {
	ok := map[string]string{
		"*bold* _it_ `code`":        "bold it code",
		"[site](https://x.org/a_b)": "site",
		"```go\nfmt.Println()\n```": "fmt.Println()\n",
		`snake\_case 2\*2`:          "snake_case 2*2",
		"Kết quả: 8/10. (tốt!)":     "Kết quả: 8/10. (tốt!)",
	}
	for in, want := range ok {
		got, err := parseMarkdown(in)
		if err != nil || got != want {
			t.Errorf("parseMarkdown(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"*open", "user_name", "`x", "[x](y"} {
		if _, err := parseMarkdown(in); err == nil || !strings.Contains(err.Error(), "Can't find end of the entity") {
			t.Errorf("parseMarkdown(%q) error = %v", in, err)
		}
	}
}

func TestParseMarkdownV2(t *testing.T) {
	ok := map[string]string{
		`*Câu 1/10*`:                              "Câu 1/10",
		`Kết quả: 8/10\. \(tốt\!\)`:               "Kết quả: 8/10. (tốt!)",
		"__u__ ~s~ ||sp|| _i_":                    "u s sp i",
		"[a\\.b](https://x.org/\\)y)":             "a.b",
		"`a.b-c`":                                 "a.b-c",
		"```\nx = 1.0\n```":                       "x = 1.0\n",
		">quote\n>more":                           "quote\nmore",
		"*bold _italic bold_ bold*":               "bold italic bold bold",
		"![👍](tg://emoji?id=5368324170671202286)": "👍",
	}
	for in, want := range ok {
		got, err := parseMarkdownV2(in)
		if err != nil || got != want {
			t.Errorf("parseMarkdownV2(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := map[string]string{
		"8/10.":      "Character '.' is reserved",
		"a-b":        "Character '-' is reserved",
		"(x)":        "Character '(' is reserved",
		"a > b":      "Character '>' is reserved",
		"*open":      "Can't find end of Bold entity at byte offset 0",
		"x _open":    "Can't find end of Italic entity at byte offset 2",
		"`code":      "Can't find end of Code entity",
		"[text](url": "Can't find end of TextUrl entity",
	}
	for in, want := range bad {
		_, err := parseMarkdownV2(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseMarkdownV2(%q) error = %v, want %q", in, err, want)
		}
	}
}

func TestSpecChecks(t *testing.T) {
	s := loadSpec()
	if s.Version == "" || len(s.Methods) < 100 || len(s.Types) < 100 {
		t.Fatalf("embedded spec looks empty: %q, %d methods, %d types", s.Version, len(s.Methods), len(s.Types))
	}
	for _, m := range []string{"getMe", "setWebhook", "deleteWebhook", "getWebhookInfo", "getUpdates", "sendMessage",
		"editMessageText", "editMessageReplyMarkup", "answerCallbackQuery", "sendDocument", "deleteMessage",
		"setMyCommands", "sendChatAction"} {
		if _, ok := s.Methods[m]; !ok {
			t.Errorf("spec lacks %s", m)
		}
	}
	if canon, ok := s.method("EDITMESSAGETEXT"); !ok || canon != "editMessageText" {
		t.Errorf("method lookup is case-insensitive: %q %v", canon, ok)
	}

	markup := []string{"InlineKeyboardMarkup", "ReplyKeyboardMarkup", "ReplyKeyboardRemove", "ForceReply"}
	for in, want := range map[string]string{
		`{"inline_keyboard":[[{"text":"A","callback_data":"a"}]]}`:                        "",
		`{"keyboard":[[{"text":"Share","request_contact":true}]],"resize_keyboard":true}`: "",
		`{"remove_keyboard":true}`: "",
		`{"force_reply":true,"input_field_placeholder":"Số dự đoán"}`: "",
		`{"inline_keyboard":[[{"text":"A","callback_data":1}]]}`:      "", // numbers pass as strings, as on Telegram
		`{"keyboard":[[{"txt":"Share"}]]}`:                            `unknown field "txt"`,
		`{"inline_keyboard":[{"text":"A"}]}`:                          "must be an array",
		`[]`:                                                          "must be a JSON object",
	} {
		err := s.checkValue("reply_markup", in, markup, nil, nil)
		if (err == nil) != (want == "") || (err != nil && !strings.Contains(err.Error(), want)) {
			t.Errorf("checkValue(%s) = %v, want %q", in, err, want)
		}
	}
	// Union types: a BotCommandScope is any of its members.
	if err := s.checkValue("scope", `{"type":"chat","chat_id":42}`, []string{"BotCommandScope"}, nil, nil); err != nil {
		t.Errorf("BotCommandScopeChat: %v", err)
	}
	if err := s.checkValue("scope", `{"type":"chat","chat":42}`, []string{"BotCommandScope"}, nil, nil); err == nil {
		t.Error("misspelt BotCommandScope field accepted")
	}
}

func TestMarkupNormalisation(t *testing.T) {
	// go-telegram sends "copy_text":{"text":""} on every inline button: it
	// neither counts as the button's action nor shows in the echoed markup.
	m, err := parseMarkup(`{"inline_keyboard":[[{"text":"A","callback_data":"a","copy_text":{"text":""},"pay":false}]]}`, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"inline_keyboard":[[{"callback_data":"a","text":"A"}]]}`; m.canonical != want {
		t.Fatalf("canonical = %s, want %s", m.canonical, want)
	}
	if _, err := parseMarkup(`{"inline_keyboard":[[{"text":"A","copy_text":{"text":""}}]]}`, 1, nil); err == nil {
		t.Fatal("a button whose only action is an empty copy_text was accepted")
	}
	if _, err := parseMarkup(`{"inline_keyboard":[[{"text":"Copy","copy_text":{"text":"MÃ-123"}}]]}`, 1, nil); err != nil {
		t.Fatalf("copy_text button: %v", err)
	}
}
