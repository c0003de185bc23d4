package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"time"

	"quizbot/bot/zalo"
	"quizbot/config"
)

// stdin is where `zalo connect` reads the pasted code; tests replace it.
var stdin io.Reader = os.Stdin

// zaloClient is the Zalo client of the configuration, on store.
func zaloClient(e *env, store zalo.TokenStore) *zalo.Client {
	z := e.cfg.Zalo
	return zalo.New(zalo.Config{
		AppID: z.AppID, AppSecret: z.AppSecret, RefreshToken: z.RefreshToken,
		APIURL: z.APIURL, OAuthURL: z.OAuthURL, TemplateURL: z.TemplateURL, TemplateRemind: z.TemplateRemind,
		Log: e.log,
	}, store)
}

// cmdZalo runs `quizbot zalo connect [--redirect-uri URL]`.
func cmdZalo(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "connect" {
		return fmt.Errorf("%w: zalo takes a subcommand: connect", errUsage)
	}
	fs := flag.NewFlagSet("zalo connect", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	redirect := fs.String("redirect-uri", "", "the callback URL registered in the Zalo app (default PUBLIC_URL/zalo/connected)")
	words, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	if len(words) != 0 {
		return fmt.Errorf("%w: zalo connect takes no arguments besides --redirect-uri", errUsage)
	}
	if !e.cfg.Zalo.Enabled() {
		return errors.New("zalo connect: set ZALO_APP_ID, ZALO_APP_SECRET and ZALO_OA_SECRET_KEY first (the Zalo app's id and secret, the OA's webhook key)")
	}
	if *redirect == "" && e.cfg.PublicURL != "" {
		*redirect = e.cfg.PublicURL + "/zalo/connected"
	}
	if u, err := url.Parse(*redirect); *redirect == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%w: zalo connect needs --redirect-uri, the callback URL registered in the Zalo app (or PUBLIC_URL)", errUsage)
	}
	db, err := openDB(ctx, e)
	if err != nil {
		return fmt.Errorf("zalo connect: %w", err)
	}
	defer db.Close()
	c := zaloClient(e, db)
	p, err := zalo.NewPKCE()
	if err != nil {
		return fmt.Errorf("zalo connect: %w", err)
	}
	fmt.Fprintf(e.stdout, "Mở địa chỉ sau bằng tài khoản Zalo quản trị OA và đồng ý cấp quyền cho ứng dụng:\n\n%s\n\n", c.PermissionURL(*redirect, p))
	fmt.Fprintf(e.stdout, "Zalo sẽ chuyển trình duyệt tới %s?code=…: dán cả địa chỉ đó (hoặc chỉ mã code) vào đây rồi nhấn Enter:\n", *redirect)
	line, err := readLine(ctx, stdin)
	if err != nil {
		return fmt.Errorf("zalo connect: %w", err)
	}
	code, err := zalo.ParseRedirect(line, p)
	if err != nil {
		return fmt.Errorf("zalo connect: %w", err)
	}
	pair, err := c.Connect(ctx, code, p)
	if err != nil {
		return fmt.Errorf("zalo connect: %w", err)
	}
	// The tokens themselves are never printed.
	fmt.Fprintf(e.stdout, "Đã kết nối OA với ứng dụng %s. Access token có hiệu lực đến %s; quizbot tự gia hạn trước khi hết hạn.\n",
		e.cfg.Zalo.AppID, pair.ExpiresAt.Format(time.RFC3339))
	return nil
}

// readLine reads one line of r, or gives up when ctx ends (Ctrl-C: the
// signal is caught, so a blocked read would otherwise never return).
func readLine(ctx context.Context, r io.Reader) (string, error) {
	type result struct {
		line string
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		s := bufio.NewScanner(r)
		s.Buffer(make([]byte, 0, 4096), 64<<10)
		if s.Scan() {
			ch <- result{line: s.Text()}
			return
		}
		err := s.Err()
		if err == nil {
			err = errors.New("no code was entered")
		}
		ch <- result{err: err}
	}()
	select {
	case r := <-ch:
		return r.line, r.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// zaloNeeds: connect stores the pair in Postgres.
var zaloNeeds = needs(config.NeedDatabase)
