package storage

import (
	"context"
	"fmt"
	"time"

	"quizbot/quiz"
	"quizbot/report"
)

// RoundPlace returns memberID's place in the round's ranking, and the prize
// the contest's rules give them, as the prize report computes them (the
// frozen actual figure, AwardMembers); ok is false when the member has no
// counted attempt. The ranking is streamed, never held, and read only as
// far as the member.
func (db *DB) RoundPlace(ctx context.Context, c quiz.Contest, r quiz.Round, memberID int64, now time.Time) (place quiz.RoundPlace, ok bool, err error) {
	actual, _, err := db.RoundActual(ctx, c, r, now)
	if err != nil {
		return place, false, err
	}
	place.Actual = actual
	prizes, _, err := db.ContestPrizes(ctx, c.ID)
	if err != nil {
		return place, false, err
	}
	s, err := db.RoundRanking(ctx, r.ID, actual, now)
	if err != nil {
		return place, false, err
	}
	defer s.Close()
	next := func() (report.Entry, bool, error) {
		e, more, err := s.Next()
		if more && e.MemberID == memberID {
			place.Rank, ok = e.Rank, true
		}
		return e, more, err
	}
	if prizes.Round != nil {
		awards, _, err := report.AwardMembers(*prizes.Round, next)
		if err != nil {
			return place, false, fmt.Errorf("round %d prizes: %w", r.ID, err)
		}
		for _, a := range awards {
			if a.Who.MemberID == memberID {
				place.Prize = a.Grade
			}
		}
	}
	for !ok {
		_, more, err := next()
		if err != nil {
			return place, false, fmt.Errorf("round %d ranking: %w", r.ID, err)
		}
		if !more {
			break
		}
	}
	return place, ok, s.Close()
}

// UnitLive returns the unit's own figures in the round at now (its active
// staff, no roll-up) and who of them has not taken part yet, by name the
// Vietnamese way.
func (db *DB) UnitLive(ctx context.Context, roundID int64, u quiz.Unit, now time.Time) (quiz.UnitFigures, error) {
	live := quiz.UnitFigures{Unit: u}
	err := db.DB.QueryRowxContext(ctx, `
		WITH c AS (`+closedAttemptsIn+`), b AS (`+countedAttempts+`)
		SELECT count(*),
			count(*) FILTER (WHERE EXISTS (SELECT 1 FROM identities i WHERE i.member_id = m.id)),
			count(b.member_id),
			coalesce(sum(b.correct), 0)::bigint,
			count(*) FILTER (WHERE b.correct = 0)
		FROM members m LEFT JOIN b ON b.member_id = m.id
		WHERE m.unit_id = $3 AND m.active`, []int64{roundID}, now, u.ID).
		Scan(&live.Staff, &live.Verified, &live.Participants, &live.CorrectSum, &live.Zero)
	if err != nil {
		return live, fmt.Errorf("unit %s live figures: %w", u.Code, err)
	}
	live.Absent, _, err = db.ExcuseCandidates(ctx, roundID, u.ID, now)
	return live, err
}
