package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"quizbot/bot/chat"
	"quizbot/quiz"
)

// Sessions keeps quiz sessions and the member cache in Redis.
type Sessions struct {
	rdb *redis.Client
	// hot runs the scripts of every event (ClaimDelivery, EndDelivery) through
	// go-redis's autopipeliner: the commands of concurrent updates share one
	// write and one read, instead of two system calls each on both sides,
	// which is most of what a round trip costs on a small machine. A lone
	// command is sent at once, without waiting for company.
	hot redis.Scripter
}

// NewSessions returns the Redis session store.
func NewSessions(rdb *redis.Client) *Sessions {
	s := &Sessions{rdb: rdb, hot: rdb}
	// The autopipeliner belongs to the client (closed with it). It fails only
	// on invalid options, and then the plain client does the same work.
	if rdb == nil {
		return s
	}
	if ap, err := rdb.AutoPipeline(); err == nil {
		s.hot = ap
	}
	return s
}

func sessionKey(memberID int64) string { return sessionPrefix + strconv.FormatInt(memberID, 10) }
func whoKey(p quiz.Platform, externalID string) string {
	return whoPrefix + string(p) + ":" + externalID
}

const (
	sessionPrefix = "qb:sess:"
	whoPrefix     = "qb:who:"
)

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

// saveShownLua writes session ARGV[o+1] of attempt ARGV[o+2] at position
// ARGV[o+3] to key KEYS[k], for ARGV[o+4] ms, unless the stored session has
// moved past it: a later question or a newer attempt, or the same attempt
// closed and waiting for the prediction (the time-out sweeper got there
// first). The fields read are the JSON names of quiz.Session. It sets
// `saved` (1 or 0).
const saveShownLua = `
local saved = 1
local cur = redis.call('GET', KEYS[k])
if cur then
	local ok, s = pcall(cjson.decode, cur)
	if ok and type(s) == 'table' and type(s.a) == 'number' then
		local a, p = tonumber(ARGV[o+2]), tonumber(ARGV[o+3])
		if s.a > a or (s.a == a and (s.ap or (type(s.p) == 'number' and s.p > p))) then
			saved = 0
		end
	end
end
if saved == 1 then
	redis.call('SET', KEYS[k], ARGV[o+1], 'PX', ARGV[o+4])
end
`

var saveShown = redis.NewScript(`local k, o = 1, 0` + saveShownLua + `return saved`)

// shownArgs are saveShownLua's arguments for sess.
func shownArgs(sess quiz.Session, ttl time.Duration) ([]any, error) {
	b, err := json.Marshal(sess)
	if err != nil {
		return nil, err
	}
	return []any{b, sess.AttemptID, sess.Pos, max(ttl.Milliseconds(), 1)}, nil
}

// SaveShown saves the session of a question just shown, in one round trip,
// unless the stored session has moved past it.
func (s *Sessions) SaveShown(ctx context.Context, sess quiz.Session, ttl time.Duration) (bool, error) {
	args, err := shownArgs(sess, ttl)
	if err != nil {
		return false, fmt.Errorf("save session: %w", err)
	}
	n, err := saveShown.Run(ctx, s.rdb, []string{sessionKey(sess.MemberID)}, args...).Int()
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

// accountLua reads the cached member behind an account (KEYS[k]) and that
// member's session (ARGV[o+1] is the session key prefix) into `who` and
// `sess`. The member id is the first field of the cached JSON (CacheMember
// writes quiz.Member, whose first field is ID). The session key is derived
// inside the script, which a Redis Cluster would refuse; quizbot uses one
// Redis.
const accountLua = `
local who = redis.call('GET', KEYS[k])
local sess = false
if who then
	local id = string.match(who, '^{"ID":(%d+),')
	if id then sess = redis.call('GET', ARGV[o+1] .. id) end
end
`

var cachedAccount = redis.NewScript(`local k, o = 1, 0` + accountLua + `return {who, sess}`)

// account decodes what accountLua read.
func account(who, sess any) quiz.Account {
	var acc quiz.Account
	if w, ok := who.(string); ok {
		if err := json.Unmarshal([]byte(w), &acc.Member); err == nil {
			acc.MemberOK = true
		}
	}
	if raw, ok := sess.(string); ok && acc.MemberOK {
		acc.Session, acc.SessionOK = decodeSession([]byte(raw))
		acc.SessionOK = acc.SessionOK && acc.Session.MemberID == acc.Member.ID
	}
	return acc
}

// CachedAccount returns the cached member behind an account and that
// member's session, in one round trip.
func (s *Sessions) CachedAccount(ctx context.Context, p quiz.Platform, externalID string) (quiz.Account, error) {
	vals, err := cachedAccount.Run(ctx, s.rdb, []string{whoKey(p, externalID)}, sessionPrefix).Slice()
	if err != nil {
		return quiz.Account{}, fmt.Errorf("cached account: %w", err)
	}
	if len(vals) != 2 {
		return quiz.Account{}, fmt.Errorf("cached account: %d values from the script", len(vals))
	}
	return account(vals[0], vals[1]), nil
}

// Deliveries (chat.Ledger) are claimed with a lease. The key is
// "qb:upd:<delivery key>" ("qb:upd:tg:<update_id>", "qb:upd:zalo:…"); the
// claim is "p:<token>:<expiry>", the expiry in Unix milliseconds of the
// caller's clock: a process that dies (SIGKILL, a crash) mid-event stops
// renewing its claim, and a delivery after the expiry takes the event over
// as a re-delivery within seconds, instead of being told "in progress"
// until a long TTL ran out. The key itself lives longer than the lease
// (claimKeep), so that a lapsed claim is still recognised as an earlier
// delivery that failed. Then "r" after a failure, kept for the ending's
// Keep.
//
// Done marks are what most of Redis would hold (one per event for as long
// as the platform may re-deliver: a day of traffic), so they are stored by
// what the key allows:
//
//   - Telegram's update_ids increase per bot, densely: an update's done
//     mark is one bit, in a bitmap of 65,536 consecutive ids
//     ("qb:done:tg:<update_id / 65536>", at most 8 KB, kept Keep after its
//     last mark), and its claim's key is deleted. A million updates cost
//     about 16 bitmaps instead of a million keys. A watermark (every id
//     below it done) would be smaller still but is not safe: Telegram
//     delivers over several connections at once and holds a chat's later
//     updates behind one that keeps failing, so a new id may arrive hours
//     after far higher ones were done.
//   - Other keys (Zalo's msg_ids, the web chat's) are not numbers in order:
//     their done mark is "d" in the key, kept for the ending's Keep, which
//     their adapter sizes to the platform's re-delivery horizon (Zalo: a few
//     hours, the web chat: none), so that they cost memory in proportion to
//     the events of that horizon, not of two days.
//
// A "d" key is read as done whatever the key (the marks of a quizbot before
// the bitmaps, until they expire).

const (
	deliveryPrefix = "qb:upd:"
	doneBitsPrefix = "qb:done:"
	// doneBitsShift: a bitmap holds the marks of 1<<doneBitsShift ids.
	doneBitsShift = 16
)

// doneBit is where a delivery key's done mark goes: the bitmap and the bit
// of a Telegram update, or (bit -1) the delivery's own key.
func doneBit(key string) (bitmap string, bit int64) {
	if id, ok := strings.CutPrefix(key, "tg:"); ok {
		if n, err := strconv.ParseInt(id, 10, 64); err == nil && n >= 0 {
			return doneBitsPrefix + "tg:" + strconv.FormatInt(n>>doneBitsShift, 10), n & (1<<doneBitsShift - 1)
		}
	}
	return deliveryPrefix + key, -1
}

// claimKeep is how long a claim's key outlives its lease.
const claimKeep = 10

// beginUpdate claims a delivered event (KEYS[1]) for processing: a new
// event, one whose earlier processing failed ("r") or whose claim lapsed
// becomes claimed by ARGV[1] ("p:<token>:"), until ARGV[3] (ms), the key
// kept ARGV[4] ms; ARGV[2] is the time now (ms). An event without a key is
// done if its bit ARGV[5] is set in bitmap KEYS[2] (-1: no bitmap). It
// returns what the key held ("p" for a live claim, "r" for a lapsed one,
// "d" for done, false for new) and, when it claimed, the account's cached
// member and session (KEYS[3], ARGV[6] the session prefix). A bare "p" is
// the claim of an older quizbot, without a lease: it runs out with its key.
// Unless ARGV[7] is 0, a new event also counts as one of the account's
// events in a rate window (KEYS[4], kept ARGV[7] ms), whose count comes
// fourth. Unless ARGV[8] is 0, the event, whatever became of its claim,
// notes the sender's inbound slot (KEYS[5], kept ARGV[8] ms: Inbound's
// throttle), and the fifth value is 1 if it was the slot's first.
var beginUpdate = redis.NewScript(`
local first = 0
if ARGV[8] ~= '0' and redis.call('SET', KEYS[5], '1', 'NX', 'PX', ARGV[8]) then first = 1 end
local v = redis.call('GET', KEYS[1])
if v == 'p' then return {v, false, false, 0, first} end
if v and string.sub(v, 1, 2) == 'p:' then
	local exp = tonumber(string.match(v, ':(%d+)$'))
	if exp and exp > tonumber(ARGV[2]) then return {'p', false, false, 0, first} end
	v = 'r'
elseif v and v ~= 'r' then
	return {v, false, false, 0, first}
elseif not v and ARGV[5] ~= '-1' and redis.call('GETBIT', KEYS[2], ARGV[5]) == 1 then
	return {'d', false, false, 0, first}
end
redis.call('SET', KEYS[1], ARGV[1] .. ARGV[3], 'PX', ARGV[4])
local k, o = 3, 5` + accountLua + `
local n = 0
if ARGV[7] ~= '0' and not v then
	n = redis.call('INCR', KEYS[4])
	if n == 1 then redis.call('PEXPIRE', KEYS[4], ARGV[7]) end
end
return {v, who, sess, n, first}`)

// RateWindow is an account's rate window (see chat.RateLimit).
type RateWindow = chat.RateWindow

const ratePrefix = "qb:rate:"

// rateKey is the window's counter for an account. Windows are named by
// their start, so that a new one starts from zero whatever Redis's own
// clock.
func rateKey(w RateWindow, p quiz.Platform, externalID string) string {
	return ratePrefix + string(p) + ":" + externalID + ":" + strconv.FormatInt(w.Start.UnixMilli(), 10)
}

// rateTTL keeps a window's counter a little past its end (it is set at the
// first event, which may come late in the window).
func rateTTL(w RateWindow) int64 { return max(w.Length.Milliseconds(), 1) + 1000 }

var countEvent = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`)

// CountEvent counts one event of an account in the rate window that starts
// at start, shared by every replica, and returns the window's count with
// it; chat.Bot calls it for the events that no ledger counted in its claim
// (ClaimDelivery).
func (s *Sessions) CountEvent(ctx context.Context, p quiz.Platform, externalID string, start time.Time, window time.Duration) (int64, error) {
	w := RateWindow{Start: start, Length: window}
	n, err := countEvent.Run(ctx, s.hot, []string{rateKey(w, p, externalID)}, rateTTL(w)).Int64()
	if err != nil {
		return 0, fmt.Errorf("count event: %w", err)
	}
	return n, nil
}

func claimPrefix(c chat.Claim) string { return "p:" + c.Token + ":" }

func claimArgs(c chat.Claim, lease time.Duration, now time.Time) []any {
	return []any{claimPrefix(c), now.UnixMilli(), now.Add(lease).UnixMilli(), max(claimKeep*lease.Milliseconds(), 1)}
}

// ClaimDelivery implements chat.Ledger: it claims a delivered event until
// r.Now+r.Lease, so that the event takes effect once however often it is
// delivered, and reads the sender's cached member and session, in one round
// trip. Given a rate window, a new event also counts as one of the sender's
// events in it, in the same round trip. The claim must be renewed
// (RenewDelivery) while the event runs longer than the lease.
func (s *Sessions) ClaimDelivery(ctx context.Context, c chat.Claim, r chat.ClaimRequest) (chat.Claimed, error) {
	bitmap, bit := doneBit(c.Key)
	// The rate and inbound keys are named even when unused (their TTL 0):
	// the script's keys stay in place.
	keys := []string{deliveryPrefix + c.Key, bitmap, whoKey(r.Platform, r.UserID), ratePrefix, inboundPrefix}
	args := append(claimArgs(c, r.Lease, r.Now), bit, sessionPrefix, 0, 0)
	if r.Rate.Length > 0 && r.UserID != "" {
		keys[3], args[6] = rateKey(r.Rate, r.Platform, r.UserID), rateTTL(r.Rate)
	}
	if r.Inbound && r.UserID != "" {
		keys[4], args[7] = inboundKey(r.Platform, r.UserID, r.Now, InboundEvery), (InboundEvery + time.Minute).Milliseconds()
	}
	vals, err := beginUpdate.Run(ctx, s.hot, keys, args...).Slice()
	if err != nil {
		return chat.Claimed{}, fmt.Errorf("claim delivery: %w", err)
	}
	if len(vals) != 5 {
		return chat.Claimed{}, fmt.Errorf("claim delivery: %d values from the script", len(vals))
	}
	var got chat.Claimed
	switch prev, _ := vals[0].(string); prev {
	case "":
		got.Prior = chat.PriorNone
	case "r":
		got.Prior = chat.PriorFailed
	case "d":
		got.Prior = chat.PriorDone
	default: // "p", or what a later quizbot writes: not claimed
		got.Prior = chat.PriorLive
	}
	got.Count, _ = vals[3].(int64)
	got.InboundDue = vals[4] == int64(1)
	got.Account = account(vals[1], vals[2])
	return got, nil
}

// renewClaim extends claim ARGV[1] of KEYS[1] to ARGV[2] (ms), the key kept
// ARGV[3] ms, if the key still holds it; 1 if it did.
var renewClaim = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, #ARGV[1]) == ARGV[1] then
	redis.call('SET', KEYS[1], ARGV[1] .. ARGV[2], 'PX', ARGV[3])
	return 1
end
return 0`)

// RenewDelivery implements chat.Ledger: it extends a claim to now+lease;
// false when the event is no longer this claim's (it lapsed and another
// delivery took it over).
func (s *Sessions) RenewDelivery(ctx context.Context, c chat.Claim, lease time.Duration, now time.Time) (bool, error) {
	args := claimArgs(c, lease, now)
	n, err := renewClaim.Run(ctx, s.rdb, []string{deliveryPrefix + c.Key}, args[0], args[2], args[3]).Int()
	if err != nil {
		return false, fmt.Errorf("renew delivery claim: %w", err)
	}
	return n == 1, nil
}

// endUpdate ends the claim of an event (KEYS[1]): ARGV[1] is "d" (done) or
// "r" (failed), kept ARGV[2] seconds, ARGV[3] the claim's prefix
// ("p:<token>:"), ARGV[4] the event's bit in bitmap KEYS[2] (-1: none).
// Done always wins: its bit is set and the key deleted, or, without a
// bitmap, the key becomes "d". A failure ("r") replaces neither a done mark
// nor another delivery's claim (that delivery marks it when it ends). With
// a third key, it saves a shown question's session as saveShown does.
var endUpdate = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
local bits = ARGV[4] ~= '-1'
if ARGV[1] == 'd' then
	if bits then
		redis.call('SETBIT', KEYS[2], ARGV[4], 1)
		redis.call('EXPIRE', KEYS[2], ARGV[2])
		if v then redis.call('DEL', KEYS[1]) end
	else
		redis.call('SET', KEYS[1], 'd', 'EX', ARGV[2])
	end
elseif not v or v == 'r' or string.sub(v, 1, #ARGV[3]) == ARGV[3] then
	if not (bits and redis.call('GETBIT', KEYS[2], ARGV[4]) == 1) then
		redis.call('SET', KEYS[1], 'r', 'EX', ARGV[2])
	end
end
if #KEYS > 2 then
	local k, o = 3, 4` + saveShownLua + `
end
return 1`)

// EndDelivery implements chat.Ledger: it marks a claimed event done or
// failed ("r", to be processed again when re-delivered), for e.Keep, and
// saves the session of a question shown while processing it (e.Shown), in
// one round trip.
func (s *Sessions) EndDelivery(ctx context.Context, c chat.Claim, e chat.Ending) error {
	state := "r"
	if e.Done {
		state = "d"
	}
	bitmap, bit := doneBit(c.Key)
	keys := []string{deliveryPrefix + c.Key, bitmap}
	args := []any{state, max(int64(e.Keep.Seconds()), 1), claimPrefix(c), bit}
	if e.Shown != nil {
		more, err := shownArgs(*e.Shown, e.ShownTTL)
		if err != nil {
			return fmt.Errorf("end delivery: %w", err)
		}
		keys = append(keys, sessionKey(e.Shown.MemberID))
		args = append(args, more...)
	}
	if err := endUpdate.Run(ctx, s.hot, keys, args...).Err(); err != nil {
		return fmt.Errorf("end delivery: %w", err)
	}
	return nil
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
	iter := s.rdb.Scan(ctx, 0, whoPrefix+"*", 1000).Iterator()
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

// Sessions is the conversation's ledger of deliveries.
var _ chat.Ledger = (*Sessions)(nil)
