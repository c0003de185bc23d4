package telegram

import (
	"encoding/json"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"

	"quizbot/bot/chat"
)

var updateSeeds = []string{
	`{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},"from":{"id":5,"is_bot":false,"first_name":"An"},"text":"/start"}}`,
	`{"update_id":2,"message":{"message_id":2,"date":1,"chat":{"id":5,"type":"private"},"from":{"id":5,"is_bot":false,"first_name":"An"},"contact":{"phone_number":"84912000001","first_name":"An","user_id":5}}}`,
	`{"update_id":3,"callback_query":{"id":"c1","from":{"id":5,"is_bot":false,"first_name":"An"},"chat_instance":"x","data":"a:1:0:2","message":{"message_id":9,"date":1,"chat":{"id":5,"type":"private"}}}}`,
	`{"update_id":4,"callback_query":{"id":"c2","from":{"id":5,"is_bot":false,"first_name":"An"},"chat_instance":"x","data":"s:1","message":{"message_id":9,"date":0,"chat":{"id":5,"type":"private"}}}}`,
	`{"update_id":6,"callback_query":{"id":"c3","from":{"id":5,"is_bot":false,"first_name":"An","last_name":"Lê"},"chat_instance":"x","data":"p","message":{"message_id":10,"date":1700000000,"chat":{"id":-100,"type":"group","title":"Tổ"},"from":{"id":1,"is_bot":true,"first_name":"Bot"},"text":"Câu 1/10\nA. x","reply_markup":{"inline_keyboard":[[{"text":"A","callback_data":"a:1:0:0"}]]}}}}`,
	`{"update_id":7,"callback_query":{"id":"c4","from":{"id":5,"is_bot":false,"first_name":"An"},"chat_instance":"x","data":"p","message":null}}`,
	`{"update_id":8,"message":{"message_id":3,"date":1,"chat":{"id":5,"type":"private"},"from":{"id":5,"is_bot":false,"first_name":" An ","last_name":"Lê"},"text":"12345","entities":[{"type":"bold","offset":0,"length":1}]}}`,
	`{"update_id":9,"edited_message":{"message_id":3,"date":1,"chat":{"id":5,"type":"private"},"text":"x"}}`,
	`{"update_id":0}`, `{}`, `[]`, `null`, `{"update_id":"x"}`, `{"update_id":5,"message":{"text":"hi"}}`,
}

// FuzzDecodeUpdate: any webhook body either fails to decode or becomes an
// update whose event (if any) is well formed; nothing panics.
func FuzzDecodeUpdate(f *testing.F) {
	for _, s := range updateSeeds {
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

// FuzzDecodeUpdateMatchesLibrary: DecodeUpdate reads only the fields quizbot
// uses; whatever go-telegram/bot's whole models.Update makes of a body, the
// event (the sender's id in it) and the update_id must come out the same.
func FuzzDecodeUpdateMatchesLibrary(f *testing.F) {
	for _, s := range updateSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var full models.Update
		if err := json.Unmarshal(body, &full); err != nil || full.ID <= 0 {
			return // the slim decoding may accept more: it skips what it does not read
		}
		upd, err := DecodeUpdate(body)
		if err != nil {
			t.Fatalf("the library decodes %s, DecodeUpdate: %v", body, err)
		}
		want, wantOK := Event(&full)
		got, gotOK := Event(upd)
		if gotOK != wantOK || !reflect.DeepEqual(got, want) {
			t.Fatalf("event of %s:\n got  %v %+v\n want %v %+v", body, gotOK, got, wantOK, want)
		}
		if upd.ID != full.ID {
			t.Fatalf("update_id of %s: %d, want %d", body, upd.ID, full.ID)
		}
	})
}

// A tap on a message older than 48 hours comes as an "inaccessible
// message" (date 0): its id still names the message to edit.
func TestTapOnAnInaccessibleMessageKeepsItsID(t *testing.T) {
	upd, err := DecodeUpdate([]byte(updateSeeds[3]))
	if err != nil {
		t.Fatal(err)
	}
	ev, ok := Event(upd)
	if !ok || ev.Kind != chat.KindCallback || ev.Callback.MessageID != "9" || ev.ChatID != "5" || !ev.Private {
		t.Fatalf("event %+v %+v", ev, ev.Callback)
	}
}
