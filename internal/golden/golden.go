// Package golden reads the answers Python's ssl module gave, recorded under
// testdata/golden by testdata/golden/record.py, so tests compare with Python
// without running it.
//
// What OpenSSL decides is recorded per OpenSSL series, by the CPython that
// links that series, in testdata/golden/<series>/; answers that are
// Python's alone (match_hostname.json) lie in testdata/golden/ and serve
// every series.
package golden

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"

	"github.com/sslctx/ssl/openssl"
)

// Dir is the testdata directory of the module.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata")
}

// Path returns the path of a file under testdata.
func Path(name string) string { return filepath.Join(Dir(), filepath.FromSlash(name)) }

// Series names the OpenSSL series the process runs on, as the golden
// directories do: "1.1.1", "3.0", "3.5".
func Series() string { return SeriesOf(openssl.VersionNumber()) }

// SeriesOf names the series of an OPENSSL_VERSION_NUMBER as Series does.
func SeriesOf(n uint64) string {
	major, minor, fix := n>>28, (n>>20)&0xff, (n>>12)&0xff
	if major < 3 {
		return fmt.Sprintf("%d.%d.%d", major, minor, fix)
	}
	return fmt.Sprintf("%d.%d", major, minor)
}

// Load decodes the golden file name of the running OpenSSL's series into v,
// or the shared one where the series has none. Where both exist, the
// series' file holds the parts of the shared one that its OpenSSL decides
// otherwise (edge.json's certificate decodings on 1.1.1): its top-level
// keys replace the shared file's. A series with no recording at all is an
// error that says how to make one.
func Load(name string, v any) error {
	series := Series()
	b, err := os.ReadFile(Path("golden/" + series + "/" + name))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if _, serr := os.Stat(Path("golden/" + series)); serr != nil {
			return fmt.Errorf("no golden answers for OpenSSL %s (%s): record them with the CPython "+
				"that links it: python3 testdata/golden/record.py", series, openssl.Version())
		}
		b, err = os.ReadFile(Path("golden/" + name))
	case err == nil:
		b, err = overShared(name, b)
	}
	if err != nil {
		return err
	}
	b, err = applyPythonChanges(series, name, b)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// overShared lays a series' file over the shared file of the same name, key
// by key at the top level; with no shared file, the series' file is all.
func overShared(name string, own []byte) ([]byte, error) {
	sb, err := os.ReadFile(Path("golden/" + name))
	if errors.Is(err, fs.ErrNotExist) {
		return own, nil
	}
	if err != nil {
		return nil, err
	}
	var shared, mine map[string]json.RawMessage
	if err := json.Unmarshal(sb, &shared); err != nil {
		return nil, fmt.Errorf("golden/%s: %w", name, err)
	}
	if err := json.Unmarshal(own, &mine); err != nil {
		return nil, fmt.Errorf("golden/%s/%s: %w", Series(), name, err)
	}
	for k, v := range mine {
		shared[k] = v
	}
	return json.Marshal(shared)
}

// pythonChanges is python-changes.json, written by
// record_python_changes.py: the answers that differ between two CPythons
// run on one series' OpenSSL, hence Python's own doing.
type pythonChanges struct {
	Series    string                    `json:"series"`
	OldPython string                    `json:"old_python"`
	NewPython string                    `json:"new_python"`
	Changes   map[string][]pythonChange `json:"changes"`
}

type pythonChange struct {
	Path      []string        `json:"path"`
	Old       json.RawMessage `json:"old"`
	OldAbsent bool            `json:"old_absent"`
	New       json.RawMessage `json:"new"`
	NewAbsent bool            `json:"new_absent"`
}

// applyPythonChanges gives the series python-changes.json was recorded on,
// wherever the older CPython that recorded the series and the policy
// CPython answer differently on its OpenSSL, the policy CPython's answer
// (SPEC rules 2 and 3: what Python decides follows the policy; what OpenSSL
// decides stays the series' own recording). A change applies only where
// the series' recording still gives the older CPython's answer: a
// recording made since then is checked against the list again when the
// list is recorded anew.
func applyPythonChanges(series, name string, b []byte) ([]byte, error) {
	var meta struct {
		Python string `json:"python"`
	}
	mb, err := os.ReadFile(Path("golden/" + series + "/meta.json"))
	if err != nil {
		return b, nil // a shared file, or no recording: nothing to adjust
	}
	if err := json.Unmarshal(mb, &meta); err != nil {
		return nil, fmt.Errorf("golden/%s/meta.json: %w", series, err)
	}
	cb, err := os.ReadFile(Path("golden/python-changes.json"))
	if err != nil {
		return nil, err
	}
	var pc pythonChanges
	if err := json.Unmarshal(cb, &pc); err != nil {
		return nil, fmt.Errorf("golden/python-changes.json: %w", err)
	}
	if series != pc.Series || minor(meta.Python) != minor(pc.OldPython) || len(pc.Changes[name]) == 0 {
		return b, nil
	}
	var doc any
	if err := decodeExact(b, &doc); err != nil {
		return nil, fmt.Errorf("golden/%s/%s: %w", series, name, err)
	}
	for _, c := range pc.Changes[name] {
		if len(c.Path) == 0 {
			continue
		}
		parent, ok := lookup(doc, c.Path[:len(c.Path)-1])
		m, isMap := parent.(map[string]any)
		if !ok || !isMap {
			continue
		}
		last := c.Path[len(c.Path)-1]
		own, has := m[last]
		if has == c.OldAbsent {
			continue
		}
		if has {
			var old any
			if err := decodeExact(c.Old, &old); err != nil {
				return nil, fmt.Errorf("golden/python-changes.json %v: %w", c.Path, err)
			}
			if !reflect.DeepEqual(own, old) {
				continue
			}
		}
		if c.NewAbsent {
			delete(m, last)
			continue
		}
		var v any
		if err := decodeExact(c.New, &v); err != nil {
			return nil, fmt.Errorf("golden/python-changes.json %v: %w", c.Path, err)
		}
		m[last] = v
	}
	return json.Marshal(doc)
}

// lookup follows path through nested JSON objects.
func lookup(v any, path []string) (any, bool) {
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[k]; !ok {
			return nil, false
		}
	}
	return v, true
}

// minor returns "3.9" of a version such as "3.9.2 (default, ...)".
func minor(version string) string {
	parts := strings.SplitN(strings.Fields(version + " ")[0], ".", 3)
	if len(parts) < 2 {
		return version
	}
	return parts[0] + "." + parts[1]
}

// Exception is how record.py writes a Python exception, or {"ok": true}.
type Exception struct {
	OK            bool    `json:"ok"`
	Class         string  `json:"class"`
	Errno         *int    `json:"errno"`
	Library       *string `json:"library"`
	Reason        *string `json:"reason"`
	Message       string  `json:"message"`
	Str           string  `json:"str"`
	VerifyCode    *int    `json:"verify_code"`
	VerifyMessage *string `json:"verify_message"`
}

// Str returns *p, or "" for nil: Python's None.
func Str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// Int returns *p, or 0 for nil.
func Int(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// decodeExact decodes JSON keeping numbers as written: option bits are
// larger than a float64 holds exactly.
func decodeExact(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(v)
}
