// Package reporttest seeds a small province whose round-1 reports are known
// exactly, with plain SQL (no import code), for the tests of storage and of
// the report command.
package reporttest

import (
	"context"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
)

// ContestCode is the seeded contest: two rounds, three questions per attempt,
// up to three attempts, prediction of the number of participants.
const ContestCode = "cchc-2026"

// Round1 and Round2 are the ids of the seeded rounds.
const (
	Round1 int64 = 1
	Round2 int64 = 2
)

// Now is after round 1 closed (Monday 9 March 2026, 08:00 in Vietnam).
var Now = time.Date(2026, 3, 9, 1, 0, 0, 0, time.UTC)

// DuringRound1 is Thursday 5 March 15:05, while member 7 (Lê Thu Hà) is five
// minutes into her attempt.
var DuringRound1 = time.Date(2026, 3, 5, 8, 5, 0, 0, time.UTC)

// Seed fills an empty, migrated database. Round 1, at Now:
//
//	rank member              unit correct pred  dur  note
//	1    3 Phạm Văn Cường    SGD  3       9     200  exact prediction (9 took part)
//	2    2 Trần Thị Bình     SNV  3       7     90   90.4 s; off by 2
//	3    4 Vũ Thị Dung       SGD  3       11    90   90.9 s, submitted after Bình
//	4    1 Nguyễn Văn An     SNV  3       11    120  best of two attempts (the other: 2 right, 50 s, pred 9)
//	5    5 Hoàng Em          SGD  3       -     30   no prediction
//	6    6 Đặng Thu Giang    XA   2       9     60
//	7    7 Lê Thu Hà         XA   2       -     600  never submitted: counted at its deadline from its answers
//	8    9 Ngô Văn Khánh     SNV  1       9     100  has left the roster
//	9    8 Lý Văn Hùng       XA   0       3     45   zero score
//
// Absent active members: 10 Đỗ Minh (SNV, never verified), 11 Lê Văn Long
// (SGD, verified, excused "nghỉ phép"; took part in round 2 only),
// 12 Phan Thị Nga (SGD, verified), 13 Bùi Văn Phúc (SGD, never verified,
// excused "đi công tác"). Unit XB has one member, inactive. Member 10 has an
// excuse for round 2 only.
func Seed(t testing.TB, db sqlx.ExecerContext) {
	t.Helper()
	if _, err := db.ExecContext(context.Background(), seedSQL); err != nil {
		t.Fatalf("seed report fixture: %v", err)
	}
}

const seedSQL = `
INSERT INTO units (id, code, name, parent_id) VALUES
	(1, 'SNV', 'Sở Nội vụ', NULL),
	(2, 'SGD', 'Sở Giáo dục và Đào tạo', NULL),
	(3, 'XA', 'UBND xã An Hòa', 1),
	(4, 'XB', 'UBND xã Bình Minh', 1);

INSERT INTO members (id, full_name, phone, unit_id, position, role, active) VALUES
	(1, 'Nguyễn Văn An', '0912000001', 1, 'Giám đốc', 'head', true),
	(2, 'Trần Thị Bình', '0912000002', 1, 'Chuyên viên', 'member', true),
	(3, 'Phạm Văn Cường', '0912000003', 2, 'Phó Giám đốc', 'head', true),
	(4, 'Vũ Thị Dung', '0912000004', 2, 'Giáo viên', 'member', true),
	(5, 'Hoàng Em', '0912000005', 2, '', 'member', true),
	(6, 'Đặng Thu Giang', '0912000006', 3, 'Chủ tịch UBND xã', 'head', true),
	(7, 'Lê Thu Hà', '0912000007', 3, 'Công chức văn phòng', 'member', true),
	(8, 'Lý Văn Hùng', '0912000008', 3, 'Công chức địa chính', 'member', true),
	(9, 'Ngô Văn Khánh', '0912000009', 1, 'Chuyên viên', 'member', false),
	(10, 'Đỗ Minh', '0912000010', 1, 'Văn thư', 'member', true),
	(11, 'Lê Văn Long', '0912000011', 2, 'Kế toán', 'member', true),
	(12, 'Phan Thị Nga', '0912000012', 2, 'Giáo viên', 'member', true),
	(13, 'Bùi Văn Phúc', '0912000013', 2, 'Bảo vệ', 'member', true),
	(14, 'Mai Văn Quang', '0912000014', 4, 'Chủ tịch UBND xã', 'head', false);

INSERT INTO identities (member_id, platform, external_id, chat_id) VALUES
	(1, 'telegram', '1001', '1001'), (2, 'telegram', '1002', '1002'), (3, 'telegram', '1003', '1003'),
	(4, 'telegram', '1004', '1004'), (5, 'zalo', 'z1005', 'z1005'), (5, 'web', 'w1005', 'w1005'),
	(6, 'telegram', '1006', '1006'), (7, 'telegram', '1007', '1007'), (8, 'telegram', '1008', '1008'),
	(9, 'telegram', '1009', '1009'), (11, 'telegram', '1011', '1011'), (12, 'telegram', '1012', '1012'),
	(14, 'telegram', '1014', '1014');

INSERT INTO questions (id, code, text, options, correct) VALUES
	(1, 'Q1', 'Câu một?', '{A,B,C}', 0),
	(2, 'Q2', 'Câu hai?', '{A,B,C}', 1),
	(3, 'Q3', 'Câu ba?', '{A,B,C}', 2);

INSERT INTO contests (id, code, name, timezone, questions_per_attempt, time_limit_seconds,
	attempts_per_round, prediction, prediction_target)
VALUES (1, 'cchc-2026', 'Tìm hiểu cải cách hành chính 2026', 'Asia/Ho_Chi_Minh', 3, 600, 3,
	'Bao nhiêu người dự thi tuần này?', 'participants');

INSERT INTO rounds (id, contest_id, number, opens_at, closes_at) VALUES
	(1, 1, 1, '2026-03-02 07:30+07', '2026-03-06 16:30+07'),
	(2, 1, 2, '2026-03-09 07:30+07', '2026-03-13 16:30+07');

INSERT INTO attempts (id, round_id, member_id, seq, platform, started_at, deadline, submitted_at, correct, total, prediction) VALUES
	(1, 1, 1, 1, 'telegram', '2026-03-02 07:40:00+07', '2026-03-02 07:50:00+07', '2026-03-02 07:40:50+07', 2, 3, 9),
	(2, 1, 1, 2, 'telegram', '2026-03-02 20:00:00+07', '2026-03-02 20:10:00+07', '2026-03-02 20:02:00+07', 3, 3, 11),
	(3, 1, 2, 1, 'telegram', '2026-03-03 09:58:30+07', '2026-03-03 10:08:30+07', '2026-03-03 10:00:00.4+07', 3, 3, 7),
	(4, 1, 3, 1, 'telegram', '2026-03-02 08:00:00+07', '2026-03-02 08:10:00+07', '2026-03-02 08:03:20+07', 3, 3, 9),
	(5, 1, 4, 1, 'telegram', '2026-03-04 14:00:00+07', '2026-03-04 14:10:00+07', '2026-03-04 14:01:30.9+07', 3, 3, 11),
	(6, 1, 5, 1, 'zalo', '2026-03-05 11:00:00+07', '2026-03-05 11:10:00+07', '2026-03-05 11:00:30+07', 3, 3, NULL),
	(7, 1, 6, 1, 'telegram', '2026-03-02 09:00:00+07', '2026-03-02 09:10:00+07', '2026-03-02 09:01:00+07', 2, 3, 9),
	(8, 1, 7, 1, 'telegram', '2026-03-05 15:00:00+07', '2026-03-05 15:10:00+07', NULL, 0, 3, NULL),
	(9, 1, 8, 1, 'telegram', '2026-03-06 16:00:00+07', '2026-03-06 16:10:00+07', '2026-03-06 16:00:45+07', 0, 3, 3),
	(10, 1, 9, 1, 'telegram', '2026-03-03 08:00:00+07', '2026-03-03 08:10:00+07', '2026-03-03 08:01:40+07', 1, 3, 9),
	(11, 2, 11, 1, 'telegram', '2026-03-09 08:00:00+07', '2026-03-09 08:10:00+07', '2026-03-09 08:02:00+07', 3, 3, 5);

-- Member 7's attempt was cut off: two right, one unanswered.
INSERT INTO answers (attempt_id, position, question_id, option_order, chosen, is_correct, answered_at) VALUES
	(8, 0, 1, '{0,1,2}', 0, true, '2026-03-05 15:01:00+07'),
	(8, 1, 2, '{0,1,2}', 1, true, '2026-03-05 15:02:00+07'),
	(8, 2, 3, '{0,1,2}', NULL, NULL, NULL);

INSERT INTO excuses (round_id, member_id, reason, recorded_by) VALUES
	(1, 11, 'nghỉ phép', 3),
	(1, 13, 'đi công tác', 3),
	(2, 10, 'nghỉ ốm', 1);

SELECT setval('units_id_seq', 100), setval('members_id_seq', 100), setval('questions_id_seq', 100),
	setval('contests_id_seq', 100), setval('rounds_id_seq', 100), setval('attempts_id_seq', 100);
`
