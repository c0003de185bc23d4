package storage

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"quizbot/quiz"
)

// ImportResult counts what an import did to the stored rows.
type ImportResult struct {
	Added       int
	Updated     int
	Unchanged   int // the row was identical to what was stored
	Deactivated int // members missing from a re-imported roster
}

// ImportPlan is what an import did, or a preview would do, and the State
// of the stored rows it read under its lock: a preview's State, given back
// as ImportOptions.ExpectState, binds the apply to what the preview
// counted.
type ImportPlan struct {
	ImportResult
	State string
}

// importLock serialises imports, so that the snapshot an import validates
// against is still true when it writes.
const importLock = 727100

func lockImports(ctx context.Context, tx *sqlx.Tx) error {
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, importLock); err != nil {
		return fmt.Errorf("lock imports: %w", err)
	}
	return nil
}

const unitSelect = `SELECT u.id, u.code, u.name, u.parent_id, coalesce(p.code, '') AS parent_code
FROM units u LEFT JOIN units p ON p.id = u.parent_id`

// Units returns every unit, by code.
func (db *DB) Units(ctx context.Context) ([]quiz.Unit, error) {
	var us []quiz.Unit
	if err := db.SelectContext(ctx, &us, unitSelect+` ORDER BY u.code`); err != nil {
		return nil, fmt.Errorf("units: %w", err)
	}
	return us, nil
}

// UnitByCode returns a unit; ENOTFOUND when no unit has the code.
func (db *DB) UnitByCode(ctx context.Context, code string) (quiz.Unit, error) {
	var u quiz.Unit
	err := db.GetContext(ctx, &u, unitSelect+` WHERE u.code = $1`, code)
	if notFound(err) {
		return u, &quiz.Error{Code: quiz.ENOTFOUND, Message: fmt.Sprintf("Không có đơn vị mã %s.", code), Err: err}
	}
	if err != nil {
		return u, fmt.Errorf("unit %s: %w", code, err)
	}
	return u, nil
}

func unitsByCode(ctx context.Context, q sqlx.QueryerContext) (map[string]quiz.Unit, error) {
	var us []quiz.Unit
	if err := sqlx.SelectContext(ctx, q, &us, unitSelect); err != nil {
		return nil, err
	}
	m := make(map[string]quiz.Unit, len(us))
	for _, u := range us {
		m[u.Code] = u
	}
	return m, nil
}

// ImportUnits upserts units by code (Code, Name, ParentCode; a parent may be
// another unit of the same import) in one transaction. check sees the stored
// units, by code, under the import lock; an error from it aborts the import
// and is returned as is. Units absent from the import are kept.
func (db *DB) ImportUnits(ctx context.Context, units []quiz.Unit, check func(existing map[string]quiz.Unit) error) (ImportResult, error) {
	plan, err := db.ImportUnitsWith(ctx, units, check, ImportOptions{})
	return plan.ImportResult, err
}

// ImportUnitsWith is ImportUnits as a preview or as the apply of one (see
// ImportOptions).
func (db *DB) ImportUnitsWith(ctx context.Context, units []quiz.Unit, check func(existing map[string]quiz.Unit) error, opt ImportOptions) (ImportPlan, error) {
	var res ImportPlan
	err := db.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := lockImports(ctx, tx); err != nil {
			return err
		}
		existing, err := unitsByCode(ctx, tx)
		if err != nil {
			return fmt.Errorf("import units: %w", err)
		}
		state := newStateHash("units")
		state.units(existing)
		res.State = state.sum()
		if check != nil {
			if err := check(existing); err != nil {
				return err
			}
		}
		inFile := make(map[string]bool, len(units))
		for _, u := range units {
			inFile[u.Code] = true
		}
		var newCodes, newNames, updCodes, updNames, treeCodes, treeParents []string
		for _, u := range units {
			if u.ParentCode != "" && !inFile[u.ParentCode] {
				if _, ok := existing[u.ParentCode]; !ok {
					return fmt.Errorf("import units: unit %s: unknown parent %s", u.Code, u.ParentCode)
				}
			}
			old, ok := existing[u.Code]
			switch {
			case !ok:
				res.Added++
				newCodes, newNames = append(newCodes, u.Code), append(newNames, u.Name)
			case old.Name != u.Name || old.ParentCode != u.ParentCode:
				res.Updated++
				updCodes, updNames = append(updCodes, u.Code), append(updNames, u.Name)
			default:
				res.Unchanged++
				continue
			}
			treeCodes, treeParents = append(treeCodes, u.Code), append(treeParents, u.ParentCode)
		}
		// After the checks: a stale preview of a file that is now wrong
		// gets the file's problems, which are what must be fixed first.
		if err := checkExpected(opt.ExpectState, res.State); err != nil || opt.DryRun {
			return err
		}
		// Rows first, parents second: a parent may be a unit this same
		// import creates.
		if len(newCodes) > 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO units (code, name)
				SELECT * FROM unnest($1::text[], $2::text[])`, pq.Array(newCodes), pq.Array(newNames)); err != nil {
				return fmt.Errorf("import units: insert: %w", err)
			}
		}
		if len(updCodes) > 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE units u SET name = f.name, updated_at = now()
				FROM unnest($1::text[], $2::text[]) AS f(code, name) WHERE u.code = f.code`,
				pq.Array(updCodes), pq.Array(updNames)); err != nil {
				return fmt.Errorf("import units: update: %w", err)
			}
		}
		if len(treeCodes) > 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE units u SET parent_id = p.id
				FROM unnest($1::text[], $2::text[]) AS f(code, parent_code)
				LEFT JOIN units p ON p.code = f.parent_code
				WHERE u.code = f.code`, pq.Array(treeCodes), pq.Array(treeParents)); err != nil {
				return fmt.Errorf("import units: set parents: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return ImportPlan{}, err
	}
	return res, nil
}
