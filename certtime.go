package ssl

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

var certMonths = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// certTimeRest is Python's strptime pattern, anchored at the start only,
// for " %d %H:%M:%S %Y GMT": white space in the format matches any run of
// it, fields take one or two digits in range, and the literal matches
// case-insensitively. It is compiled on first use, not at every start-up.
var certTimeRest = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^\s+(3[01]|[12]\d|0[1-9]|[1-9]| [1-9])\s+(2[0-3]|[0-1]\d|\d):([0-5]\d|\d):(6[0-1]|[0-5]\d|\d)\s+(\d\d\d\d)\s+(?i:GMT)`)
})

// CertTimeToSeconds converts a certificate time such as
// "May  9 00:00:00 2027 GMT" (the NotBefore and NotAfter format) to seconds
// since the Unix epoch, read as UTC (Python's cert_time_to_seconds, since
// 3.5). Like Python it does not check the day against the month: "Feb 30"
// is March 1 or 2. Errors wrap ErrInvalidArgument with Python's message.
func CertTimeToSeconds(s string) (int64, error) {
	month := 0
	if len(s) >= 3 {
		for i, m := range certMonths {
			if strings.EqualFold(s[:3], m) {
				month = i + 1
			}
		}
	}
	if month == 0 {
		return 0, invalidArgument("time data %s does not match format \"%%b %%d %%H:%%M:%%S %%Y GMT\"", pyRepr(s))
	}
	rest := s[3:]
	m := certTimeRest().FindStringSubmatch(rest)
	if m == nil {
		return 0, invalidArgument("time data %s does not match format ' %%d %%H:%%M:%%S %%Y GMT'", pyRepr(rest))
	}
	if len(m[0]) != len(rest) {
		return 0, invalidArgument("unconverted data remains: %s", rest[len(m[0]):])
	}
	var f [5]int
	for i := range f {
		f[i], _ = strconv.Atoi(strings.TrimSpace(m[i+1]))
	}
	day, hour, minute, sec, year := f[0], f[1], f[2], f[3], f[4]
	// calendar.timegm: days counted from the first of the month, so an
	// impossible day rolls into the next month as in Python.
	t := time.Date(year, time.Month(month), 1, 0, 0, 0, 0, time.UTC)
	return t.Unix() + int64(day-1)*86400 + int64(hour)*3600 + int64(minute)*60 + int64(sec), nil
}
