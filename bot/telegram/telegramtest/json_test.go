package telegramtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"
)

var jsonSeeds = []string{
	`{"chat_id":42,"text":"Câu 1","reply_markup":{"inline_keyboard":[[{"text":"A","callback_data":"a:1","copy_text":{"text":""}}]]}}`,
	`{"a":1,"a":null,"b":[1,2.5e-3,-0,true,false,null,{}],"c":"\u003cb\u003e \ud83c\udf89 \ud800 \"q\" \\ \/ \b\f\n\r\t"}`,
	`  {"x" : [ ] , "y" : { } }  `, `[]`, `null`, `"s"`, `-12.5E+3`, `0`, `01`, `1.`, `.5`, `-`, `1e`, `{"a":1,}`, `[1,]`,
	`{"a" 1}`, `{a:1}`, `{"a":1}}`, `{"a":1} x`, `tru`, `nul`, "\"\x01\"", "\"\xff\xfe\"", `"\u12"`, `"\x"`, `{"a":"b`, ``,
	`{"k":"ệ\u2028"}`, `[[[[]]]]`, `{"":""}`,
}

// FuzzParseJSON: the fake's decoder accepts what encoding/json accepts and
// reads the same values.
func FuzzParseJSON(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkParseJSON(t, s)
	})
}

func TestParseJSONSeeds(t *testing.T) {
	for _, s := range jsonSeeds {
		checkParseJSON(t, s)
	}
}

func checkParseJSON(t *testing.T, s string) {
	t.Helper()
	d, err := parseJSON(s)
	if valid := json.Valid([]byte(s)); valid != (err == nil) {
		t.Fatalf("parseJSON(%q): %v, json.Valid %v", s, err, valid)
	}
	if err != nil {
		return
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var want any
	if err := dec.Decode(&want); err != nil {
		t.Fatal(err)
	}
	if got := toAny(jval{d, 0}); !reflect.DeepEqual(got, want) {
		t.Fatalf("parseJSON(%q) = %#v, want %#v", s, got, want)
	}
	// Canonical form: encoding/json's encoding of the decoded value.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(want)
	if got, _ := appendCanonical(nil, jval{d, 0}, false); string(got) != strings.TrimSpace(buf.String()) {
		t.Fatalf("appendCanonical(%q) = %s, want %s", s, got, buf.String())
	}
}

// toAny converts a decoded value to what encoding/json decodes (UseNumber).
func toAny(v jval) any {
	n := v.node()
	switch n.kind {
	case jNull:
		return nil
	case jFalse:
		return false
	case jTrue:
		return true
	case jNumber:
		return json.Number(n.str)
	case jString:
		return n.str
	case jArray:
		out := []any{}
		v.children(func(c jval) bool { out = append(out, toAny(c)); return true })
		return out
	}
	out := map[string]any{}
	v.children(func(c jval) bool { out[c.node().key] = toAny(c); return true })
	return out
}

func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "plain", "Câu 1/10\nThủ đô?", "<b>&</b>", "\"\\\b\f\n\r\t\x00\x1f\x7f", "\xff\xc3", "\u2028\u2029", "🎉"} {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(s)
		if got := string(appendJSONString(nil, s)); got != strings.TrimSpace(buf.String()) {
			t.Errorf("appendJSONString(%q) = %s, want %s", s, got, buf.String())
		}
	}
}

// TestDropZero: the canonical markup drops what the real server drops.
func TestDropZero(t *testing.T) {
	for in, want := range map[string]string{
		`{"a":"","b":false,"c":0,"d":null,"e":{"f":""},"g":[{"h":""},1,"",[]],"i":0.0,"j":"0"}`: `{"g":[{},1,{},[]],"i":0.0,"j":"0"}`,
		`{"a":""}`: `null`,
	} {
		v, err := decodeJSON(in)
		if err != nil {
			t.Fatal(err)
		}
		got, dropped := appendCanonical(nil, v, true)
		if dropped {
			got = []byte("null")
		}
		if string(got) != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}

// oldMessage is how messages were encoded before messageJSONLocked wrote
// them by hand.
type oldMessage struct {
	MessageID   int              `json:"message_id"`
	From        models.User      `json:"from"`
	Chat        models.Chat      `json:"chat"`
	Date        int64            `json:"date"`
	EditDate    int64            `json:"edit_date,omitempty"`
	Text        string           `json:"text,omitempty"`
	Caption     string           `json:"caption,omitempty"`
	Document    *models.Document `json:"document,omitempty"`
	ReplyMarkup json.RawMessage  `json:"reply_markup,omitempty"`
}

func TestMessageJSON(t *testing.T) {
	f := New(t)
	date := time.Unix(1767225600, 0)
	c := &chatState{info: models.Chat{ID: 501, Type: models.ChatTypePrivate, FirstName: "Lan <3", Username: "lan"}}
	doc := &File{Name: "bao-cao.xlsx", ContentType: "application/octet-stream", Data: []byte("PK"), FileID: "BQACAgIAAxkBAAI00000001"}
	for _, m := range []Message{
		{ID: 1, Method: "sendMessage", Text: "Câu 1\n\"A\" <b>", Date: date},
		{ID: 2, Method: "sendMessage", Text: "x", Date: date, Edits: 1, EditDate: date.Add(time.Minute), Buttons: [][]Button{{{Text: "A"}}}, Markup: `{"inline_keyboard":[[{"callback_data":"a","text":"A"}]]}`},
		{ID: 3, Method: "sendDocument", Text: "Báo cáo", Date: date, Document: doc},
		{ID: 4, Method: "sendPhoto", Date: date, Markup: `{"remove_keyboard":true}`},
	} {
		st := &msgState{Message: m}
		old := oldMessage{MessageID: m.ID, From: f.BotUser(), Chat: c.info, Date: m.Date.Unix()}
		if m.Document != nil {
			old.Document = &models.Document{FileID: doc.FileID, FileUniqueID: "AgAD00000001", FileName: doc.Name, MimeType: doc.ContentType, FileSize: 2}
		}
		if m.Method == "sendMessage" {
			old.Text = m.Text
		} else {
			old.Caption = m.Text
		}
		if m.Buttons != nil {
			old.ReplyMarkup = json.RawMessage(m.Markup)
		}
		if m.Edits > 0 {
			old.EditDate = m.EditDate.Unix()
		}
		if got, want := string(f.messageJSONLocked(c, st)), string(mustJSON(old)); got != want {
			t.Errorf("message %d:\n got %s\nwant %s", m.ID, got, want)
		}
	}
}

// oldReadParams is how parameters were read before the fast paths.
func oldReadParams(body []byte, ct string) (map[string]string, map[string]File, error) {
	params, files := map[string]string{}, map[string]File{}
	switch {
	case strings.HasPrefix(ct, "multipart/form-data"):
		_, boundary := contentType(ct)
		mr := multipart.NewReader(bytes.NewReader(body), boundary)
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return params, files, err
			}
			data, err := io.ReadAll(part)
			if err != nil {
				return params, files, err
			}
			if part.FileName() != "" {
				files[part.FormName()] = File{Field: part.FormName(), Name: part.FileName(), ContentType: part.Header.Get("Content-Type"), Data: data}
				continue
			}
			params[part.FormName()] = string(data)
		}
	default:
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(body, &obj); err != nil {
			return params, files, err
		}
		for k, raw := range obj {
			var s string
			switch {
			case string(raw) == "null":
				continue
			case json.Unmarshal(raw, &s) == nil:
				params[k] = s
			default:
				params[k] = string(raw)
			}
		}
	}
	return params, files, nil
}

func FuzzReadParams(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add(s, false)
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.SetBoundary("b0undary")
	_ = w.WriteField("chat_id", "501")
	_ = w.WriteField("text", "Câu 3\r\n--b0undaryX\r\n--b0undar")
	_ = w.WriteField("empty", "")
	fw, _ := w.CreateFormFile("document", "a.xlsx")
	_, _ = fw.Write([]byte("PK"))
	_ = w.Close()
	f.Add(body.String(), true)
	f.Add(strings.Replace(body.String(), "\r\n--b0undary\r\nContent-Disposition: form-data; name=\"document\"", "", 1), true)
	f.Fuzz(func(t *testing.T, in string, multi bool) {
		ct := "application/json"
		if multi {
			ct = "multipart/form-data; boundary=b0undary"
		}
		r := httptest.NewRequest("POST", "/", strings.NewReader(in))
		r.Header.Set("Content-Type", ct)
		if len(bytes.TrimSpace([]byte(in))) == 0 {
			return
		}
		got, gotFiles, err := readParams(r, &memoTable{})
		want, wantFiles, wantErr := oldReadParams([]byte(in), ct)
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("%q: error %v, want %v", in, err, wantErr)
		}
		if err != nil {
			return
		}
		if len(wantFiles) == 0 {
			wantFiles = nil
		}
		if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotFiles, wantFiles) {
			t.Fatalf("%q:\n got %q %v\nwant %q %v", in, got, gotFiles, want, wantFiles)
		}
	})
}

func TestReadParamsUTF8(t *testing.T) {
	// Invalid UTF-8 in a JSON string becomes U+FFFD, as with encoding/json.
	r := httptest.NewRequest("POST", "/", strings.NewReader("{\"text\":\"a\xffb\"}"))
	r.Header.Set("Content-Type", "application/json")
	p, _, err := readParams(r, &memoTable{})
	if err != nil || p["text"] != "a\uFFFDb" || !utf8.ValidString(p["text"]) {
		t.Fatalf("%q %v", p, err)
	}
}
