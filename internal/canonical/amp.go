package canonical

import "strings"

// foldPath drops the trailing slashes of a path and folds the AMP variant
// of an article's path onto the article's: a trailing "/amp" segment
// ("/news/123/amp/") and a leading one ("/amp/news/123"). The root path is
// "/". Trailing slashes go because publishers serve an article with and
// without one (and the AMP form of "/story/" is "/story/amp/").
func foldPath(path string) string {
	for {
		path = strings.TrimRight(path, "/")
		switch {
		case strings.HasSuffix(path, "/amp"):
			path = strings.TrimSuffix(path, "/amp")
		case strings.HasPrefix(path, "/amp/"):
			path = strings.TrimPrefix(path, "/amp")
		default:
			if path == "" {
				return "/"
			}
			return path
		}
	}
}

// isAMPSwitch reports whether a query parameter (escapes normalised) asks
// for the AMP variant of an article: outputType=amp, or amp with an empty,
// "1" or "true" value.
func isAMPSwitch(key, value string) bool {
	return strings.EqualFold(key, "outputType") && strings.EqualFold(value, "amp") ||
		strings.EqualFold(key, "amp") && (value == "" || value == "1" || strings.EqualFold(value, "true"))
}
