package main

import (
	"bytes"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// chromium returns the headless browser, or skips the test where there is
// none (CI installs Debian's chromium: see .ci/run).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	t.Skip("no chromium here")
	return ""
}

// headless runs the browser on a page with the flags this machine needs,
// returning stdout and stderr.
func headless(t *testing.T, browser string, args ...string) (string, string) {
	t.Helper()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir(), "--enable-logging=stderr", "--v=0", "--window-size=1000,1500"}
	cmd := exec.Command(browser, append(base, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	return stdout.String(), stderr.String()
}

// TestReportInBrowser opens the report of experiments/alpha.yaml in a real
// headless browser: no console errors, one map cell per (alpha, input) of
// the sweep with the right colours for known cells, the panel switch works,
// and the screenshot is not blank.
func TestReportInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	browser := chromium(t)
	dir := t.TempDir()
	db, page := filepath.Join(dir, "alpha.db"), filepath.Join(dir, "report.html")
	file, _ := filepath.Abs("../../experiments/alpha.yaml")
	if out, err := sweepCommand(dir, "run", "--db", db, file).CombinedOutput(); err != nil {
		t.Fatalf("sweep run: %v\n%s", err, out)
	}
	if out, err := sweepCommand(dir, "report", "--db", db, "--out", page).CombinedOutput(); err != nil {
		t.Fatalf("sweep report: %v\n%s", err, out)
	}

	dom, logs := headless(t, browser, "--dump-dom", "file://"+page+"#panel=2")
	if regexp.MustCompile(`(?i)CONSOLE.*(error|uncaught)|Uncaught`).MatchString(logs) {
		t.Errorf("console errors:\n%s", logs)
	}
	// Panel 0 (all goals and weights) has one cell per (alpha, input):
	// 21 alphas by 9 inputs.
	panel0 := regexp.MustCompile(`(?s)<g class="panel" data-panel="0"[^>]*>(.*?)</g>`).FindStringSubmatch(dom)
	if panel0 == nil {
		t.Fatal("no aggregate panel in the page")
	}
	if got, want := strings.Count(panel0[1], `class="cell"`), 21*9; got != want {
		t.Errorf("the map has %d cells, want %d", got, want)
	}
	for _, known := range []struct{ rate, input, verdict, color string }{
		{"10", "2", "diverged", "#D55E00"},
		{"0.1", "2", "converged", "#009E73"},
		{"0.0001", "0.5", "unfinished", "#0072B2"},
		{"1", "0", "stalled", "#999999"},
	} {
		cell := regexp.MustCompile(`<rect class="cell"[^>]*fill="([^"]+)"[^>]*data-rate="` + regexp.QuoteMeta(known.rate) +
			`" data-input="` + regexp.QuoteMeta(known.input) + `" data-verdict="([a-z]+)"`).FindStringSubmatch(panel0[1])
		if cell == nil || cell[1] != known.color || cell[2] != known.verdict {
			t.Errorf("cell alpha %s, input %s: %v, want %s in %s", known.rate, known.input, cell, known.verdict, known.color)
		}
	}
	// The #panel=2 link switched the map to panel 2, by script.
	if !regexp.MustCompile(`<g class="panel" data-panel="2"( style="")?>`).MatchString(dom) ||
		!regexp.MustCompile(`<g class="panel" data-panel="0" style="display: none;?">`).MatchString(dom) {
		t.Errorf("the panel switch did not run: %s", regexp.MustCompile(`<g class="panel"[^>]*>`).FindAllString(dom, 3))
	}
	if !strings.Contains(dom, `id="frontier"`) || !strings.Contains(dom, `class="curve"`) {
		t.Error("the frontier or the error curves are missing")
	}

	shot := filepath.Join(dir, "report.png")
	headless(t, browser, "--screenshot="+shot, "file://"+page)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	colors := map[uint32]bool{}
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y += 7 {
		for x := bounds.Min.X; x < bounds.Max.X; x += 7 {
			r, g, b, _ := img.At(x, y).RGBA()
			colors[r>>8<<16|g>>8<<8|b>>8] = true
		}
	}
	if len(colors) < 20 {
		t.Errorf("the screenshot has %d colours: blank?", len(colors))
	}
}
