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

	"quizbot/config"
	"quizbot/quiz"
	"quizbot/reports"
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
		if err := reports.WriteCodesWorkbook(f, codes, now); err != nil {
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
	for _, g := range reports.CodesByUnit(issued) {
		fmt.Fprintf(w, "%s\t%s\t%d mã\n", g[0].Member.UnitCode, g[0].Member.UnitName, len(g))
	}
	if abs, err := filepath.Abs(out); err == nil {
		out = abs
	}
	fmt.Fprintf(w, "đã cấp %d mã kích hoạt cho %d đơn vị, hết hạn %s, trong tệp %s (mã cũ của các cán bộ này không còn dùng được)\n",
		len(issued), len(reports.CodesByUnit(issued)), reports.VNTime(expires), out)
}
