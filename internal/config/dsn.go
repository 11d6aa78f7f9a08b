package config

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// A PostgreSQL connection string is a URL (postgres://user:password@host:
// 5432/database?sslmode=…) or key=value pairs (host=… dbname=…), as libpq
// and pgx take them (https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING).
// The checks here catch what a typo makes of one before the daemon tries
// to connect; the driver checks the rest when it does. Messages never
// quote the string or a part of it: it may hold a password.

// sslModes are the values of sslmode that libpq and pgx accept.
var sslModes = []string{"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}

// checkDSN returns what is wrong with the connection string dsn, as the
// end of a sentence about it, or "" when nothing seems to be.
func checkDSN(dsn string) string {
	var params map[string]string
	switch {
	case strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://"):
		u, err := url.Parse(dsn)
		if err != nil {
			return `does not parse as a URL (postgres://user:password@host:5432/database?sslmode=…): percent-encode characters such as @ : / ? # % in the user name and password`
		}
		for _, host := range strings.Split(u.Host, ",") {
			if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.HasSuffix(host, "]") {
				if problem := checkPort(host[i+1:]); problem != "" {
					return problem
				}
			}
		}
		params = map[string]string{}
		for k, v := range u.Query() {
			params[k] = v[len(v)-1]
		}
	case strings.Contains(dsn, "="):
		var problem string
		if params, problem = keyValues(dsn); problem != "" {
			return problem
		}
		if port, ok := params["port"]; ok {
			if problem := checkPort(port); problem != "" {
				return problem
			}
		}
	default:
		return `must be a postgres:// URL (postgres://user:password@host:5432/database?sslmode=verify-full) or key=value pairs (host=… dbname=… sslmode=…)`
	}
	if mode, ok := params["sslmode"]; ok && !slices.Contains(sslModes, mode) {
		return "has an sslmode that is not one of " + strings.Join(sslModes, ", ")
	}
	return ""
}

// checkPort checks a port of a connection string.
func checkPort(port string) string {
	if port == "" {
		return ""
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "has a port that is not a number from 1 to 65535"
	}
	return ""
}

// keyValues reads the key=value pairs of a connection string: values are
// plain words, or quoted with ' (backslash escapes a quote or a
// backslash).
func keyValues(s string) (map[string]string, string) {
	params := map[string]string{}
	for i := 0; ; {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i == len(s) {
			return params, ""
		}
		eq := strings.IndexByte(s[i:], '=')
		if eq < 0 {
			return nil, `has a word that is not a key=value pair`
		}
		key := strings.TrimSpace(s[i : i+eq])
		if key == "" || strings.ContainsAny(key, " '") {
			return nil, `has a word that is not a key=value pair`
		}
		i += eq + 1
		for i < len(s) && s[i] == ' ' {
			i++
		}
		var v strings.Builder
		if i < len(s) && s[i] == '\'' {
			i++
			closed := false
			for i < len(s) {
				c := s[i]
				if c == '\\' && i+1 < len(s) {
					v.WriteByte(s[i+1])
					i += 2
					continue
				}
				i++
				if c == '\'' {
					closed = true
					break
				}
				v.WriteByte(c)
			}
			if !closed {
				return nil, `has a quoted value without its closing quote`
			}
		} else {
			for i < len(s) && s[i] != ' ' {
				v.WriteByte(s[i])
				i++
			}
		}
		params[key] = v.String()
	}
}

// dsnHasPassword reports whether the connection string dsn, which
// checkDSN accepted, holds a password.
func dsnHasPassword(dsn string) bool {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return false
		}
		if _, ok := u.User.Password(); ok {
			return true
		}
		return u.Query().Get("password") != ""
	}
	params, _ := keyValues(dsn)
	return params["password"] != ""
}
