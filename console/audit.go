package console

import (
	"context"
	"net/http"

	"quizbot/outbound"
	"quizbot/quiz"
	"quizbot/storage"
)

// Audit records a change made on the console by actor: action is a short
// Vietnamese verb phrase ("Nhập danh sách cán bộ"), detail what it touched.
// The entry belongs to the actor's unit: the audit page shows heads the
// entries of their own unit and the units under it (their own and their
// sub-units' heads' actions), organizers every entry.
func (c *Console) Audit(ctx context.Context, actor quiz.Member, action, detail string) error {
	return c.store.AddAudit(ctx, storage.AuditEntry{At: c.clock.Now(), MemberID: actor.ID,
		ActorName: actor.FullName, UnitCode: actor.UnitCode, Action: action, Detail: detail})
}

// auditLimit is how many entries the page shows, latest first.
const auditLimit = 500

type auditLine struct {
	When, Who, Unit, Action, Detail string
}

func (c *Console) auditPage(w http.ResponseWriter, r *Request) error {
	entries, err := c.store.AuditEntries(r.Context(), r.Scope.Codes(), auditLimit)
	if err != nil {
		return err
	}
	loc := c.location(r.Context())
	lines := make([]auditLine, len(entries))
	for i, e := range entries {
		lines[i] = auditLine{When: e.At.In(loc).Format("15:04:05 02/01/2006"), Who: e.ActorName,
			Unit: r.Scope.Name(e.UnitCode), Action: e.Action, Detail: e.Detail}
	}
	return c.render(w, r, "audit", View{Title: "Nhật ký thao tác", Nav: navAudit, Content: struct {
		Lines []auditLine
		All   bool
		Limit string
	}{lines, r.Scope.All(), outbound.GroupDigits(auditLimit)}})
}
