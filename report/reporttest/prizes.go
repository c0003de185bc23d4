package reporttest

import (
	"context"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
)

// PrizesContest is the contest SeedPrizes creates: two rounds of five
// questions, ten minutes, up to three attempts, predicting participants.
const PrizesContest = "giai-2026"

// PrizesRound1 and PrizesRound2 are its rounds' ids.
const (
	PrizesRound1 int64 = 11
	PrizesRound2 int64 = 12
)

// PrizesNow is after both rounds settled (Saturday 14 March 2026, 10:00
// in Vietnam); Round1Unsettled is five minutes after round 1 closed, while
// an attempt started at the last moment could still finish.
var (
	PrizesNow       = time.Date(2026, 3, 14, 3, 0, 0, 0, time.UTC)
	Round1Unsettled = time.Date(2026, 3, 6, 9, 35, 0, 0, time.UTC)
)

// SeedPrizes fills an empty, migrated database with a contest whose
// rankings exercise every level of the rule. Round 1 (13 took part, 7 of
// them perfect):
//
//	rank member               unit correct pred dist dur  note
//	1    11 Ngô Văn Khánh     UA   5       13   0    20   has left the roster
//	2    1  Nguyễn Văn An     UA   5       13   0    100  best of two (other: 4 right, 30 s, pred 20)
//	3    5  Đặng Văn Đức      UC   5       12   1    200  distance beats duration
//	4    4  Phạm Văn Dũng     UB   5       15   2    40   submitted 08:00; an earlier attempt: 60 s, pred 13
//	5    3  Lê Văn Cường      UB   5       11   2    40   submitted 09:00
//	6    2  Trần Thị Bình     UA   5       15   2    50
//	7    14 Mai Văn Quang     UD   5       -    -    30   no prediction
//	8    6  Dương Thị Hoa     UC   4       13   0    10
//	9    7  Hoàng Em          UA   4       -    -    5
//	10   8  Hồ Văn Xuân       UB   3       14   1    60   tied with 9 on everything
//	10   9  Đào Thị Yến       UB   3       12   1    60
//	12   10 Lý Văn Hùng       UC   0       5    8    45   zero score
//	13   12 Đinh Thị Lan      UC   0       -    -    30   zero score
//
// Round 2 (6 took part): 1 An 5/6/100 s, 5 Đức 5/6/100 s, 4 Dũng 5/7/40 s,
// 3 Cường 4/6/40 s, 14 Quang 5/-/30 s, 13 Đỗ Minh 3/6/100 s. Active staff:
// UA 4 (1, 2, 7, 13), UB 4, UC 4, UD 1; UE has none.
func SeedPrizes(t testing.TB, db sqlx.ExecerContext) {
	t.Helper()
	if _, err := db.ExecContext(context.Background(), prizesSQL); err != nil {
		t.Fatalf("seed prizes fixture: %v", err)
	}
}

const prizesSQL = `
INSERT INTO units (id, code, name) VALUES
	(1, 'UA', 'Phòng A'), (2, 'UB', 'Phòng B'), (3, 'UC', 'Xã C'), (4, 'UD', 'Trạm D'), (5, 'UE', 'Ban E');

INSERT INTO members (id, full_name, phone, unit_id, position, active) VALUES
	(1, 'Nguyễn Văn An', '0912000001', 1, 'Trưởng phòng', true),
	(2, 'Trần Thị Bình', '0912000002', 1, 'Chuyên viên', true),
	(3, 'Lê Văn Cường', '0912000003', 2, 'Chuyên viên', true),
	(4, 'Phạm Văn Dũng', '0912000004', 2, '=1+1', true),
	(5, 'Đặng Văn Đức', '0912000005', 3, 'Chủ tịch', true),
	(6, 'Dương Thị Hoa', '0912000006', 3, 'Văn thư', true),
	(7, 'Hoàng Em', '0912000007', 1, '', true),
	(8, 'Hồ Văn Xuân', '0912000008', 2, 'Kế toán', true),
	(9, 'Đào Thị Yến', '0912000009', 2, 'Thủ quỹ', true),
	(10, 'Lý Văn Hùng', '0912000010', 3, 'Địa chính', true),
	(11, 'Ngô Văn Khánh', '0912000011', 1, 'Chuyên viên', false),
	(12, 'Đinh Thị Lan', '0912000012', 3, 'Tư pháp', true),
	(13, 'Đỗ Minh', '0912000013', 1, 'Văn thư', true),
	(14, 'Mai Văn Quang', '0912000014', 4, 'Trạm trưởng', true);

INSERT INTO contests (id, code, name, timezone, questions_per_attempt, time_limit_seconds,
	attempts_per_round, prediction, prediction_target)
VALUES (11, 'giai-2026', 'Tìm hiểu cải cách hành chính 2026', 'Asia/Ho_Chi_Minh', 5, 600, 3,
	'Bao nhiêu người dự thi tuần này?', 'participants');

INSERT INTO rounds (id, contest_id, number, opens_at, closes_at) VALUES
	(11, 11, 1, '2026-03-02 07:30+07', '2026-03-06 16:30+07'),
	(12, 11, 2, '2026-03-09 07:30+07', '2026-03-13 16:30+07');

INSERT INTO attempts (round_id, member_id, seq, platform, started_at, deadline, submitted_at, correct, total, prediction) VALUES
	(11, 11, 1, 'telegram', '2026-03-02 10:00:00+07', '2026-03-02 10:10:00+07', '2026-03-02 10:00:20+07', 5, 5, 13),
	(11, 1, 1, 'telegram', '2026-03-02 08:00:00+07', '2026-03-02 08:10:00+07', '2026-03-02 08:00:30+07', 4, 5, 20),
	(11, 1, 2, 'telegram', '2026-03-02 09:00:00+07', '2026-03-02 09:10:00+07', '2026-03-02 09:01:40.7+07', 5, 5, 13),
	(11, 5, 1, 'telegram', '2026-03-03 08:00:00+07', '2026-03-03 08:10:00+07', '2026-03-03 08:03:20+07', 5, 5, 12),
	(11, 4, 1, 'telegram', '2026-03-04 07:59:20+07', '2026-03-04 08:09:20+07', '2026-03-04 08:00:00+07', 5, 5, 15),
	(11, 4, 2, 'telegram', '2026-03-04 07:00:00+07', '2026-03-04 07:10:00+07', '2026-03-04 07:01:00+07', 5, 5, 13),
	(11, 3, 1, 'telegram', '2026-03-04 08:59:20+07', '2026-03-04 09:09:20+07', '2026-03-04 09:00:00+07', 5, 5, 11),
	(11, 2, 1, 'telegram', '2026-03-04 11:00:00+07', '2026-03-04 11:10:00+07', '2026-03-04 11:00:50+07', 5, 5, 15),
	(11, 14, 1, 'zalo', '2026-03-05 11:00:00+07', '2026-03-05 11:10:00+07', '2026-03-05 11:00:30+07', 5, 5, NULL),
	(11, 6, 1, 'telegram', '2026-03-05 12:00:00+07', '2026-03-05 12:10:00+07', '2026-03-05 12:00:10+07', 4, 5, 13),
	(11, 7, 1, 'telegram', '2026-03-05 13:00:00+07', '2026-03-05 13:10:00+07', '2026-03-05 13:00:05+07', 4, 5, NULL),
	(11, 8, 1, 'telegram', '2026-03-05 14:00:00+07', '2026-03-05 14:10:00+07', '2026-03-05 14:01:00+07', 3, 5, 14),
	(11, 9, 1, 'telegram', '2026-03-05 14:00:00+07', '2026-03-05 14:10:00+07', '2026-03-05 14:01:00+07', 3, 5, 12),
	(11, 10, 1, 'telegram', '2026-03-06 09:00:00+07', '2026-03-06 09:10:00+07', '2026-03-06 09:00:45+07', 0, 5, 5),
	(11, 12, 1, 'telegram', '2026-03-06 10:00:00+07', '2026-03-06 10:10:00+07', '2026-03-06 10:00:30+07', 0, 5, NULL),
	(12, 1, 1, 'telegram', '2026-03-10 08:00:00+07', '2026-03-10 08:10:00+07', '2026-03-10 08:01:40+07', 5, 5, 6),
	(12, 5, 1, 'telegram', '2026-03-10 09:00:00+07', '2026-03-10 09:10:00+07', '2026-03-10 09:01:40+07', 5, 5, 6),
	(12, 4, 1, 'telegram', '2026-03-10 10:00:00+07', '2026-03-10 10:10:00+07', '2026-03-10 10:00:40+07', 5, 5, 7),
	(12, 3, 1, 'telegram', '2026-03-10 11:00:00+07', '2026-03-10 11:10:00+07', '2026-03-10 11:00:40+07', 4, 5, 6),
	(12, 14, 1, 'zalo', '2026-03-10 12:00:00+07', '2026-03-10 12:10:00+07', '2026-03-10 12:00:30+07', 5, 5, NULL),
	(12, 13, 1, 'telegram', '2026-03-10 13:00:00+07', '2026-03-10 13:10:00+07', '2026-03-10 13:01:40+07', 3, 5, 6);
`
