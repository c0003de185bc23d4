package quiz

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"strings"
	"time"
)

// Activation codes: a member who cannot share a proven phone (Zalo gives a
// bot none) binds a chat account with a one-time code that their unit's head
// hands out (`quizbot member codes`).
const (
	// CodeAlphabet has no look-alikes: no 0/O, no 1/I/L.
	CodeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
	// CodeLen characters of 31 give 31^8 ≈ 8.5·10^11 codes (39.6 bits).
	CodeLen = 8
	// DefaultCodeDays is how long a code lasts unless --days says otherwise.
	DefaultCodeDays = 30
	// MaxCodeFailures wrong codes within CodeFailureWindow lock an account
	// out of activation for CodeLockout.
	MaxCodeFailures   = 5
	CodeFailureWindow = time.Hour
	CodeLockout       = time.Hour
)

// NewCode returns a fresh code from crypto/rand, without bias: bytes of 248
// and above (8·31) are drawn again.
func NewCode() (string, error) {
	out := make([]byte, 0, CodeLen)
	buf := make([]byte, 2*CodeLen)
	for len(out) < CodeLen {
		if _, err := rand.Read(buf); err != nil {
			return "", fmt.Errorf("new activation code: %w", err)
		}
		for _, b := range buf {
			if b < 248 && len(out) < CodeLen {
				out = append(out, CodeAlphabet[int(b)%len(CodeAlphabet)])
			}
		}
	}
	return string(out), nil
}

// FormatCode writes a code the way it is handed out, ABCD-EFGH: easier to
// read aloud and to type, and never a number in a spreadsheet.
func FormatCode(code string) string {
	if len(code) != CodeLen {
		return code
	}
	return code[:4] + "-" + code[4:]
}

// codeCandidate strips what people type around a code (spaces, dashes of
// any kind) and upper-cases it; ok is false unless CodeLen ASCII letters or
// digits remain, i.e. unless the text looks like an attempt at a code.
func codeCandidate(s string) (string, bool) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == ' ' || r == '\t' || r == '-' || r == '–' || r == '—' || r == '\u00a0':
		case r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			return "", false
		}
	}
	return b.String(), b.Len() == CodeLen
}

// LooksLikeCode reports whether typed text is meant as an activation code:
// eight letters or digits, give or take spaces, dashes and case.
func LooksLikeCode(s string) bool {
	_, ok := codeCandidate(s)
	return ok
}

// NormalizeCode turns typed text ("abcd-efgh", "ABCD EFGH") into a code;
// ok is false when it cannot be one (wrong length, a character outside
// CodeAlphabet).
func NormalizeCode(s string) (string, bool) {
	c, ok := codeCandidate(s)
	if !ok {
		return "", false
	}
	for i := 0; i < len(c); i++ {
		if strings.IndexByte(CodeAlphabet, c[i]) < 0 {
			return "", false
		}
	}
	return c, true
}

// HashCode is what is stored of a code. A plain SHA-256 rather than a slow
// password hash: a code is found by its hash among all members' codes, so it
// cannot have a per-row salt, and it needs none against online guessing,
// which the lockout bounds (five tries an hour per account against 31^8
// codes). What the hash does is keep codes out of the database, its backups
// and whoever reads them casually. It does not make a stolen database safe:
// 8.5·10^11 SHA-256s are minutes on a GPU, so the dump must be guarded as
// the roster is, and codes expire (DefaultCodeDays).
func HashCode(code string) []byte {
	h := sha256.Sum256([]byte("quizbot activation code v1:" + code))
	return h[:]
}

// CodeOutcome is what redeeming a code found.
type CodeOutcome int

const (
	CodeRedeemed       CodeOutcome = iota // the account is now bound to the member
	CodeAlreadyBound                      // the account was bound to the code's member already
	CodeWrong                             // no such code
	CodeExpired                           // past its expiry
	CodeUsed                              // used already, by another account
	CodeVoided                            // replaced by a newer code
	CodeMemberInactive                    // the member left the roster
	CodeAccountTaken                      // the account is bound to another member
	CodeMemberTaken                       // the member has another account on this platform
)

// Lockout is the rule for wrong codes: Max within Window lock the account
// for For.
type Lockout struct {
	Max    int
	Window time.Duration
	For    time.Duration
}

// CodeRule is the lockout rule of activation codes.
var CodeRule = Lockout{Max: MaxCodeFailures, Window: CodeFailureWindow, For: CodeLockout}

// ActivationStore is what activation needs from storage; storage.DB
// implements it. The Service finds it on its Store.
type ActivationStore interface {
	// ActivationLockedUntil returns until when the account may not try a
	// code, and whether it is locked at now.
	ActivationLockedUntil(ctx context.Context, p Platform, externalID string, now time.Time) (time.Time, bool, error)
	// RecordActivationFailure counts a wrong code from the account under
	// rule; it returns the wrong codes counted in the window so far and,
	// when this one locks the account, until when.
	RecordActivationFailure(ctx context.Context, p Platform, externalID string, now time.Time, rule Lockout) (failures int, lockedUntil time.Time, err error)
	// RedeemActivationCode binds the account (id) to the member whose live
	// code has the hash, marking the code used, in one transaction: nothing
	// changes unless the outcome is CodeRedeemed (or CodeAlreadyBound).
	// The member is returned when the code was found.
	RedeemActivationCode(ctx context.Context, hash []byte, id Identity, now time.Time) (Member, CodeOutcome, error)
}

// vnTime formats a moment for a message, in Vietnam's time zone.
func vnTime(t time.Time) string {
	return t.In((&Contest{}).Location()).Format(TimeLayout)
}

// Activate binds a platform account to the member whose activation code was
// typed (in any case, with spaces or a dash). A code works once; five wrong
// codes within an hour lock the account out for an hour, during which even
// a good code is refused and stays unused.
func (s *Service) Activate(ctx context.Context, p Platform, externalID, chatID, typed string) (Member, error) {
	as, ok := s.store.(ActivationStore)
	if !ok {
		return Member{}, fmt.Errorf("activate: the store keeps no activation codes")
	}
	now := s.clock.Now()
	until, locked, err := as.ActivationLockedUntil(ctx, p, externalID, now)
	if err != nil {
		return Member{}, fmt.Errorf("activate: %w", err)
	}
	if locked {
		return Member{}, Errorf(EFORBIDDEN, "Anh/chị đã nhập sai mã kích hoạt %d lần. Để bảo đảm an toàn, tài khoản tạm thời không thể kích hoạt đến %s; vui lòng thử lại sau thời điểm đó.",
			MaxCodeFailures, vnTime(until))
	}
	code, ok := NormalizeCode(typed)
	if !ok {
		// It cannot match any code: not counted as a guess.
		return Member{}, Errorf(EINVALID, "Mã kích hoạt không đúng. Mã gồm 8 ký tự chữ và số (không có các ký tự 0, O, 1, I, L), ví dụ: ABCD-EFGH. Anh/chị vui lòng kiểm tra lại.")
	}
	m, outcome, err := as.RedeemActivationCode(ctx, HashCode(code), Identity{MemberID: 0, Platform: p, ExternalID: externalID, ChatID: chatID}, now)
	if err != nil {
		return Member{}, fmt.Errorf("activate: %w", err)
	}
	switch outcome {
	case CodeRedeemed, CodeAlreadyBound:
		_ = s.sessions.CacheMember(ctx, p, externalID, m, memberCacheTTL)
		eventOf(ctx).identify(p, externalID, m, nil, true)
		return m, nil
	case CodeWrong:
		n, until, err := as.RecordActivationFailure(ctx, p, externalID, now, CodeRule)
		if err != nil {
			return Member{}, fmt.Errorf("activate: %w", err)
		}
		if !until.IsZero() {
			return Member{}, &Error{Code: EINVALID, Err: fmt.Errorf("wrong code, account locked"), Message: fmt.Sprintf(
				"Mã kích hoạt không đúng. Anh/chị đã nhập sai %d lần nên tài khoản tạm thời không thể kích hoạt đến %s.", MaxCodeFailures, vnTime(until))}
		}
		return Member{}, &Error{Code: EINVALID, Err: fmt.Errorf("wrong code"), Message: fmt.Sprintf(
			"Mã kích hoạt không đúng. Anh/chị vui lòng kiểm tra lại mã do thủ trưởng đơn vị cấp (còn %d lần thử trước khi bị tạm khóa 1 giờ).", max(MaxCodeFailures-n, 0))}
	case CodeExpired:
		return Member{}, &Error{Code: EINVALID, Err: fmt.Errorf("expired code"), Message: "Mã kích hoạt này đã hết hạn. Anh/chị vui lòng đề nghị thủ trưởng đơn vị cấp mã mới."}
	case CodeUsed:
		return Member{}, &Error{Code: ECONFLICT, Err: fmt.Errorf("used code"), Message: "Mã kích hoạt này đã được sử dụng; mỗi mã chỉ dùng được một lần. Nếu không phải anh/chị đã dùng, vui lòng báo ngay thủ trưởng đơn vị để được cấp mã mới."}
	case CodeVoided:
		return Member{}, &Error{Code: EINVALID, Err: fmt.Errorf("voided code"), Message: "Mã kích hoạt này đã được thay bằng mã mới. Anh/chị vui lòng dùng mã mới nhất do thủ trưởng đơn vị cấp."}
	case CodeMemberInactive:
		return Member{}, &Error{Code: ENOTFOUND, Err: fmt.Errorf("member %d inactive", m.ID), Message: textNotOnRoster}
	case CodeAccountTaken:
		return Member{}, Errorf(ECONFLICT, textAccountTaken)
	case CodeMemberTaken:
		return Member{}, &Error{Code: ECONFLICT, Err: fmt.Errorf("member %d has another %s account", m.ID, p), Message: "Cán bộ này đã được xác thực trên một tài khoản khác của cùng ứng dụng. Nếu anh/chị đã đổi điện thoại hoặc tài khoản, vui lòng đề nghị Ban Tổ chức gỡ liên kết cũ (lệnh quizbot member unlink) rồi kích hoạt lại."}
	}
	return Member{}, fmt.Errorf("activate: unknown outcome %d", outcome)
}
