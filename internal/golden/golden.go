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
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

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
func Series() string {
	n := openssl.VersionNumber()
	major, minor, fix := n>>28, (n>>20)&0xff, (n>>12)&0xff
	if major < 3 {
		return fmt.Sprintf("%d.%d.%d", major, minor, fix)
	}
	return fmt.Sprintf("%d.%d", major, minor)
}

// Load decodes the golden file name of the running OpenSSL's series into v,
// or the shared one where the series has none. A series with no recording
// at all is an error that says how to make one.
func Load(name string, v any) error {
	series := Series()
	b, err := os.ReadFile(Path("golden/" + series + "/" + name))
	if errors.Is(err, fs.ErrNotExist) {
		if _, serr := os.Stat(Path("golden/" + series)); serr != nil {
			return fmt.Errorf("no golden answers for OpenSSL %s (%s): record them with the CPython "+
				"that links it: python3 testdata/golden/record.py", series, openssl.Version())
		}
		b, err = os.ReadFile(Path("golden/" + name))
	}
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
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
