package ssl

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

var certMonths = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// certTimeRest is Python's strptime pattern, anchored at the start only,
// for " %d %H:%M:%S %Y GMT": white space in the format matches any run of
// what str.isspace calls space, fields take one or two digits in range,
// the literal matches case-insensitively. Like Python's \d, a digit is any
// Unicode decimal digit ("2018" may be written "٢٠١٨"), while the ranges
// ([1-9], [0-5]) are ASCII. It is compiled on first use, not at every
// start-up.
var certTimeRest = sync.OnceValue(func() *regexp.Regexp {
	p := `^S+(3[01]|[12]D|0[1-9]|[1-9]| [1-9])S+(2[0-3]|[0-1]D|D):([0-5]D|D):(6[0-1]|[0-5]D|D)S+(DDDD)S+(?i:GMT)`
	p = strings.NewReplacer("S", pySpaceClass(), "D", `\p{Nd}`).Replace(p)
	return regexp.MustCompile(p)
})

// pySpaceClass is a regexp class of the characters pyIsSpace accepts, all
// of which lie below U+3001.
func pySpaceClass() string {
	var b strings.Builder
	b.WriteByte('[')
	for r := rune(0); r <= 0x3000; r++ {
		if !pyIsSpace(r) {
			continue
		}
		end := r
		for end < 0x3000 && pyIsSpace(end+1) {
			end++
		}
		fmt.Fprintf(&b, `\x{%x}-\x{%x}`, r, end)
		r = end
	}
	b.WriteByte(']')
	return b.String()
}

// CertTimeToSeconds converts a certificate time such as
// "May  9 00:00:00 2027 GMT" (the NotBefore and NotAfter format) to seconds
// since the Unix epoch, read as UTC (Python's cert_time_to_seconds, since
// 3.5). Like Python it does not check the day against the month: "Feb 30"
// is March 1 or 2; it reads any Unicode decimal digit where its strptime
// does, and refuses year 0. Errors wrap ErrInvalidArgument with Python's
// message.
func CertTimeToSeconds(s string) (int64, error) {
	// Python: months.index(cert_time[:3].title()); the rest follows the
	// first three characters, not bytes.
	prefix, rest := s, ""
	if n := nthRuneOffset(s, 3); n >= 0 {
		prefix, rest = s[:n], s[n:]
	}
	month := 0
	title := pyTitle(prefix)
	for i, m := range certMonths {
		if title == m {
			month = i + 1
		}
	}
	if month == 0 {
		return 0, invalidArgument("time data %s does not match format \"%%b %%d %%H:%%M:%%S %%Y GMT\"", pyRepr(s))
	}
	m := certTimeRest().FindStringSubmatch(rest)
	if m == nil {
		return 0, invalidArgument("time data %s does not match format ' %%d %%H:%%M:%%S %%Y GMT'", pyRepr(rest))
	}
	if len(m[0]) != len(rest) {
		return 0, invalidArgument("unconverted data remains: %s", rest[len(m[0]):])
	}
	var f [5]int
	for i := range f {
		f[i] = pyInt(strings.TrimSpace(m[i+1]))
	}
	day, hour, minute, sec, year := f[0], f[1], f[2], f[3], f[4]
	if year == 0 {
		// Python's strptime builds a date of that year, which datetime refuses.
		return 0, invalidArgument("year 0 is out of range")
	}
	// calendar.timegm: days counted from the first of the month, so an
	// impossible day rolls into the next month as in Python.
	t := time.Date(year, time.Month(month), 1, 0, 0, 0, 0, time.UTC)
	return t.Unix() + int64(day-1)*86400 + int64(hour)*3600 + int64(minute)*60 + int64(sec), nil
}

// nthRuneOffset returns the byte offset of the n-th character of s, or -1
// when s has fewer than n.
func nthRuneOffset(s string, n int) int {
	at := 0
	for i := 0; i < n; i++ {
		if at >= len(s) {
			return -1
		}
		_, size := utf8.DecodeRuneInString(s[at:])
		at += size
	}
	return at
}

// pyTitle is Python's str.title for the month abbreviation: a character
// after a cased one is lower-cased, any other title-cased ("ſep" is
// "Sep").
func pyTitle(s string) string {
	var b strings.Builder
	prevCased := false
	for _, r := range s {
		if prevCased {
			b.WriteString(pyLower(string(r)))
		} else {
			b.WriteRune(unicode.ToTitle(r))
		}
		prevCased = cased(r)
	}
	return b.String()
}

// pyInt is Python's int() of a string of decimal digits, any script.
func pyInt(s string) int {
	v := 0
	for _, r := range s {
		v = v*10 + decimalValue(r)
	}
	return v
}

// decimalValue is the value of a Unicode decimal digit. Unicode assigns
// them in runs of ten from zero to nine, so it is the distance from the
// start of its run of digits, modulo ten.
func decimalValue(r rune) int {
	if r >= '0' && r <= '9' {
		return int(r - '0')
	}
	start := r
	for unicode.Is(unicode.Nd, start-1) {
		start--
	}
	return int(r-start) % 10
}
