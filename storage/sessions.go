package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
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

func sessionKey(memberID int64) string { return sessionPrefix + strconv.FormatInt(memberID, 10) }
func whoKey(p quiz.Platform, externalID string) string {
	return "qb:who:" + string(p) + ":" + externalID
}

const sessionPrefix = "qb:sess:"

// Session reads a member's session.
func (s *Sessions) Session(ctx context.Context, memberID int64) (quiz.Session, bool, error) {
	b, err := s.rdb.Get(ctx, sessionKey(memberID)).Bytes()
	if errors.Is(err, redis.Nil) {
		return quiz.Session{}, false, nil
	}
	if err != nil {
		return quiz.Session{}, false, fmt.Errorf("get session: %w", err)
	}
	sess, ok := decodeSession(b)
	return sess, ok, nil
}

// decodeSession reads a stored session; one we cannot read is treated as
// absent and rebuilt from Postgres.
func decodeSession(b []byte) (quiz.Session, bool) {
	var sess quiz.Session
	if err := json.Unmarshal(b, &sess); err != nil {
		return quiz.Session{}, false
	}
	return sess, true
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

// saveShown writes a session unless the stored one has moved past it: a
// later question or a newer attempt, or the same attempt closed and
// waiting for the prediction (the time-out sweeper got there first). The
// fields read are the JSON names of quiz.Session.
var saveShown = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur then
	local ok, s = pcall(cjson.decode, cur)
	if ok and type(s) == 'table' and type(s.a) == 'number' then
		local a, p = tonumber(ARGV[2]), tonumber(ARGV[3])
		if s.a > a or (s.a == a and (s.ap or (type(s.p) == 'number' and s.p > p))) then
			return 0
		end
	end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[4])
return 1`)

// SaveShown saves the session of a question just shown, in one round trip,
// unless the stored session has moved past it.
func (s *Sessions) SaveShown(ctx context.Context, sess quiz.Session, ttl time.Duration) (bool, error) {
	b, err := json.Marshal(sess)
	if err != nil {
		return false, fmt.Errorf("save session: %w", err)
	}
	n, err := saveShown.Run(ctx, s.rdb, []string{sessionKey(sess.MemberID)},
		b, sess.AttemptID, sess.Pos, max(ttl.Milliseconds(), 1)).Int()
	if err != nil {
		return false, fmt.Errorf("save session: %w", err)
	}
	return n == 1, nil
}

func (s *Sessions) DeleteSession(ctx context.Context, memberID int64) error {
	if err := s.rdb.Del(ctx, sessionKey(memberID)).Err(); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// cachedAccount reads the cached member behind an account and, in the same
// round trip, that member's session. The member id is the first field of
// the cached JSON (CacheMember writes quiz.Member, whose first field is ID).
// The session key is derived inside the script, which a Redis Cluster would
// refuse; quizbot uses one Redis.
var cachedAccount = redis.NewScript(`
local who = redis.call('GET', KEYS[1])
if not who then return {false, false} end
local id = string.match(who, '^{"ID":(%d+),')
if not id then return {who, false} end
return {who, redis.call('GET', ARGV[1] .. id)}`)

// CachedAccount returns the cached member behind an account and that
// member's session, in one round trip.
func (s *Sessions) CachedAccount(ctx context.Context, p quiz.Platform, externalID string) (quiz.Account, error) {
	var acc quiz.Account
	vals, err := cachedAccount.Run(ctx, s.rdb, []string{whoKey(p, externalID)}, sessionPrefix).Slice()
	if err != nil {
		return acc, fmt.Errorf("cached account: %w", err)
	}
	if len(vals) != 2 {
		return acc, fmt.Errorf("cached account: %d values from the script", len(vals))
	}
	if who, ok := vals[0].(string); ok {
		if err := json.Unmarshal([]byte(who), &acc.Member); err == nil {
			acc.MemberOK = true
		}
	}
	if raw, ok := vals[1].(string); ok && acc.MemberOK {
		acc.Session, acc.SessionOK = decodeSession([]byte(raw))
		acc.SessionOK = acc.SessionOK && acc.Session.MemberID == acc.Member.ID
	}
	return acc, nil
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
