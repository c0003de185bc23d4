package zalo

import (
	"context"
	"time"
)

// Window is how long after a person's last message the OA may send them
// consultation messages: 7 days (free within the first 48 hours, billed
// after). Past it Zalo refuses them (-230, -232); only an approved
// template message by phone reaches the person.
const Window = 7 * 24 * time.Hour

// What notify asks of a platform with a reply window (notify's
// WindowedMessenger and TemplateSender): the Zalo adapter that sends
// notices has these through its client.

// Window is the OA's consultation window.
func (c *Client) Window() time.Duration { return Window }

// RemindTemplate reports whether an approved reminder template is
// configured (ZALO_TEMPLATE_REMIND).
func (c *Client) RemindTemplate() bool { return c.cfg.TemplateRemind != "" }

// SendRemindTemplate sends the reminder template to phone (84 and 9
// digits) with its parameters; trackingID comes back in Zalo's delivery
// reports.
func (c *Client) SendRemindTemplate(ctx context.Context, phone string, data map[string]string, trackingID string) (string, error) {
	if c.cfg.TemplateRemind == "" {
		return "", invalid("no reminder template is configured (ZALO_TEMPLATE_REMIND)")
	}
	return c.SendTemplate(ctx, Template{Phone: phone, TemplateID: c.cfg.TemplateRemind, Data: data, TrackingID: trackingID})
}
