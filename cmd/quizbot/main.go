// Command quizbot runs online contests for civil servants inside Telegram
// and Zalo, with a local web chat to try it without a bot, and
// gives organizers the commands to load rosters and question banks, run
// contests and export reports.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"quizbot/config"
	"quizbot/storage"
)

const usage = `quizbot: online contests for civil servants in Telegram and Zalo,
and a local web chat to try them on this machine.

Usage:
  quizbot migrate                              apply database migrations
  quizbot serve                                run the bots and the HTTP server
  quizbot import units|members|questions FILE  import a .csv or .xlsx file
  quizbot import KIND --dry-run FILE           check it and print what would change, changing nothing
  quizbot import KIND --confirm TOKEN FILE     apply exactly what the dry run printed, or nothing
  quizbot contest apply FILE.yaml              create or update a contest
  quizbot contest apply --dry-run FILE.yaml    check it and print what would change, changing nothing
  quizbot member unlink PHONE                  detach a member's chat accounts
  quizbot member codes [--unit CODE | --phone PHONE] [--days N] --out FILE.xlsx
                                               issue one-time activation codes
  quizbot report results|units|absent --round N [--contest CODE] [--format csv|xlsx] [--out FILE]
  quizbot report prizes --round N | --contest [--units] [--contest=CODE] [--headings vi] [--out FILE]
  quizbot report zeros --round N [--contest=CODE] [--headings vi] [--out FILE]
  quizbot report entries [--contest CODE] [--headings vi] [--format csv|xlsx] [--out FILE]
  quizbot report workbook --round N | --contest [CODE] --out FILE.xlsx   the Vietnamese workbook for the province
  quizbot report questions --round N | --contest [CODE]   item analysis of the question bank
  quizbot report signals --round N [--contest CODE]      integrity signals to check (never penalties)
  quizbot notify remind|summary --round N [--contest CODE]
  quizbot notify status [--round N] [--contest CODE]
  quizbot console link PHONE                   print a one-time sign-in link to the web console
                                               (an organizer's or a head's)
  quizbot zalo connect [--redirect-uri URL]    connect the Zalo OA (prints the permission URL, reads the code)

Configuration comes from the environment; see README.md.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// env is what every command gets: configuration, output streams and a logger.
type env struct {
	cfg    config.Config
	stdout io.Writer
	stderr io.Writer
	log    *slog.Logger
	// leaseTicks, set by tests only, drives the renewal of the claims of
	// the events in progress (chat.Bot.KeepClaims): the ticks and a
	// function that stops them.
	leaseTicks func() (<-chan time.Time, func())
}

// command is one of quizbot's commands: what it does with its arguments, and
// which settings it cannot run without given those arguments.
type command struct {
	run   func(context.Context, *env, []string) error
	needs func(args []string) config.Need
}

// needs is the needs of a command whose arguments do not change them.
func needs(n config.Need) func([]string) config.Need {
	return func([]string) config.Need { return n }
}

// errUsage marks a command line that is wrong; run prints the usage for it.
var errUsage = errors.New("usage")

// run is main without the process: tests call it with their own arguments,
// environment and output.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	// Each command requires only the settings it uses: a report runs where
	// only Postgres is reachable, and never connects to Redis.
	pg, pgRedis := needs(config.NeedDatabase), needs(config.NeedDatabase|config.NeedRedis)
	commands := map[string]command{
		"migrate": {cmdMigrate, pg},
		"serve":   {cmdServe, pgRedis},
		"import":  {cmdImport, importNeeds},
		"contest": {cmdContest, pg},
		"member":  {cmdMember, memberNeeds},
		"report":  {cmdReport, pg},
		"notify":  {cmdNotify, notifyNeeds},
		"zalo":    {cmdZalo, zaloNeeds},
		"console": {cmdConsole, pg},
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "quizbot: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	cfg, err := config.Load(getenv, cmd.needs(args[1:]))
	if err != nil {
		fmt.Fprintf(stderr, "quizbot: %v\n", err)
		return 2
	}
	e := &env{cfg: cfg, stdout: stdout, stderr: stderr,
		log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))}

	cmdErr := cmd.run(ctx, e, args[1:])
	switch {
	case cmdErr == nil:
		return 0
	case errors.Is(cmdErr, errUsage):
		fmt.Fprintf(stderr, "quizbot: %v\n\n%s", cmdErr, usage)
		return 2
	default:
		fmt.Fprintf(stderr, "quizbot: %v\n", cmdErr)
		return 1
	}
}

// parseInterspersed parses fs's flags wherever they stand among args, before
// or after the command's words, and returns the words in order.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var words []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", errUsage, fs.Name(), err)
		}
		if fs.NArg() == 0 {
			return words, nil
		}
		words = append(words, fs.Arg(0))
		rest = fs.Args()[1:]
	}
}

// openDB connects to Postgres and applies pending migrations, so that every
// command works on a current schema.
func openDB(ctx context.Context, e *env) (*storage.DB, error) {
	db, err := storage.Open(ctx, e.cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	db.SetMaxConns(e.cfg.DatabaseMaxConns)
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func cmdMigrate(ctx context.Context, e *env, args []string) error {
	if len(args) != 0 {
		return fmt.Errorf("%w: migrate takes no arguments", errUsage)
	}
	db, err := storage.Open(ctx, e.cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%d migrations applied\n", n)
	return nil
}
