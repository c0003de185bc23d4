package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"quizbot/quiz"
)

// Sessions keeps quiz sessions and the member cache in Redis.
type Sessions struct {
	rdb *redis.Client
}

// NewSessions returns the Redis session store.
func NewSessions(rdb *redis.Client) *Sessions { return &Sessions{rdb: rdb} }

func sessionKey(memberID int64) string { return fmt.Sprintf("qb:sess:%d", memberID) }
func whoKey(p quiz.Platform, externalID string) string {
	return "qb:who:" + string(p) + ":" + externalID
}

func messageKey(memberID int64) string { return fmt.Sprintf("qb:sess:%d:msg", memberID) }

// Session reads the session and the id of the message showing its current
// question in one round trip.
func (s *Sessions) Session(ctx context.Context, memberID int64) (quiz.Session, bool, error) {
	var sess quiz.Session
	vals, err := s.rdb.MGet(ctx, sessionKey(memberID), messageKey(memberID)).Result()
	if err != nil {
		return sess, false, fmt.Errorf("get session: %w", err)
	}
	raw, ok := vals[0].(string)
	if !ok {
		return sess, false, nil
	}
	if err := json.Unmarshal([]byte(raw), &sess); err != nil {
		// A session we cannot read is rebuilt from Postgres.
		return sess, false, nil
	}
	if msg, ok := vals[1].(string); ok {
		// "attempt:pos:message": only valid for the question now asked.
		want := fmt.Sprintf("%d:%d:", sess.AttemptID, sess.Pos)
		if len(msg) > len(want) && msg[:len(want)] == want {
			sess.MessageID = msg[len(want):]
		}
	}
	return sess, true, nil
}

// SetMessageID remembers the message showing question pos of an attempt;
// one write, no read.
func (s *Sessions) SetMessageID(ctx context.Context, memberID, attemptID int64, pos int, messageID string, ttl time.Duration) error {
	v := fmt.Sprintf("%d:%d:%s", attemptID, pos, messageID)
	if err := s.rdb.Set(ctx, messageKey(memberID), v, ttl).Err(); err != nil {
		return fmt.Errorf("remember question message: %w", err)
	}
	return nil
}

func (s *Sessions) PutSession(ctx context.Context, sess quiz.Session, ttl time.Duration) error {
	b, err := json.Marshal(sess)
	if err != nil {
		return fmt.Errorf("put session: %w", err)
	}
	if err := s.rdb.Set(ctx, sessionKey(sess.MemberID), b, ttl).Err(); err != nil {
		return fmt.Errorf("put session: %w", err)
	}
	return nil
}

func (s *Sessions) DeleteSession(ctx context.Context, memberID int64) error {
	if err := s.rdb.Del(ctx, sessionKey(memberID), messageKey(memberID)).Err(); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

func (s *Sessions) CachedMember(ctx context.Context, p quiz.Platform, externalID string) (quiz.Member, bool, error) {
	var m quiz.Member
	b, err := s.rdb.Get(ctx, whoKey(p, externalID)).Bytes()
	if errors.Is(err, redis.Nil) {
		return m, false, nil
	}
	if err != nil {
		return m, false, fmt.Errorf("cached member: %w", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, false, nil
	}
	return m, true, nil
}

func (s *Sessions) CacheMember(ctx context.Context, p quiz.Platform, externalID string, m quiz.Member, ttl time.Duration) error {
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("cache member: %w", err)
	}
	return s.rdb.Set(ctx, whoKey(p, externalID), b, ttl).Err()
}

func (s *Sessions) ForgetMember(ctx context.Context, p quiz.Platform, externalID string) error {
	return s.rdb.Del(ctx, whoKey(p, externalID)).Err()
}

// ForgetAllMembers empties the cache of who is behind each account, so that
// a re-imported roster (a member made inactive, a role or unit changed) takes
// effect in the bots at once rather than when the entries expire.
func (s *Sessions) ForgetAllMembers(ctx context.Context) (int, error) {
	n := 0
	iter := s.rdb.Scan(ctx, 0, "qb:who:*", 1000).Iterator()
	batch := make([]string, 0, 1000)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := s.rdb.Del(ctx, batch...).Err(); err != nil {
			return fmt.Errorf("forget cached members: %w", err)
		}
		n += len(batch)
		batch = batch[:0]
		return nil
	}
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == cap(batch) {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	if err := iter.Err(); err != nil {
		return n, fmt.Errorf("forget cached members: %w", err)
	}
	return n, flush()
}
