package zalo

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxWebhookBody bounds an event's body: Zalo's events are a few hundred
// bytes.
const MaxWebhookBody = 1 << 20

// SignatureHeader carries the event's signature, "mac=<hex>".
const SignatureHeader = "X-ZEvent-Signature"

// ErrBadSignature means the request is not proven to come from Zalo: no
// signature, a wrong one, or a body it cannot be checked against. The
// handler answers 401 and changes nothing.
var ErrBadSignature = errors.New("zalo webhook: missing or bad signature")

// ErrUnknownShape means a signed event whose fields are not where quizbot
// expects them; the Event has its name and timestamp only.
var ErrUnknownShape = errors.New("zalo webhook: signed event of an unknown shape")

// ErrTooLarge means the body is over MaxWebhookBody.
var ErrTooLarge = errors.New("zalo webhook: body too large")

// The events quizbot acts on; others decode with their name and are
// ignored by the caller.
const (
	EventFollow         = "follow"
	EventUnfollow       = "unfollow"
	EventUserSendText   = "user_send_text"
	EventUserSubmitInfo = "user_submit_info"
	// A file or a video the person sent: its download URL is in the
	// message's attachments (an entry's file, /nopbai).
	EventUserSendFile  = "user_send_file"
	EventUserSendVideo = "user_send_video"
)

// Event is one webhook event, decoded.
type Event struct {
	Name  string // event_name
	AppID string
	// UserID is who it is about, and where answers go (recipient.user_id):
	// sender.id, or follower.id for follow and unfollow.
	UserID      string
	UserIDByApp string
	OAID        string // recipient.id, or oa_id
	Text        string // user_send_text: typed, or a tapped button's payload
	MsgID       string // message.msg_id
	Phone       string // user_submit_info: info.phone, 84…
	InfoName    string // user_submit_info: info.name
	Timestamp   string // as sent: milliseconds since 1970
	// Attachments are a file's or video's: message.attachments.
	Attachments []Attachment
}

// Attachment is one of a message's attachments: its type ("file",
// "video"…) and payload's download URL, name and size (0 when not given).
type Attachment struct {
	Type string
	URL  string
	Name string
	Size int64
}

// Time is the event's timestamp, or the zero time when it is not a number.
func (e Event) Time() time.Time {
	ms, err := strconv.ParseInt(e.Timestamp, 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

// DedupKey identifies the event across Zalo's re-deliveries (it re-sends an
// event it got no 200 for, for an hour or more): its msg_id, or its name,
// sender and timestamp when it has none.
func (e Event) DedupKey() string {
	if e.MsgID != "" {
		return "msg:" + e.MsgID
	}
	return "ev:" + e.Name + ":" + e.UserID + ":" + e.Timestamp
}

// flexString is a JSON string or number, kept as text: Zalo sends ids and
// timestamps as strings, but a number must not make an event unreadable.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if json.Unmarshal(b, &s) == nil {
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = flexString(n.String())
	return nil
}

type wireEvent struct {
	AppID       flexString `json:"app_id"`
	EventName   string     `json:"event_name"`
	Timestamp   flexString `json:"timestamp"`
	OAID        flexString `json:"oa_id"`
	UserIDByApp flexString `json:"user_id_by_app"`
	Sender      struct {
		ID flexString `json:"id"`
	} `json:"sender"`
	Recipient struct {
		ID flexString `json:"id"`
	} `json:"recipient"`
	Follower struct {
		ID flexString `json:"id"`
	} `json:"follower"`
	Message struct {
		MsgID       flexString `json:"msg_id"`
		Text        string     `json:"text"`
		Attachments []struct {
			Type    string `json:"type"`
			Payload struct {
				URL  string     `json:"url"`
				Name string     `json:"name"`
				Size flexString `json:"size"`
			} `json:"payload"`
		} `json:"attachments"`
	} `json:"message"`
	Info struct {
		Name  string     `json:"name"`
		Phone flexString `json:"phone"`
	} `json:"info"`
}

// Signature is the event signature Zalo sends for body: hex sha256 of
// app_id + raw body + timestamp + OA secret key, where timestamp is the
// event's own timestamp field; a plain hash, not an HMAC (zalo-java-sdk
// utils/MacUtils.buildMac(appId, data, timeStamp, secretKey)).
func Signature(appID string, body []byte, timestamp, oaSecretKey string) string {
	h := sha256.New()
	h.Write([]byte(appID))
	h.Write(body)
	h.Write([]byte(timestamp))
	h.Write([]byte(oaSecretKey))
	return hex.EncodeToString(h.Sum(nil))
}

// ReadEvent reads a webhook request's body (at most MaxWebhookBody),
// verifies its signature and decodes it.
func ReadEvent(r *http.Request, appID, oaSecretKey string) (Event, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxWebhookBody+1))
	if err != nil {
		return Event{}, fmt.Errorf("zalo webhook: read the body: %w", err)
	}
	return VerifyEvent(body, r.Header.Get(SignatureHeader), appID, oaSecretKey)
}

// VerifyEvent checks the signature header of body in constant time and
// decodes the event. Any failure before the signature is proven is
// ErrBadSignature, with the reason; a signed body is always decoded.
func VerifyEvent(body []byte, header, appID, oaSecretKey string) (Event, error) {
	if len(body) > MaxWebhookBody {
		return Event{}, ErrTooLarge
	}
	sig := strings.TrimSpace(header)
	if len(sig) >= 4 && strings.EqualFold(sig[:4], "mac=") {
		sig = sig[4:]
	}
	got, err := hex.DecodeString(sig)
	if header == "" || err != nil || len(got) != sha256.Size {
		return Event{}, fmt.Errorf("%w: no mac=<sha256 hex> in %s", ErrBadSignature, SignatureHeader)
	}
	if appID == "" || oaSecretKey == "" {
		return Event{}, fmt.Errorf("%w: no app id or OA secret key configured", ErrBadSignature)
	}
	// Only the timestamp is needed to check the signature; the rest is
	// read once the body is proven to be Zalo's.
	var head struct {
		EventName string     `json:"event_name"`
		Timestamp flexString `json:"timestamp"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		var ts struct {
			Timestamp flexString `json:"timestamp"`
		}
		if json.Unmarshal(body, &ts) != nil {
			return Event{}, fmt.Errorf("%w: the body is not an event", ErrBadSignature)
		}
		head.Timestamp = ts.Timestamp
	}
	if head.Timestamp == "" {
		return Event{}, fmt.Errorf("%w: the event has no timestamp to check it with", ErrBadSignature)
	}
	want, _ := hex.DecodeString(Signature(appID, body, string(head.Timestamp), oaSecretKey))
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return Event{}, ErrBadSignature
	}
	var w wireEvent
	if err := json.Unmarshal(body, &w); err != nil {
		// Signed, so Zalo's, but not in a shape quizbot knows: the caller
		// answers 200 (a re-delivery would be the same) and logs it.
		return Event{Name: head.EventName, Timestamp: string(head.Timestamp)}, fmt.Errorf("%w: %v", ErrUnknownShape, err)
	}
	e := Event{
		Name:        w.EventName,
		AppID:       string(w.AppID),
		UserID:      string(w.Sender.ID),
		UserIDByApp: string(w.UserIDByApp),
		OAID:        string(w.Recipient.ID),
		Text:        w.Message.Text,
		MsgID:       string(w.Message.MsgID),
		Phone:       string(w.Info.Phone),
		InfoName:    w.Info.Name,
		Timestamp:   string(w.Timestamp),
	}
	for _, a := range w.Message.Attachments {
		size, _ := strconv.ParseInt(string(a.Payload.Size), 10, 64)
		e.Attachments = append(e.Attachments, Attachment{Type: a.Type, URL: a.Payload.URL, Name: a.Payload.Name, Size: max(size, 0)})
	}
	if e.UserID == "" {
		e.UserID = string(w.Follower.ID)
	}
	if e.OAID == "" {
		e.OAID = string(w.OAID)
	}
	return e, nil
}
