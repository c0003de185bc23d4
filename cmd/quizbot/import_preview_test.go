package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// previewRoster is stored before each preview: An stays as he is, Bình is
// promoted, Cường is missing from the next file (deactivated), Dũng was
// inactive already and stays so.
const previewRoster = "full_name,phone,unit_code,position,role\n" +
	"Nguyễn Văn An,0912345678,SONV,Giám đốc,head\n" +
	"Trần Thị Bình,0912345679,SONV,Chuyên viên,\n" +
	"Lê Văn Cường,0912345680,X1,,\n"

// previewNext adds Em and Giang, updates Bình, leaves An unchanged and
// drops Cường.
const previewNext = "full_name,phone,unit_code,position,role\n" +
	"Nguyễn Văn An,0912345678,SONV,Giám đốc,head\n" +
	"Trần Thị Bình,0912345679,SONV,Phó Giám đốc,head\n" +
	"Hoàng Em,0912345681,H1,,\n" +
	"Vũ Giang,0912345682,X1,Công chức,\n"

var confirmLine = regexp.MustCompile(`(?m)^to apply exactly this: quizbot import members --confirm ([0-9a-f]{32}) (\S+)$`)

// dryRun runs import members --dry-run, checks that it changed nothing,
// and returns its stdout and token.
func (ie *importEnv) dryRun(path string) (string, string) {
	ie.t.Helper()
	before := ie.state()
	code, out, errOut := ie.run("import", "members", "--dry-run", path)
	if code != 0 || errOut != "" {
		ie.t.Fatalf("dry run: exit %d\n%s", code, errOut)
	}
	if after := ie.state(); after != before {
		ie.t.Fatalf("the dry run changed the database:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	m := confirmLine.FindStringSubmatch(out)
	if m == nil || m[2] != path {
		ie.t.Fatalf("dry run printed no confirm line: %q", out)
	}
	return out, m[1]
}

func TestImportMembersDryRunThenConfirm(t *testing.T) {
	ie := newImportEnv(t)
	ie.mustImport("units", ie.file("units.csv", unitsCSV))
	ie.mustImport("members", ie.file("members.csv", previewRoster))
	path := ie.file("next.csv", previewNext)

	out, token := ie.dryRun(path)
	if first := strings.SplitN(out, "\n", 2)[0]; first != "dry run, nothing changed: would be 2 added, 1 updated, 1 unchanged, 1 deactivated" {
		t.Errorf("dry run: %q", out)
	}
	// Confirmed: exactly what the dry run said, now done.
	code, out, errOut := ie.run("import", "members", "--confirm", token, path)
	if code != 0 || out != "2 added, 1 updated, 1 unchanged, 1 deactivated\n" {
		t.Fatalf("confirm: exit %d, %q\n%s", code, out, errOut)
	}
	got := ie.rows(`SELECT m.phone || '|' || m.full_name || '|' || u.code || '|' || m.position || '|' || m.role || '|' || m.active
		FROM members m JOIN units u ON u.id = m.unit_id ORDER BY m.phone`)
	want := "0912345678|Nguyễn Văn An|SONV|Giám đốc|head|true\n" +
		"0912345679|Trần Thị Bình|SONV|Phó Giám đốc|head|true\n" +
		"0912345680|Lê Văn Cường|X1||member|false\n" +
		"0912345681|Hoàng Em|H1||member|true\n" +
		"0912345682|Vũ Giang|X1|Công chức|member|true"
	if got != want {
		t.Errorf("members:\n%s\nwant:\n%s", got, want)
	}
	// The same token again: the roster is no longer the one previewed.
	before := ie.state()
	if code, out, errOut := ie.run("import", "members", "--confirm", token, path); code != 1 || out != "" ||
		!strings.Contains(errOut, "changed since the dry run, nothing was changed") {
		t.Errorf("second confirm: exit %d, %q, %q", code, out, errOut)
	}
	if ie.state() != before {
		t.Error("a stale confirm changed the database")
	}
}

func TestImportMembersConfirmRefusesAChangedRosterOrFile(t *testing.T) {
	ie := newImportEnv(t)
	ie.mustImport("units", ie.file("units.csv", unitsCSV))
	ie.mustImport("members", ie.file("members.csv", previewRoster))
	path := ie.file("next.csv", previewNext)
	_, token := ie.dryRun(path)

	// Someone else imports a roster meanwhile (Cường renamed): the preview
	// no longer says what the confirm would do.
	ie.mustImport("members", ie.file("other.csv", strings.Replace(previewRoster, "Lê Văn Cường", "Lê Văn Cương", 1)))
	stale := func(what string) {
		t.Helper()
		before := ie.state()
		code, out, errOut := ie.run("import", "members", "--confirm", token, path)
		if code != 1 || out != "" || errOut != "quizbot: import members: "+path+": the file or the stored data changed since the dry run, nothing was changed: run --dry-run again\n" {
			t.Errorf("%s: exit %d, %q, %q", what, code, out, errOut)
		}
		if ie.state() != before {
			t.Errorf("%s: the refused confirm changed the database", what)
		}
	}
	stale("roster changed")

	// A fresh dry run, then the file is edited before the confirm.
	_, token = ie.dryRun(path)
	if err := os.WriteFile(path, []byte(previewNext+"Đỗ Hà,0912345683,H1,,\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stale("file edited")
}

func TestImportMembersDryRunListsErrorsAndChangesNothing(t *testing.T) {
	ie := newImportEnv(t)
	ie.mustImport("units", ie.file("units.csv", unitsCSV))
	ie.mustImport("members", ie.file("members.csv", previewRoster))
	path := ie.file("bad.csv", previewNext+
		"Đỗ Hà,0912,H1,,\n"+ // 6 invalid phone
		"Phan Khoa,0912345684,XYZ,,\n") // 7 unknown unit (the database's check)
	before := ie.state()
	code, out, errOut := ie.run("import", "members", "--dry-run", path)
	want := path + ":6: số điện thoại 0912 không hợp lệ\n" +
		path + ":7: không có đơn vị mã XYZ\n" +
		"quizbot: import members: " + path + " bị từ chối (2 lỗi), cơ sở dữ liệu không thay đổi\n"
	if code != 1 || out != "" || errOut != want {
		t.Errorf("dry run: exit %d, stdout %q\nstderr:\n%s\nwant:\n%s", code, out, errOut, want)
	}
	if ie.state() != before {
		t.Error("a rejected dry run changed the database")
	}
}

func TestImportDryRunUsage(t *testing.T) {
	ie := newImportEnv(t)
	for _, args := range [][]string{
		{"import", "members", "--dry-run"},
		{"import", "members", "--dry-run", "--confirm", "x", "a.csv"},
		{"import", "members", "a.csv", "--confirm"},
		{"import", "members", "--force", "a.csv"},
	} {
		code, _, errOut := ie.run(args...)
		if code != 2 || !strings.HasPrefix(errOut, "quizbot: usage: ") {
			t.Errorf("%q: exit %d, stderr %q", args, code, errOut)
		}
	}
}
