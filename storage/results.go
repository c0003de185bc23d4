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
// counted attempt. Only the ranking's head is streamed (for the prizes);
// the rank itself comes from PostgreSQL.
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
	if prizes.Round != nil {
		// The prizes read the ranking's head only, as the report does.
		s, err := db.RoundRanking(ctx, r.ID, actual, now)
		if err != nil {
			return place, false, err
		}
		defer s.Close()
		awards, _, err := report.AwardMembers(*prizes.Round, s.Next)
		if err != nil {
			return place, false, fmt.Errorf("round %d prizes: %w", r.ID, err)
		}
		for _, a := range awards {
			if a.Who.MemberID == memberID {
				place.Prize = a.Grade
			}
		}
		if err := s.Close(); err != nil {
			return place, false, fmt.Errorf("round %d prizes: %w", r.ID, err)
		}
	}
	// The member's rank by the same window as RoundRanking, computed by
	// PostgreSQL: one row comes back however far down the member is.
	err = db.DB.GetContext(ctx, &place.Rank, roundRanked+`
		SELECT rank FROM (SELECT d.member_id, `+roundRank+` AS rank FROM d) x
		WHERE x.member_id = $4`, []int64{r.ID}, now, actual, memberID)
	if notFound(err) {
		return place, false, nil
	}
	if err != nil {
		return place, false, fmt.Errorf("round %d rank of member %d: %w", r.ID, memberID, err)
	}
	return place, true, nil
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
