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

func (s *Sessions) Session(ctx context.Context, memberID int64) (quiz.Session, bool, error) {
	var sess quiz.Session
	b, err := s.rdb.Get(ctx, sessionKey(memberID)).Bytes()
	if errors.Is(err, redis.Nil) {
		return sess, false, nil
	}
	if err != nil {
		return sess, false, fmt.Errorf("get session: %w", err)
	}
	if err := json.Unmarshal(b, &sess); err != nil {
		// A session we cannot read is rebuilt from Postgres.
		return sess, false, nil
	}
	return sess, true, nil
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
	if err := s.rdb.Del(ctx, sessionKey(memberID)).Err(); err != nil {
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
