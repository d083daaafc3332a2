package ssl

import "strconv"

// enumName is the String of a Python enum member: its name in names, or
// "Type(N)" for a number Python does not name.
func enumName[E ~int](typ string, names map[E]string, v E) string {
	if s, ok := names[v]; ok {
		return s
	}
	return typ + "(" + strconv.Itoa(int(v)) + ")"
}
