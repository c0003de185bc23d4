// Package notify chases participation and reports it: round-opening
// messages, reminders to members who have not taken part, a last call before
// a round closes, and the weekly summary cards for heads of units and
// organizers.
//
// Delivery is a queue in Postgres (the notifications table). Every
// notification is inserted, keyed for deduplication by kind, round,
// recipient and schedule slot, before anything is sent, so a restart, a
// re-run or a second replica never sends it twice. Senders on any number of
// replicas claim rows one at a time in a committed statement (FOR UPDATE
// SKIP LOCKED) and hold no database lock during the HTTP call; a row whose
// sender died mid-send goes back to the queue when its lease runs out
// (at-least-once for that one message: whether it reached the person before
// the crash cannot be known). Sends are paced per platform by a limiter in
// Redis shared by all replicas; a 429 pauses the platform for retry_after, a
// 403 marks the account unreachable, other failures are retried with
// back-off up to a cap.
//
// The Scheduler turns the contests' cron expressions into jobs, each slot
// taking effect once whatever the number of replicas, and runs at start the
// latest slot missed while the service was down if its round still matters.
package notify

import (
	"time"

	"quizbot/quiz"
)

// Kinds of notification, as stored in notifications.kind.
const (
	KindOpen       = "open"        // a round opened
	KindRemind     = "remind"      // a scheduled reminder to those who have not taken part
	KindLastCall   = "lastcall"    // the last reminder, hours before the round closes
	KindSummary    = "summary"     // a head's card for their unit
	KindSummaryOrg = "summary_org" // an organizer's card for the province
)

// Kinds lists every kind, in the order status shows them.
var Kinds = []string{KindOpen, KindRemind, KindLastCall, KindSummary, KindSummaryOrg}

// Defaults.
const (
	DefaultLease       = 2 * time.Minute
	DefaultMaxTries    = 5
	DefaultBackoff     = 5 * time.Second
	DefaultMaxBackoff  = 5 * time.Minute
	DefaultSendTimeout = 60 * time.Second
	DefaultLastCall    = 3 * time.Hour
	// DefaultSummaryRelevance is how long after its slot a missed summary
	// is still sent at start: past it, the next round's news has taken over.
	DefaultSummaryRelevance = 6 * 24 * time.Hour
)

// DefaultPlatforms are the platforms notifications go to, in order of
// preference for a member with accounts on several.
var DefaultPlatforms = []quiz.Platform{quiz.PlatformTelegram, quiz.PlatformZalo, quiz.PlatformWeb}
