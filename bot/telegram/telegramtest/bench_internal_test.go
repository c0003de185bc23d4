package telegramtest

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkServeSendMessage is the fake's own CPU cost for one sendMessage
// with an inline keyboard, without the network and the client.
func BenchmarkServeSendMessage(b *testing.B) {
	f := New(b)
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("chat_id", "501")
	_ = w.WriteField("text", "Câu 3/10\nThủ đô của Việt Nam là?\nA. Hà Nội\nB. Huế\nC. Đà Nẵng\nD. TP HCM")
	_ = w.WriteField("reply_markup", `{"inline_keyboard":[[{"text":"A","callback_data":"a:123:3:A","copy_text":{"text":""}},{"text":"B","callback_data":"a:123:3:B","copy_text":{"text":""}},{"text":"C","callback_data":"a:123:3:C","copy_text":{"text":""}},{"text":"D","callback_data":"a:123:3:D","copy_text":{"text":""}}]]}`)
	_ = w.Close()
	payload, ct := body.Bytes(), w.FormDataContentType()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest(http.MethodPost, "/bot"+f.Token()+"/sendMessage", bytes.NewReader(payload))
		req.Header.Set("Content-Type", ct)
		rec := httptest.NewRecorder()
		f.serveHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
	b.StopTimer()
	f.ForgetCalls()
}
