package admin

import (
	"embed"
	"net/http"
	"path"
)

//go:embed static
var staticFiles embed.FS

// staticTypes are the content types of the files under static/.
var staticTypes = map[string]string{
	".css": "text/css; charset=utf-8",
	".svg": "image/svg+xml",
}

// serveStatic serves the stylesheet and the icon. They change only with
// the binary, so browsers may keep them for an hour.
func serveStatic(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	ctype, ok := staticTypes[path.Ext(name)]
	data, err := staticFiles.ReadFile("static/" + name)
	if !ok || err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "private, max-age=3600")
	_, _ = w.Write(data)
}
