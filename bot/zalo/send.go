package zalo

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"quizbot/outbound"
)

// Zalo's limits on a consultation message (Zalo's OA docs as quoted in
// ../shared/domain/platforms.md; the SDKs do not check them). Lengths are
// counted in UTF-16 code units, as Zalo's Java servers count characters: for
// Vietnamese in NFC this is the number of characters.
const (
	MaxText          = 2000
	MaxButtons       = 5
	MaxButtonTitle   = 100
	MaxButtonPayload = 1000
	MaxInfoTitle     = 100
	MaxInfoSubtitle  = 500
)

// ErrInvalid means Zalo would refuse the message as built: it is not sent.
// It wraps outbound.ErrRejected, so that a caller does not retry it.
var ErrInvalid = fmt.Errorf("zalo would refuse the message: %w", outbound.ErrRejected)

// Button is an oa.query.hide button: a tap comes back as a user_send_text
// event whose text is Payload, not shown in the chat.
type Button struct {
	Title   string
	Payload string
}

// Message is a consultation message: text, and buttons under it.
type Message struct {
	Text    string
	Buttons []Button
}

// InfoRequest is the request_user_info form, which asks the person for
// their name and phone number; the answer is a user_submit_info event. Zalo
// requires its one element to have a title, a subtitle and an image.
type InfoRequest struct {
	Title    string
	Subtitle string
	ImageURL string
}

// Template is a template message by phone (ZNS): an approved template's id
// and its parameters, reaching people outside the 7-day window.
type Template struct {
	Phone      string // 84…, as Zalo wants it
	TemplateID string
	Data       map[string]string
	TrackingID string // ours, for matching Zalo's delivery reports
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

func checkRecipient(userID string) error {
	if strings.TrimSpace(userID) == "" {
		return invalid("no recipient")
	}
	return nil
}

func checkText(text string) error {
	switch n := outbound.TextLen(text); {
	case strings.TrimSpace(text) == "":
		return invalid("empty text")
	case n > MaxText:
		return invalid("text of %d characters, at most %d", n, MaxText)
	}
	return nil
}

// Validate checks m against Zalo's limits.
func (m Message) Validate() error {
	if err := checkText(m.Text); err != nil {
		return err
	}
	if len(m.Buttons) > MaxButtons {
		return invalid("%d buttons, at most %d", len(m.Buttons), MaxButtons)
	}
	for i, b := range m.Buttons {
		switch {
		case strings.TrimSpace(b.Title) == "":
			return invalid("button %d has no title", i+1)
		case outbound.TextLen(b.Title) > MaxButtonTitle:
			return invalid("button %d's title has %d characters, at most %d", i+1, outbound.TextLen(b.Title), MaxButtonTitle)
		case b.Payload == "":
			return invalid("button %d has no payload", i+1)
		case outbound.TextLen(b.Payload) > MaxButtonPayload:
			return invalid("button %d's payload has %d characters, at most %d", i+1, outbound.TextLen(b.Payload), MaxButtonPayload)
		}
	}
	return nil
}

// Validate checks f against Zalo's limits.
func (f InfoRequest) Validate() error {
	switch {
	case strings.TrimSpace(f.Title) == "" || outbound.TextLen(f.Title) > MaxInfoTitle:
		return invalid("the form's title must have 1 to %d characters", MaxInfoTitle)
	case strings.TrimSpace(f.Subtitle) == "" || outbound.TextLen(f.Subtitle) > MaxInfoSubtitle:
		return invalid("the form's subtitle must have 1 to %d characters", MaxInfoSubtitle)
	}
	if u, err := url.Parse(f.ImageURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return invalid("the form needs an http(s) image URL")
	}
	return nil
}

var znsPhone = regexp.MustCompile(`^84[0-9]{9}$`)

// Validate checks t before it is sent.
func (t Template) Validate() error {
	switch {
	case !znsPhone.MatchString(t.Phone):
		return invalid("a template message needs a phone number 84 followed by 9 digits")
	case strings.TrimSpace(t.TemplateID) == "":
		return invalid("no template id")
	}
	return nil
}

// Wire shapes of /v3.0/oa/message/cs (zalo-java-sdk v3/SendTextCSMessage,
// v3/SendRequestUserInfoCSMessage).
type (
	csBody struct {
		Recipient struct {
			UserID string `json:"user_id"`
		} `json:"recipient"`
		Message csMessage `json:"message"`
	}
	csMessage struct {
		Text       string        `json:"text,omitempty"`
		Attachment *csAttachment `json:"attachment,omitempty"`
	}
	csAttachment struct {
		Type    string    `json:"type"` // "template"
		Payload csPayload `json:"payload"`
	}
	csPayload struct {
		TemplateType string      `json:"template_type,omitempty"`
		Elements     []csElement `json:"elements,omitempty"`
		Buttons      []csButton  `json:"buttons,omitempty"`
	}
	csElement struct {
		Title    string `json:"title"`
		Subtitle string `json:"subtitle"`
		ImageURL string `json:"image_url"`
	}
	csButton struct {
		Title   string `json:"title"`
		Type    string `json:"type"` // "oa.query.hide"
		Payload string `json:"payload"`
	}
)

// Send sends m to the follower userID as a consultation message and
// returns Zalo's message id. A message Zalo would refuse is not sent
// (ErrInvalid); Zalo's refusals are classified (Classify).
func (c *Client) Send(ctx context.Context, userID string, m Message) (string, error) {
	if err := checkRecipient(userID); err != nil {
		return "", err
	}
	if err := m.Validate(); err != nil {
		return "", err
	}
	var b csBody
	b.Recipient.UserID = userID
	b.Message.Text = m.Text
	if len(m.Buttons) > 0 {
		p := csPayload{}
		for _, btn := range m.Buttons {
			p.Buttons = append(p.Buttons, csButton{Title: btn.Title, Type: "oa.query.hide", Payload: btn.Payload})
		}
		b.Message.Attachment = &csAttachment{Type: "template", Payload: p}
	}
	return c.call(ctx, "message/cs", c.cfg.APIURL+"/v3.0/oa/message/cs", b)
}

// RequestUserInfo sends the request_user_info form to userID.
func (c *Client) RequestUserInfo(ctx context.Context, userID string, f InfoRequest) (string, error) {
	if err := checkRecipient(userID); err != nil {
		return "", err
	}
	if err := f.Validate(); err != nil {
		return "", err
	}
	var b csBody
	b.Recipient.UserID = userID
	b.Message.Attachment = &csAttachment{Type: "template", Payload: csPayload{
		TemplateType: "request_user_info",
		Elements:     []csElement{{Title: f.Title, Subtitle: f.Subtitle, ImageURL: f.ImageURL}},
	}}
	return c.call(ctx, "message/cs", c.cfg.APIURL+"/v3.0/oa/message/cs", b)
}

// SendTemplate sends an approved template by phone: POST
// {TemplateURL}/message/template, header access_token, body {phone,
// template_id, template_data, tracking_id} (Zalo's ZNS docs as quoted by
// integrators; not in the SDKs).
func (c *Client) SendTemplate(ctx context.Context, t Template) (string, error) {
	if err := t.Validate(); err != nil {
		return "", err
	}
	data := t.Data
	if data == nil {
		data = map[string]string{}
	}
	body := struct {
		Phone        string            `json:"phone"`
		TemplateID   string            `json:"template_id"`
		TemplateData map[string]string `json:"template_data"`
		TrackingID   string            `json:"tracking_id,omitempty"`
	}{t.Phone, t.TemplateID, data, t.TrackingID}
	return c.call(ctx, "message/template", c.cfg.TemplateURL+"/message/template", body)
}

// call posts body to endpoint with a current access token; when Zalo says
// the token is invalid or expired (-216, -220), it refreshes the pair once
// and posts again.
func (c *Client) call(ctx context.Context, op, endpoint string, body any) (string, error) {
	payload, err := json.Marshal(body)
	if err != nil {
		return "", fmt.Errorf("zalo %s: encode: %w", op, err)
	}
	tok, err := c.AccessToken(ctx)
	if err != nil {
		return "", fmt.Errorf("zalo %s: %w", op, err)
	}
	id, err := c.post(ctx, op, endpoint, tok, payload)
	if !errors.Is(err, ErrAccessToken) {
		return id, err
	}
	p, rerr := c.refresh(ctx, tok)
	if rerr != nil {
		return "", fmt.Errorf("zalo %s: %w", op, rerr)
	}
	return c.post(ctx, op, endpoint, p.AccessToken, payload)
}

// maxAnswer bounds an API answer read into memory.
const maxAnswer = 1 << 20

// post makes one call. The access token travels in a header (not Bearer;
// zalo-java-sdk v3/SendTextCSMessage), never in the URL, so transport
// errors cannot show it.
func (c *Client) post(ctx context.Context, op, endpoint, token string, payload []byte) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(payload))
	if err != nil {
		return "", fmt.Errorf("zalo %s: %w", op, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("access_token", token)
	resp, err := c.hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("zalo %s: %w", op, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return "", fmt.Errorf("zalo %s: read the answer: %w", op, err)
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		return "", &outbound.RateLimitError{RetryAfter: RateLimitBackoff, Err: fmt.Errorf("zalo %s: HTTP 429", op)}
	}
	if resp.StatusCode != http.StatusOK {
		// Zalo answers its errors with 200: anything else is on the way
		// (a proxy, an outage), worth trying again later.
		return "", fmt.Errorf("zalo %s: HTTP %d", op, resp.StatusCode)
	}
	var r struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Data    struct {
			MessageID flexString `json:"message_id"` // message/cs
			MsgID     flexString `json:"msg_id"`     // message/template
		} `json:"data"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return "", fmt.Errorf("zalo %s: not a JSON answer: %w", op, err)
	}
	code, word := flexCode(r.Error)
	if word != "" {
		return "", fmt.Errorf("%w: %w", outbound.ErrRejected, &APIError{Op: op, Code: 0, Message: strconv.Quote(word) + " " + r.Message})
	}
	if err := Classify(op, code, r.Message); err != nil {
		return "", err
	}
	return cmp.Or(string(r.Data.MessageID), string(r.Data.MsgID)), nil
}
