package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"quizbot/config"
	"quizbot/quiz"
	"quizbot/storage"
)

// memberNeeds: issuing codes needs Postgres alone; unlink also clears the
// bots' cache in Redis.
func memberNeeds(args []string) config.Need {
	if len(args) > 0 && args[0] == "codes" {
		return config.NeedDatabase
	}
	return config.NeedDatabase | config.NeedRedis
}

// codeColumns are the workbook's columns, under a title row and a note row.
var codeColumns = []string{"Họ và tên", "Chức vụ", "Mã kích hoạt", "Hết hạn"}

// memberCodes runs `quizbot member codes [--unit CODE | --phone PHONE]
// [--days N] --out FILE.xlsx`: a new one-time activation code for each
// active member (of the unit and the units under it, or the one member with
// the phone, for a lost slip), one sheet per unit, for heads to hand out.
//
// The codes exist in clear only in that workbook: never on stdout nor in
// the logs. All or nothing, in this order: the codes are inserted (their
// hashes) in a transaction, the workbook is written in full to a temporary
// file beside --out, the transaction commits, and only then is the file
// renamed to --out. A failure before the commit leaves the previous codes
// valid, none of the new ones, and no file; a failure of the rename voids
// the new codes. So every valid code is in the file, and the file holds
// only valid codes.
func memberCodes(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("member codes", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	unit := fs.String("unit", "", "only the members of this unit and of the units under it")
	phone := fs.String("phone", "", "only the member with this phone")
	days := fs.Int("days", quiz.DefaultCodeDays, "days until the codes expire")
	out := fs.String("out", "", "the workbook to write (.xlsx)")
	words, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(words) != 0:
		return fmt.Errorf("%w: member codes takes no arguments besides its flags, got %q", errUsage, strings.Join(words, " "))
	case *out == "":
		return fmt.Errorf("%w: member codes needs --out FILE.xlsx", errUsage)
	case !strings.EqualFold(filepath.Ext(*out), ".xlsx"):
		return fmt.Errorf("%w: member codes writes an .xlsx workbook: --out must end in .xlsx, got %q", errUsage, *out)
	case *days < 1 || *days > 366:
		return fmt.Errorf("%w: member codes: --days must be a whole number from 1 to 366, got %d", errUsage, *days)
	case *unit != "" && *phone != "":
		return fmt.Errorf("%w: member codes takes --unit or --phone, not both", errUsage)
	}
	scope := storage.CodeScope{UnitCode: strings.TrimSpace(*unit)}
	if *phone != "" {
		p, err := quiz.NormalizePhone(*phone)
		if err != nil {
			return fmt.Errorf("member codes: %s", quiz.ErrorMessage(err))
		}
		scope.Phone = p
	}
	dir := filepath.Dir(*out)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("member codes: the folder of --out, %s, does not exist", dir)
	}

	db, err := openDB(ctx, e)
	if err != nil {
		return fmt.Errorf("member codes: %w", err)
	}
	defer db.Close()
	if scope.UnitCode != "" {
		if _, err := db.UnitByCode(ctx, scope.UnitCode); err != nil {
			if quiz.ErrorCode(err) == quiz.ENOTFOUND {
				return fmt.Errorf("member codes: không có đơn vị mã %s", scope.UnitCode)
			}
			return fmt.Errorf("member codes: %w", err)
		}
	}

	now := time.Now()
	expires := now.AddDate(0, 0, *days)
	var tmp string
	defer func() {
		if tmp != "" {
			os.Remove(tmp)
		}
	}()
	issued, err := db.IssueActivationCodes(ctx, scope, now, expires, quiz.NewCode, func(codes []storage.IssuedCode) error {
		f, err := os.CreateTemp(dir, "."+filepath.Base(*out)+".*.tmp") // 0600: it holds secrets
		if err != nil {
			return fmt.Errorf("member codes: %w", err)
		}
		tmp = f.Name()
		if err := writeCodesWorkbook(f, codes, now); err != nil {
			f.Close()
			return fmt.Errorf("member codes: write %s: %w", *out, err)
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return fmt.Errorf("member codes: write %s: %w", *out, err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("member codes: write %s: %w", *out, err)
		}
		return nil
	})
	switch {
	case errors.Is(err, storage.ErrIssueUnknown):
		return fmt.Errorf("member codes: %w; no workbook was written: run the command again, which voids whatever codes this run may have left", err)
	case err != nil:
		return err
	case len(issued) == 0:
		switch {
		case scope.Phone != "":
			return fmt.Errorf("member codes: không có cán bộ nào có số điện thoại %s trong danh sách dự thi; không cấp mã nào", quiz.MaskPhone(scope.Phone))
		case scope.UnitCode != "":
			return fmt.Errorf("member codes: đơn vị %s và các đơn vị trực thuộc không có cán bộ nào đang trong danh sách dự thi; không cấp mã nào", scope.UnitCode)
		}
		return fmt.Errorf("member codes: danh sách dự thi chưa có cán bộ nào; không cấp mã nào")
	}
	if err := os.Rename(tmp, *out); err != nil {
		if verr := db.VoidActivationCodes(context.WithoutCancel(ctx), issued, time.Now()); verr != nil {
			kept := tmp
			tmp = "" // keep it: its codes are valid
			return fmt.Errorf("member codes: the codes are issued, but the workbook could not be moved to %s (%v), nor the codes voided (%v): the workbook is %s", *out, err, verr, kept)
		}
		return fmt.Errorf("member codes: could not write %s: %w; the new codes are voided (and the previous ones were replaced): run the command again", *out, err)
	}
	tmp = ""
	printIssued(e.stdout, issued, *out, expires)
	e.log.Info("activation codes issued", "codes", len(issued), "unit", scope.UnitCode, "phone", quiz.MaskPhone(scope.Phone), "days", *days)
	return nil
}

// printIssued says how many codes each unit got and where they are; never
// the codes.
func printIssued(w io.Writer, issued []storage.IssuedCode, out string, expires time.Time) {
	for _, g := range byUnit(issued) {
		fmt.Fprintf(w, "%s\t%s\t%d mã\n", g[0].Member.UnitCode, g[0].Member.UnitName, len(g))
	}
	if abs, err := filepath.Abs(out); err == nil {
		out = abs
	}
	fmt.Fprintf(w, "đã cấp %d mã kích hoạt cho %d đơn vị, hết hạn %s, trong tệp %s (mã cũ của các cán bộ này không còn dùng được)\n",
		len(issued), len(byUnit(issued)), vnTime(expires), out)
}

// byUnit groups codes by unit, in the order they come (by unit code).
func byUnit(issued []storage.IssuedCode) [][]storage.IssuedCode {
	var groups [][]storage.IssuedCode
	for i, c := range issued {
		if i == 0 || c.Member.UnitID != issued[i-1].Member.UnitID {
			groups = append(groups, nil)
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], c)
	}
	return groups
}

func vnTime(t time.Time) string {
	return t.In((&quiz.Contest{}).Location()).Format("02/01/2006 15:04")
}

// writeCodesWorkbook writes one sheet per unit, named by its code: a title
// row naming the unit, a note, then the header and one row per member.
// Every cell is text (a code of digits must not turn into a number).
func writeCodesWorkbook(w io.Writer, issued []storage.IssuedCode, now time.Time) error {
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	title, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	if err != nil {
		return err
	}
	textFmt := "@"
	code, err := f.NewStyle(&excelize.Style{CustomNumFmt: &textFmt, Font: &excelize.Font{Family: "Consolas", Size: 13, Bold: true}})
	if err != nil {
		return err
	}
	text, err := f.NewStyle(&excelize.Style{CustomNumFmt: &textFmt})
	if err != nil {
		return err
	}
	names := sheetNames{}
	for i, g := range byUnit(issued) {
		u := g[0].Member
		name := names.name(u.UnitCode)
		if i == 0 {
			if err := f.SetSheetName(f.GetSheetName(0), name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return err
		}
		sw, err := f.NewStreamWriter(name)
		if err != nil {
			return err
		}
		widths := []float64{float64(utf8.RuneCountInString(codeColumns[0])), float64(utf8.RuneCountInString(codeColumns[1])), 14, 18}
		for _, c := range g {
			widths[0] = max(widths[0], float64(utf8.RuneCountInString(c.Member.FullName)))
			widths[1] = max(widths[1], float64(utf8.RuneCountInString(c.Member.Position)))
		}
		for i, wd := range widths {
			if err := sw.SetColWidth(i+1, i+1, min(wd+2, 60)); err != nil {
				return err
			}
		}
		rows := [][]any{
			{excelize.Cell{StyleID: title, Value: fmt.Sprintf("Mã kích hoạt tài khoản dự thi – %s (%s)", u.UnitName, u.UnitCode)}},
			{excelize.Cell{StyleID: text, Value: fmt.Sprintf("Cấp lúc %s. Mỗi mã dùng một lần: cán bộ gửi /kichhoat MÃ cho bot (Telegram, Zalo) để kích hoạt tài khoản. Giữ kín, không gửi mã của người này cho người khác.", vnTime(now))}},
			{excelize.Cell{StyleID: bold, Value: codeColumns[0]}, excelize.Cell{StyleID: bold, Value: codeColumns[1]},
				excelize.Cell{StyleID: bold, Value: codeColumns[2]}, excelize.Cell{StyleID: bold, Value: codeColumns[3]}},
		}
		for _, c := range g {
			rows = append(rows, []any{
				excelize.Cell{StyleID: text, Value: c.Member.FullName},
				excelize.Cell{StyleID: text, Value: c.Member.Position},
				excelize.Cell{StyleID: code, Value: quiz.FormatCode(c.Code)},
				excelize.Cell{StyleID: text, Value: vnTime(c.Expires)},
			})
		}
		for r, row := range rows {
			ref, _ := excelize.CoordinatesToCellName(1, r+1)
			if err := sw.SetRow(ref, row); err != nil {
				return err
			}
		}
		if err := sw.Flush(); err != nil {
			return err
		}
	}
	f.SetActiveSheet(0)
	return f.Write(w)
}

// sheetNames makes unit codes acceptable, distinct sheet names: at most 31
// characters, none of : \ / ? * [ ], not starting or ending with an
// apostrophe, and unique ignoring case, as Excel requires.
type sheetNames map[string]bool

func (s sheetNames) name(code string) string {
	base := strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]`, r) {
			return '_'
		}
		return r
	}, strings.Trim(code, "'"))
	if base == "" || strings.EqualFold(base, "History") {
		base = "_" + base
	}
	for n := 1; ; n++ {
		name := base
		if n > 1 {
			name = fmt.Sprintf("~%d", n)
			name = truncRunes(base, 31-utf8.RuneCountInString(name)) + name
		}
		name = truncRunes(name, 31)
		if !s[strings.ToLower(name)] {
			s[strings.ToLower(name)] = true
			return name
		}
	}
}

func truncRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
