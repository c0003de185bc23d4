package zalo_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"quizbot/bot/zalo"
	"quizbot/bot/zalo/zalotest"
)

// A body as Zalo sends it and its signature, computed apart (Python's
// hashlib.sha256 over app id + body + timestamp + OA secret key).
const (
	kaBody = `{"app_id":"4291763606161179100","event_name":"user_send_text","timestamp":"1764990000000","sender":{"id":"USER"},"recipient":{"id":"OA"},"message":{"msg_id":"m1","text":"A"},"user_id_by_app":"u"}`
	kaMAC  = "ed4df378dd5be7c9a08cfdd6835e0cd92ed701b37a1501934a4fbd5a08b7cf8d"
)

func verify(body []byte, header string) (zalo.Event, error) {
	return zalo.VerifyEvent(body, header, zalotest.AppID, zalotest.OASecretKey)
}

func TestSignatureKnownAnswer(t *testing.T) {
	t.Parallel()
	if got := zalo.Signature(zalotest.AppID, []byte(kaBody), "1764990000000", zalotest.OASecretKey); got != kaMAC {
		t.Fatalf("signature %s, want %s", got, kaMAC)
	}
	e, err := verify([]byte(kaBody), "mac="+kaMAC)
	if err != nil || e.Name != "user_send_text" || e.UserID != "USER" || e.Text != "A" || e.MsgID != "m1" {
		t.Fatalf("%+v %v", e, err)
	}
	if _, err := verify([]byte(kaBody), "mac="+strings.ToUpper(kaMAC)); err != nil {
		t.Fatalf("upper-case hex: %v", err)
	}
}

func TestSignatureRefused(t *testing.T) {
	t.Parallel()
	f := zalotest.New(t)
	body := f.TextEvent("USER", "/start")
	good := zalotest.Header(body)
	if _, err := verify(body, good); err != nil {
		t.Fatalf("good signature refused: %v", err)
	}
	tampered := bytes.Replace(body, []byte("/start"), []byte("/stare"), 1)
	otherTS := bytes.Replace(body, []byte(`"timestamp":"17649900`), []byte(`"timestamp":"17649901`), 1)
	flipped := []byte(good)
	flipped[len(flipped)-1] ^= 1
	cases := []struct {
		name   string
		body   []byte
		header string
	}{
		{"missing", body, ""},
		{"not hex", body, "mac=zz"},
		{"short", body, "mac=abcd"},
		{"flipped", body, string(flipped)},
		{"tampered body", tampered, good},
		{"other timestamp", otherTS, good},
		{"signed with the app secret", body, "mac=" + zalo.Signature(zalotest.AppID, body, "1764990000001", zalotest.AppSecret)},
		{"not JSON", []byte("hello"), good},
		{"no timestamp", []byte(`{"event_name":"follow"}`), "mac=" + zalo.Signature(zalotest.AppID, []byte(`{"event_name":"follow"}`), "", zalotest.OASecretKey)},
	}
	for _, tc := range cases {
		if _, err := verify(tc.body, tc.header); !errors.Is(err, zalo.ErrBadSignature) {
			t.Errorf("%s: err = %v, want ErrBadSignature", tc.name, err)
		}
	}
	if _, err := zalo.VerifyEvent(body, good, zalotest.AppID, ""); !errors.Is(err, zalo.ErrBadSignature) {
		t.Errorf("no key configured: %v", err)
	}
}

func TestEventsDecode(t *testing.T) {
	t.Parallel()
	f := zalotest.New(t)
	check := func(body []byte, want zalo.Event) {
		t.Helper()
		e, err := verify(body, zalotest.Header(body))
		if err != nil {
			t.Fatal(err)
		}
		want.AppID, want.Timestamp, want.OAID, want.UserIDByApp = zalotest.AppID, e.Timestamp, zalotest.OAID, "app-"+want.UserID
		if !reflect.DeepEqual(e, want) {
			t.Fatalf("got  %+v\nwant %+v", e, want)
		}
		if e.Time().Before(time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("time %v", e.Time())
		}
	}
	check(f.TextEvent("USER1", "B"), zalo.Event{Name: zalo.EventUserSendText, UserID: "USER1", Text: "B", MsgID: "m1"})
	check(f.FollowEvent("USER2"), zalo.Event{Name: zalo.EventFollow, UserID: "USER2"})
	check(f.UnfollowEvent("USER3"), zalo.Event{Name: zalo.EventUnfollow, UserID: "USER3"})
	check(f.SubmitInfoEvent("USER4", "Nguyễn Văn An", "84912345678"), zalo.Event{Name: zalo.EventUserSubmitInfo, UserID: "USER4", Phone: "84912345678", InfoName: "Nguyễn Văn An"})

	// The bodies as written, numbers where strings are usual.
	raw := []byte(`{"app_id":4291763606161179100,"event_name":"user_submit_info","timestamp":1764990000000,"sender":{"id":"USER"},"recipient":{"id":"OA"},"info":{"name":"An","phone":84912345678,"address":"","city":"","district":""},"user_id_by_app":"x"}`)
	e, err := verify(raw, "mac="+zalo.Signature(zalotest.AppID, raw, "1764990000000", zalotest.OASecretKey))
	if err != nil || e.Phone != "84912345678" || e.Timestamp != "1764990000000" || e.UserID != "USER" {
		t.Fatalf("numbers: %+v %v", e, err)
	}
}

func TestDedupKey(t *testing.T) {
	t.Parallel()
	f := zalotest.New(t)
	b := f.TextEvent("U", "A")
	text, _ := verify(b, zalotest.Header(b))
	if text.DedupKey() != "msg:"+text.MsgID {
		t.Fatalf("text key %q", text.DedupKey())
	}
	b = f.FollowEvent("U")
	follow, _ := verify(b, zalotest.Header(b))
	if follow.DedupKey() != "ev:follow:U:"+follow.Timestamp {
		t.Fatalf("follow key %q", follow.DedupKey())
	}
	b2 := f.FollowEvent("U")
	again, _ := verify(b2, zalotest.Header(b2))
	if again.DedupKey() == follow.DedupKey() {
		t.Fatal("two follows at different times share a key")
	}
}

func TestReadEventBoundsTheBody(t *testing.T) {
	t.Parallel()
	f := zalotest.New(t)
	body := f.TextEvent("U", "A")
	r := httptest.NewRequest(http.MethodPost, "/webhook/zalo", bytes.NewReader(body))
	r.Header.Set(zalo.SignatureHeader, zalotest.Header(body))
	if e, err := zalo.ReadEvent(r, zalotest.AppID, zalotest.OASecretKey); err != nil || e.Text != "A" {
		t.Fatalf("%+v %v", e, err)
	}
	big := append([]byte(`{"timestamp":"1","x":"`), bytes.Repeat([]byte("a"), zalo.MaxWebhookBody)...)
	big = append(big, `"}`...)
	r = httptest.NewRequest(http.MethodPost, "/webhook/zalo", bytes.NewReader(big))
	r.Header.Set(zalo.SignatureHeader, "mac="+zalo.Signature(zalotest.AppID, big, "1", zalotest.OASecretKey))
	if _, err := zalo.ReadEvent(r, zalotest.AppID, zalotest.OASecretKey); !errors.Is(err, zalo.ErrTooLarge) {
		t.Fatalf("1 MiB+: %v", err)
	}
}

// FuzzVerifyEvent: no body or header panics the verifier, and whatever it
// accepts is signed.
func FuzzVerifyEvent(f *testing.F) {
	fake := zalotest.New(f)
	for _, b := range [][]byte{[]byte(kaBody), fake.TextEvent("U", "A"), fake.FollowEvent("U"), fake.UnfollowEvent("U"),
		fake.SubmitInfoEvent("U", "An", "84912345678"), []byte(`{"timestamp":1}`), []byte(`{"timestamp":{}}`), []byte(`[]`), []byte(`{"message":"x","timestamp":"1"}`)} {
		f.Add(b, zalotest.Header(b))
		f.Add(b, "mac=")
	}
	f.Fuzz(func(t *testing.T, body []byte, header string) {
		e, err := verify(body, header)
		if err == nil || errors.Is(err, zalo.ErrUnknownShape) {
			if !errors.Is(err, zalo.ErrUnknownShape) && e.Timestamp == "" {
				t.Fatalf("accepted an event without a timestamp: %q", body)
			}
			if zalo.Signature(zalotest.AppID, body, e.Timestamp, zalotest.OASecretKey) != strings.ToLower(strings.TrimPrefix(strings.TrimSpace(header), "mac=")) &&
				!strings.EqualFold("mac="+zalo.Signature(zalotest.AppID, body, e.Timestamp, zalotest.OASecretKey), strings.TrimSpace(header)) {
				t.Fatalf("accepted a body its header does not sign: %q %q", body, header)
			}
		}
		e.DedupKey()
		e.Time()
		// The same body signed: the decoder sees whatever came.
		if e, err := verify(body, zalotest.Header(body)); err == nil && e.Timestamp == "" {
			t.Fatalf("accepted an event without a timestamp: %q", body)
		}
	})
}
