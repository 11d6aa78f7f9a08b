package canonical

import (
	"net/url"
	"strings"
)

// trackingParams are query parameters that say how a reader reached an
// article, never which article it is. Link drops them, compared in lower
// case. To add one, add its name here (or its prefix to trackingPrefixes)
// and a case to TestLink.
var trackingParams = map[string]bool{
	// Ad and social click identifiers.
	"fbclid":    true, // Facebook
	"gclid":     true, // Google Ads
	"dclid":     true, // Google Display
	"gbraid":    true, // Google Ads (iOS)
	"wbraid":    true, // Google Ads (web to app)
	"gclsrc":    true,
	"msclkid":   true, // Microsoft Ads
	"yclid":     true, // Yandex
	"twclid":    true, // X / Twitter
	"ttclid":    true, // TikTok
	"li_fat_id": true, // LinkedIn
	"igshid":    true, // Instagram
	"srsltid":   true, // Google Merchant
	"_ga":       true, // Google Analytics cross-domain
	"_gl":       true,

	// Newsletters and marketing automation.
	"mc_cid":      true, // Mailchimp campaign
	"mc_eid":      true, // Mailchimp subscriber
	"_hsenc":      true, // HubSpot
	"_hsmi":       true,
	"mkt_tok":     true, // Marketo
	"vero_id":     true,
	"oly_anon_id": true,
	"oly_enc_id":  true,
	"rb_clickid":  true,

	// Referrer and share markers added by publishers and platforms.
	"ref":                  true,
	"ref_src":              true,
	"ref_url":              true,
	"referrer":             true,
	"cmpid":                true,
	"cmp":                  true, // The Guardian: CMP=share_btn_tw
	"ocid":                 true, // MSN
	"smid":                 true, // The New York Times share
	"smtyp":                true,
	"s_cid":                true, // Adobe
	"ito":                  true,
	"ns_source":            true, // BBC (comScore)
	"ns_mchannel":          true,
	"ns_campaign":          true,
	"ns_linkname":          true,
	"ns_fee":               true,
	"at_medium":            true, // AT Internet
	"at_campaign":          true,
	"at_custom1":           true,
	"at_custom2":           true,
	"at_custom3":           true,
	"at_custom4":           true,
	"guccounter":           true, // Yahoo consent
	"guce_referrer":        true,
	"guce_referrer_sig":    true,
	"__twitter_impression": true,
}

// trackingPrefixes are prefixes of tracking parameter names: utm_source,
// utm_medium, utm_campaign, utm_term, utm_content, utm_id and any other
// utm_ (Urchin) parameter, Piwik/Matomo's pk_ and mtm_.
var trackingPrefixes = []string{"utm_", "pk_", "mtm_"}

// isTracking reports whether a raw (escaped) parameter name is a tracking
// parameter.
func isTracking(rawKey string) bool {
	key, err := url.QueryUnescape(rawKey)
	if err != nil {
		key = rawKey
	}
	key = strings.ToLower(key)
	if trackingParams[key] {
		return true
	}
	for _, p := range trackingPrefixes {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}
