package monitor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
)

// fetchFile reads a file:// URL under the same size cap as HTTP bodies. The
// file's size and modification time stand in for an ETag, so an unchanged
// file is reported NotModified and costs no parse; its modification time is
// also given as Last-Modified.
//
// Accepted forms are file:///abs/path, file://localhost/abs/path and
// file:rel/path (relative to the working directory).
func (f *Fetcher) fetchFile(ctx context.Context, u *url.URL, req FetchRequest) (*FetchResult, error) {
	fail := func(kind ErrorKind, err error) (*FetchResult, error) {
		return nil, &FetchError{Kind: kind, Feed: req.Feed, URL: req.URL, Err: err}
	}
	if u.Host != "" && u.Host != "localhost" {
		return fail(KindInvalidURL, fmt.Errorf("file URL names host %q; only local files can be read", u.Host))
	}
	path := u.Path
	if u.Opaque != "" {
		p, err := url.PathUnescape(u.Opaque)
		if err != nil {
			return fail(KindInvalidURL, err)
		}
		path = p
	}
	if path == "" {
		return fail(KindInvalidURL, errors.New("file URL without a path"))
	}
	if err := ctx.Err(); err != nil {
		return fail(KindCanceled, err)
	}

	// Stat before opening: opening a FIFO or a device could block or
	// never end.
	st, err := os.Stat(filepath.FromSlash(path))
	if err != nil {
		return fail(KindFile, err)
	}
	if !st.Mode().IsRegular() {
		return fail(KindFile, fmt.Errorf("%s is not a regular file", path))
	}
	res := &FetchResult{
		StatusCode:   http.StatusOK,
		ETag:         fmt.Sprintf(`"%x-%x"`, st.ModTime().UnixNano(), st.Size()),
		LastModified: st.ModTime().UTC().Format(http.TimeFormat),
		FinalURL:     req.URL,
	}
	if req.ETag == res.ETag {
		res.StatusCode = http.StatusNotModified
		res.NotModified = true
		return res, nil
	}

	fh, err := os.Open(filepath.FromSlash(path))
	if err != nil {
		return fail(KindFile, err)
	}
	defer fh.Close()
	body, err := readCapped(fh, st.Size(), 0, f.opts.MaxBodyBytes)
	if err != nil {
		var tooLarge *tooLargeError
		if errors.As(err, &tooLarge) {
			return fail(KindTooLarge, err)
		}
		return fail(KindFile, err)
	}
	res.Body = body
	return res, nil
}
