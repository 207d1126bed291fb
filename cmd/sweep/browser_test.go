package main

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	htmlreport "sweep/internal/report"
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
	if !strings.Contains(dom, `id="frontier"`) || !strings.Contains(dom, `class="curve"`) && !strings.Contains(dom, `id="no-traces"`) {
		t.Error("the frontier or the error curves are missing")
	}

	checkScreenshot(t, browser, page)
}

// binnedSweep has 30,492 runs, more than a map draws one by one: its 121
// inputs are binned into 64 rows, and every fiftieth trace row is stored,
// for the error curves.
const binnedSweep = `name: binned
method: gradient_descent
iterations: 1000
tolerance: 1e-10
divergence: 1e12
trace: {every: 50}
grid:
  alpha: {from: 10, to: 0.0001, per_decade: 4}
  input: {from: -3, to: 3, step: 0.05}
  goal: [0.8, -1, 0]
  weight: [0.5, 0, -1, 2]
`

// TestReportInBrowserBinned opens the report of a sweep drawn binned (see
// binnedSweep) in a real headless browser, as TestReportInBrowser does one
// drawn run by run (see checkBinnedReport), and checks known cells.
//
// With SWEEP_REPORT_PAGE set to a report of a sweep of more than 10,000
// runs, it checks that page instead, but for the known cells: bench/run.py
// checks the report of W2 so.
func TestReportInBrowserBinned(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	browser := chromium(t)
	if page := os.Getenv("SWEEP_REPORT_PAGE"); page != "" {
		checkBinnedReport(t, browser, page, 0, nil)
		return
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "binned.yaml"), []byte(binnedSweep), 0o644); err != nil {
		t.Fatal(err)
	}
	db, page := filepath.Join(dir, "binned.db"), filepath.Join(dir, "report.html")
	if out, err := sweepCommand(dir, "run", "--db", db, "binned.yaml").CombinedOutput(); err != nil {
		t.Fatalf("sweep run: %v\n%s", err, out)
	}
	out, err := sweepCommand(dir, "report", "--db", db, "--out", page).CombinedOutput()
	if err != nil {
		t.Fatalf("sweep report: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`^report of sweep binned \(30492 runs binned into \d+ map cells\) written to `).Match(out) {
		t.Errorf("sweep report says %q", out)
	}
	// Known cells of two inputs, 24 runs: goal 0 and weight 0 converge at
	// once (pred 0 is the goal) wherever they are, so a cell has 2 runs
	// converged at least; input 0 is stalled but where goal 0 converged at
	// once (8 runs), and shares its row with input 0.05.
	checkBinnedReport(t, browser, page, 21*64, []knownCell{
		{"10", 2, "diverged", 22},
		{"0.1", 2, "converged", 24},
		{"0.0001", 0.5, "unfinished", 22},
		{"1", 0, "stalled", 8},
	})
}

// knownCell is a cell of a binned map that a test knows: its rate, an
// input it spans, and how many of its runs have a verdict.
type knownCell struct {
	rate    string
	input   float64
	verdict string
	runs    int
}

// checkBinnedReport opens the report page of a binned sweep in a headless
// browser: no console errors, under 10 MB, wantCells cells in the
// aggregate panel (any number up to 96 by 64 for 0), each coloured by the verdict mix its
// title counts (one verdict's colour, or stripes as wide as each
// verdict's share), the known cells as known, the panel switch works, the
// frontier is there (and the error curves, when the sweep stores traces)
// and the screenshot is not blank.
func checkBinnedReport(t *testing.T, browser, page string, wantCells int, known []knownCell) {
	t.Helper()
	if fi, err := os.Stat(page); err != nil {
		t.Fatal(err)
	} else if fi.Size() >= 10<<20 {
		t.Errorf("the report is %.1f MB, want under 10 MB", float64(fi.Size())/(1<<20))
	}
	dom, logs := headless(t, browser, "--dump-dom", "file://"+page+"#panel=2")
	if regexp.MustCompile(`(?i)CONSOLE.*(error|uncaught)|Uncaught`).MatchString(logs) {
		t.Errorf("console errors:\n%s", logs)
	}
	gradients := map[string][][2]string{} // id: stops (offset, colour)
	for _, g := range regexp.MustCompile(`<linearGradient id="([^"]+)">(.*?)</linearGradient>`).FindAllStringSubmatch(dom, -1) {
		for _, s := range regexp.MustCompile(`<stop offset="([^"]+)" stop-color="([^"]+)"`).FindAllStringSubmatch(g[2], -1) {
			gradients[g[1]] = append(gradients[g[1]], [2]string{s[1], s[2]})
		}
	}
	panel0 := regexp.MustCompile(`(?s)<g class="panel" data-panel="0"[^>]*>(.*?)</g>`).FindStringSubmatch(dom)
	if panel0 == nil {
		t.Fatal("no aggregate panel in the page")
	}
	cellRE := regexp.MustCompile(`<rect class="cell"[^>]*fill="([^"]+)" data-rate="([^"]+)"(?: data-rate-to="[^"]+")? data-input="([^"]+)"(?: data-input-to="([^"]+)")? data-verdict="([a-z]+)" data-runs="(\d+)"><title>([^<]*)</title>`)
	cells := cellRE.FindAllStringSubmatch(panel0[1], -1)
	if got := len(cells); wantCells > 0 && got != wantCells || got == 0 || got > 96*64 {
		t.Errorf("the aggregate has %d cells, want %d (any up to 96 by 64 for 0)", got, wantCells)
	}
	countRE := regexp.MustCompile(`(\d+) ([a-z]+)`)
	type span struct {
		rate     string
		from, to float64
		counts   map[string]int
	}
	var spans []span
	for _, c := range cells {
		fill, rate, input, verdict, title := c[1], c[2], c[3], c[5], c[7]
		runs, _ := strconv.Atoi(c[6])
		// The title counts the runs of each verdict ("24 runs: 22
		// diverged, 2 converged"), or names the cell's one run.
		counts := map[string]int{}
		sum, most := 0, ""
		if at := strings.LastIndex(title, " runs: "); at >= 0 {
			for _, m := range countRE.FindAllStringSubmatch(title[at+len(" runs: "):], -1) {
				n, _ := strconv.Atoi(m[1])
				counts[m[2]] = n
				sum += n
				if most == "" || n > counts[most] {
					most = m[2]
				}
			}
		} else if strings.HasPrefix(title, "run ") {
			counts[verdict], sum, most = 1, 1, verdict
		}
		from, _ := strconv.ParseFloat(input, 64)
		to, err := strconv.ParseFloat(c[4], 64)
		if err != nil {
			to = from
		}
		spans = append(spans, span{rate, from, to, counts})
		if sum != runs || runs == 0 {
			t.Errorf("cell alpha %s, input %s: %d runs, its title counts %d: %s", rate, input, runs, sum, title)
			continue
		}
		if len(counts) == 1 {
			if verdict != most || fill != htmlreport.Colors[most] {
				t.Errorf("cell alpha %s, input %s of %s runs only: %s in %s", rate, input, most, verdict, fill)
			}
			continue
		}
		if verdict != "mixed" {
			t.Errorf("cell alpha %s, input %s: %s, want mixed: %s", rate, input, verdict, title)
		}
		// Each stripe as wide as its verdict's share, to the percent;
		// a share under half a percent is not drawn.
		stripes := map[string]float64{}
		if id, ok := strings.CutPrefix(fill, "url(#"); ok {
			stops := gradients[strings.TrimSuffix(id, ")")]
			for i := 0; i+1 < len(stops); i += 2 {
				from, _ := strconv.ParseFloat(stops[i][0], 64)
				to, _ := strconv.ParseFloat(stops[i+1][0], 64)
				stripes[stops[i][1]] = to - from
			}
		} else {
			stripes[fill] = 1
		}
		for v, n := range counts {
			share := float64(n) / float64(runs)
			if got := stripes[htmlreport.Colors[v]]; math.Abs(got-share) > 0.01 {
				t.Errorf("cell alpha %s, input %s: %s is %d of %d runs, its stripe %.2f wide", rate, input, v, n, runs, got)
			}
		}
	}
	for _, known := range known {
		i := slices.IndexFunc(spans, func(s span) bool { return s.rate == known.rate && s.from <= known.input && known.input <= s.to })
		if i < 0 {
			t.Errorf("no cell of alpha %s, input %g", known.rate, known.input)
		} else if got := spans[i].counts[known.verdict]; got != known.runs {
			t.Errorf("cell alpha %s, input %g to %g: %v, want %d %s", known.rate, spans[i].from, spans[i].to, spans[i].counts, known.runs, known.verdict)
		}
	}
	if !regexp.MustCompile(`<g class="panel" data-panel="2"[^>]*style=""`).MatchString(dom) ||
		!regexp.MustCompile(`<g class="panel" data-panel="0"[^>]*style="display: none;?"`).MatchString(dom) {
		t.Errorf("the panel switch did not run: %s", regexp.MustCompile(`<g class="panel"[^>]*>`).FindAllString(dom, 3))
	}
	if !strings.Contains(dom, `id="frontier"`) || !strings.Contains(dom, `class="curve"`) && !strings.Contains(dom, `id="no-traces"`) {
		t.Error("the frontier or the error curves are missing")
	}

	checkScreenshot(t, browser, page)
}

// checkScreenshot takes a screenshot of page in browser and fails t when
// it is blank: fewer than 20 colours.
func checkScreenshot(t *testing.T, browser, page string) {
	t.Helper()
	shot := filepath.Join(t.TempDir(), "report.png")
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
