package story

import "unicode/utf8"

// script is the writing system of a term, for counting the items a term's
// rarity is measured among.
type script uint8

const (
	scriptNone   script = iota // digits: every item could have them
	scriptLatin                // Latin letters
	scriptHebrew               // Hebrew
	scriptArabic               // Arabic
	scriptOther                // any other letters
	numScripts
)

// scriptOf returns the script of a term by its first letter; a term of
// digits only is scriptNone.
func scriptOf(term string) script {
	for _, r := range term {
		switch {
		case r >= '0' && r <= '9':
			continue
		case r < utf8.RuneSelf || (r >= 0x00C0 && r <= 0x024F):
			return scriptLatin
		case r >= 0x0590 && r <= 0x05FF:
			return scriptHebrew
		case r >= 0x0600 && r <= 0x06FF, r >= 0x0750 && r <= 0x077F, r >= 0x08A0 && r <= 0x08FF,
			r >= 0xFB50 && r <= 0xFDFF, r >= 0xFE70 && r <= 0xFEFF:
			return scriptArabic
		default:
			return scriptOther
		}
	}
	return scriptNone
}
