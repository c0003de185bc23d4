package telegram

import (
	"testing"
	"unicode/utf8"

	"quizbot/bot/chat"
)

// FuzzDecodeUpdate: any webhook body either fails to decode or becomes an
// update whose event (if any) is well formed; nothing panics.
func FuzzDecodeUpdate(f *testing.F) {
	seeds := []string{
		`{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},"from":{"id":5,"is_bot":false,"first_name":"An"},"text":"/start"}}`,
		`{"update_id":2,"message":{"message_id":2,"date":1,"chat":{"id":5,"type":"private"},"from":{"id":5,"is_bot":false,"first_name":"An"},"contact":{"phone_number":"84912000001","first_name":"An","user_id":5}}}`,
		`{"update_id":3,"callback_query":{"id":"c1","from":{"id":5,"is_bot":false,"first_name":"An"},"chat_instance":"x","data":"a:1:0:2","message":{"message_id":9,"date":1,"chat":{"id":5,"type":"private"}}}}`,
		`{"update_id":4,"callback_query":{"id":"c2","from":{"id":5,"is_bot":false,"first_name":"An"},"chat_instance":"x","data":"s:1","message":{"message_id":9,"date":0,"chat":{"id":5,"type":"private"}}}}`,
		`{"update_id":0}`, `{}`, `[]`, `null`, `{"update_id":"x"}`, `{"update_id":5,"message":{"text":"hi"}}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		upd, err := DecodeUpdate(body)
		if err != nil {
			return
		}
		if upd.ID <= 0 {
			t.Fatalf("accepted update id %d", upd.ID)
		}
		ev, ok := Event(upd)
		if !ok {
			return
		}
		if ev.UserID == "" || ev.ChatID == "" {
			t.Fatalf("event without user or chat: %+v", ev)
		}
		switch ev.Kind {
		case chat.KindContact:
			if ev.Contact == nil {
				t.Fatal("contact event without contact")
			}
		case chat.KindCallback:
			if ev.Callback == nil {
				t.Fatal("callback event without callback")
			}
		case chat.KindCommand:
			if !utf8.ValidString(ev.Command) && utf8.Valid(body) {
				t.Fatalf("command %q", ev.Command)
			}
		}
	})
}
