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

// dropAMPParams removes the AMP switches from a canonical query: the
// parameters outputType=amp and amp with an empty, "1" or "true" value.
func dropAMPParams(query string) string {
	if query == "" {
		return ""
	}
	parts := strings.Split(query, "&")
	kept := parts[:0]
	for _, p := range parts {
		key, value, _ := strings.Cut(p, "=")
		switch {
		case strings.EqualFold(key, "outputType") && strings.EqualFold(value, "amp"):
		case strings.EqualFold(key, "amp") && (value == "" || value == "1" || strings.EqualFold(value, "true")):
		default:
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, "&")
}
