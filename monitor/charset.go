package monitor

import (
	"bytes"
	"encoding/binary"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
)

// gofeed already decodes an XML document whose prolog declares a legacy
// encoding (its XML decoder's CharsetReader is golang.org/x/net/html/charset).
// What it cannot do, and toUTF8 does before it parses, is:
//
//   - read UTF-16 and UTF-32 documents (byte order mark);
//   - read a body that is not valid UTF-8 and declares no encoding, or
//     declares UTF-8 wrongly: encoding/xml stops at the first invalid byte,
//     which would kill the feed;
//   - use the charset of the HTTP Content-Type when the prolog names none
//     (RFC 7303, section 3.2);
//   - survive a prolog naming an unknown encoding, or a legacy encoding over
//     a body that is in fact UTF-8 (common after a CMS migration);
//   - skip characters XML 1.0 forbids (C0 controls), which encoding/xml
//     rejects even in non-strict mode.
//
// So every body becomes UTF-8 here, and an XML prolog that names another
// encoding is rewritten to say UTF-8 so that it is not decoded twice.

// toUTF8 returns body as valid UTF-8 that gofeed can parse. contentType is
// the HTTP Content-Type ("" when unknown), lang the feed's configured
// language (a hint for a body in an undeclared legacy code page).
func toUTF8(body []byte, contentType, lang string) []byte {
	if enc, n := bomEncoding(body); enc != nil {
		if out, err := enc.NewDecoder().Bytes(body[n:]); err == nil {
			return cleanXML(setPrologUTF8(out))
		}
	} else if n > 0 {
		body = body[n:] // a UTF-8 byte order mark
	}

	if isJSON(body) {
		// JSON is UTF-8 (RFC 8259, section 8.1). A valid body is not
		// copied: it may be as long as the body cap.
		if utf8.Valid(body) {
			return body
		}
		return bytes.ToValidUTF8(body, []byte("\uFFFD"))
	}

	if utf8.Valid(body) {
		// A legacy code page almost never yields valid UTF-8 by accident
		// once it has bytes over 0x7F, so a valid body is UTF-8 whatever its
		// prolog says.
		return cleanXML(setPrologUTF8(body))
	}

	// Not UTF-8: the prolog's encoding, else the HTTP charset (the document
	// knows its own bytes better than a server's default), else a guess.
	for _, label := range []string{prologEncoding(body), httpCharset(contentType)} {
		if enc := legacyEncoding(label); enc != nil {
			if out, err := enc.NewDecoder().Bytes(body); err == nil {
				return cleanXML(setPrologUTF8(out))
			}
		}
	}
	if mostlyInvalidUTF8(body) {
		if out, err := fallbackEncoding(lang).NewDecoder().Bytes(body); err == nil {
			return cleanXML(setPrologUTF8(out))
		}
	}
	// UTF-8 with a few stray bytes: keep the text, mark the damage.
	return cleanXML(setPrologUTF8(bytes.ToValidUTF8(body, []byte("\uFFFD"))))
}

// bomEncoding returns the encoding a byte order mark announces and the mark's
// length. A UTF-8 mark returns a nil encoding and length 3.
func bomEncoding(b []byte) (encoding.Encoding, int) {
	switch {
	case bytes.HasPrefix(b, []byte{0x00, 0x00, 0xFE, 0xFF}):
		return utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM), 4
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE, 0x00, 0x00}):
		return utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM), 4
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), 2
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), 2
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return nil, 3
	}
	return nil, 0
}

// isJSON reports whether the document starts like a JSON object.
func isJSON(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n")
	return len(b) > 0 && b[0] == '{'
}

// prologRE finds the encoding pseudo-attribute of an XML declaration at the
// start of a document (XML 1.0, section 4.3.3). Submatch 1 or 2 is the name.
var prologRE = regexp.MustCompile(`^\s*<\?xml\s[^>]*?\bencoding\s*=\s*(?:"([^"]*)"|'([^']*)')`)

// prologEncoding returns the encoding the XML declaration names, or "".
func prologEncoding(b []byte) string {
	m := prologRE.FindSubmatch(b[:min(len(b), 512)])
	if m == nil {
		return ""
	}
	return strings.TrimSpace(string(m[1]) + string(m[2]))
}

// setPrologUTF8 makes an XML declaration that names an encoding name UTF-8.
func setPrologUTF8(b []byte) []byte {
	loc := prologRE.FindSubmatchIndex(b[:min(len(b), 512)])
	if loc == nil {
		return b
	}
	start, end := loc[2], loc[3]
	if start < 0 {
		start, end = loc[4], loc[5]
	}
	if strings.EqualFold(string(b[start:end]), "utf-8") {
		return b
	}
	out := make([]byte, 0, len(b))
	out = append(out, b[:start]...)
	out = append(out, "UTF-8"...)
	return append(out, b[end:]...)
}

// httpCharset returns the charset parameter of a Content-Type, or "".
func httpCharset(contentType string) string {
	if contentType == "" {
		return ""
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return params["charset"]
}

// legacyEncoding returns the encoding a label names (WHATWG Encoding
// Standard labels), or nil for an unknown label and for UTF-8, which the
// body has just failed to be.
func legacyEncoding(label string) encoding.Encoding {
	if label == "" {
		return nil
	}
	enc, name := charset.Lookup(label)
	if enc == nil || name == "utf-8" || name == "replacement" {
		return nil
	}
	return enc
}

// mostlyInvalidUTF8 reports whether invalid sequences outnumber multi-byte
// UTF-8 characters: the mark of a legacy single-byte code page rather than
// of UTF-8 with a few stray bytes.
func mostlyInvalidUTF8(b []byte) bool {
	var valid, invalid int
	for len(b) > 0 {
		if b[0] < utf8.RuneSelf {
			b = b[1:]
			continue
		}
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 {
			invalid++
		} else {
			valid++
		}
		b = b[n:]
	}
	return invalid > valid
}

// legacyByLang is the legacy Windows (or national) code page most used for a
// language's web pages before UTF-8.
var legacyByLang = map[string]string{
	"ar": "windows-1256", "fa": "windows-1256", "ur": "windows-1256",
	"he": "windows-1255", "iw": "windows-1255", "yi": "windows-1255",
	"ru": "windows-1251", "uk": "windows-1251", "bg": "windows-1251",
	"be": "windows-1251", "sr": "windows-1251", "mk": "windows-1251",
	"el": "windows-1253", "tr": "windows-1254", "az": "windows-1254",
	"pl": "windows-1250", "cs": "windows-1250", "sk": "windows-1250",
	"hu": "windows-1250", "sl": "windows-1250", "hr": "windows-1250", "ro": "windows-1250",
	"lt": "windows-1257", "lv": "windows-1257", "et": "windows-1257",
	"vi": "windows-1258", "th": "windows-874",
	"ja": "shift_jis", "zh": "gb18030", "ko": "euc-kr",
}

// fallbackEncoding guesses the code page of an undeclared legacy body from the
// feed's language; windows-1252 (the web's default, a superset of
// ISO-8859-1) otherwise.
func fallbackEncoding(lang string) encoding.Encoding {
	primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(lang)), "-")
	if enc := legacyEncoding(legacyByLang[primary]); enc != nil {
		return enc
	}
	enc, _ := charset.Lookup("windows-1252")
	return enc
}

// cleanXML drops the characters XML 1.0 does not allow (section 2.2):
// C0 controls other than tab, newline and carriage return, and U+FFFE and
// U+FFFF. The input is valid UTF-8.
func cleanXML(b []byte) []byte {
	if !hasForbiddenXMLChar(b) {
		return b
	}
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if allowedXMLRune(r) {
			out = append(out, b[:n]...)
		}
		b = b[n:]
	}
	return out
}

// hasForbiddenXMLChar reports whether valid UTF-8 b holds a character
// cleanXML drops. It runs over every changed document: it looks at eight
// bytes at a time for a byte below 0x20 or an 0xEF (the first byte of
// U+FFFE and U+FFFF), and at the bytes one by one only in the words that
// have one, such as those holding a line break.
func hasForbiddenXMLChar(b []byte) bool {
	const ones = 0x0101010101010101
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		// Some byte is below 0x20, or some byte of x^0xEF… is zero (Bit
		// Twiddling Hacks, "Determine if a word has a byte less than n").
		below := (x - 0x20*ones) &^ x & (0x80 * ones)
		ef := x ^ (0xEF * ones)
		isEF := (ef - ones) &^ ef & (0x80 * ones)
		if (below|isEF) != 0 && forbiddenXMLCharIn(b, i, i+8) {
			return true
		}
	}
	return forbiddenXMLCharIn(b, i, len(b))
}

// forbiddenXMLCharIn reports whether a character cleanXML drops starts in
// b[from:to].
func forbiddenXMLCharIn(b []byte, from, to int) bool {
	for i := from; i < to; i++ {
		switch c := b[i]; {
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r':
			return true
		case c == 0xEF && i+2 < len(b) && b[i+1] == 0xBF && (b[i+2] == 0xBE || b[i+2] == 0xBF):
			return true
		}
	}
	return false
}

func allowedXMLRune(r rune) bool {
	if r < 0x20 {
		return r == '\t' || r == '\n' || r == '\r'
	}
	return r != 0xFFFE && r != 0xFFFF
}

// htmlToUTF8 returns an HTML page as valid UTF-8, the way toUTF8 reads
// feeds: a byte order mark first; a body that is valid UTF-8 is UTF-8
// whatever it declares; otherwise the page's own <meta> charset, else the
// HTTP charset, else, for a body mostly invalid as UTF-8, the legacy code
// page of lang (windows-1256 for Arabic, windows-1255 for Hebrew, …), else
// UTF-8 with its stray bytes replaced.
func htmlToUTF8(body []byte, contentType, lang string) []byte {
	if enc, n := bomEncoding(body); enc != nil {
		if out, err := enc.NewDecoder().Bytes(body[n:]); err == nil {
			return out
		}
	} else if n > 0 {
		body = body[n:]
	}
	if utf8.Valid(body) {
		return body
	}
	for _, label := range []string{metaCharset(body), httpCharset(contentType)} {
		if enc := legacyEncoding(label); enc != nil {
			if out, err := enc.NewDecoder().Bytes(body); err == nil {
				return out
			}
		}
	}
	if mostlyInvalidUTF8(body) {
		if out, err := fallbackEncoding(lang).NewDecoder().Bytes(body); err == nil {
			return out
		}
	}
	return bytes.ToValidUTF8(body, []byte("\uFFFD"))
}

// metaRE finds the charset an HTML page declares in its first 1024 bytes
// (the prescan of the HTML standard, section 13.2.3.2): <meta charset=…> or
// <meta http-equiv="Content-Type" content="…; charset=…">.
var metaRE = regexp.MustCompile(`(?i)<meta\s[^>]*?charset\s*=\s*["']?\s*([a-z0-9_:.\-]+)`)

// metaCharset returns the charset label a page's <meta> declares, or "".
func metaCharset(b []byte) string {
	m := metaRE.FindSubmatch(b[:min(len(b), 1024)])
	if m == nil {
		return ""
	}
	return string(m[1])
}
