package phone

// The parts of libphonenumber (as github.com/nyaruka/phonenumbers v1.8.1 implements them) that
// Parse uses, on metadata.json.gz, for numbers written with ASCII digits, '+', and the
// punctuation " -()./" (Parse refuses anything else before it gets here: no letters, no
// extensions, no RFC 3966 URIs). Each function names the library's function it mirrors;
// equivalence_test.go holds them to the library's answers.

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

//go:embed metadata.json.gz
var metadataGz []byte

const (
	nonGeoRegion  = "001" // libphonenumber's region for a non-geographic entity (+800, +882, ...)
	unknownRegion = "ZZ"
	minNSN        = 2  // MIN_LENGTH_FOR_NSN
	maxNSN        = 17 // MAX_LENGTH_FOR_NSN
	maxCC         = 3  // MAX_LENGTH_COUNTRY_CODE
)

// The metadata file's shapes (internal/phonegen writes them). A territory stays JSON until a
// number needs it: the first Parse decodes the country codes and one or two territories, not
// all 254.
type metadataFile struct {
	CountryCodes map[string][]string        `json:"cc"`
	Regions      map[string]json.RawMessage `json:"r"`
	NonGeo       map[string]json.RawMessage `json:"ng"`
}

type territory struct {
	CountryCode         int       `json:"c"`
	Main                bool      `json:"m"`
	LeadingDigits       string    `json:"ld"`
	IntlPrefix          string    `json:"ip"`
	NationalPrefix      string    `json:"np"`
	NationalPrefixParse string    `json:"npp"`
	NationalPrefixRule  string    `json:"npt"`
	SameMobileFixed     bool      `json:"smf"`
	General             desc      `json:"g"`
	Types               []desc    `json:"t"` // fixedLine, mobile, tollFree, premiumRate, ... (the constants below)
	Formats             []nformat `json:"f"`
	IntlFormats         []nformat `json:"if"`
}

// The order of territory.Types.
const (
	fixedLine = iota
	mobile
	tollFree
	premiumRate
	sharedCost
	voip
	personalNumber
	pager
	uan
	voicemail
	numTypes
)

type desc struct {
	Pattern   string  `json:"p"`
	Lengths   []int32 `json:"l"`
	LocalOnly []int32 `json:"lo"`
}

type nformat struct {
	Pattern           string   `json:"p"`
	Format            string   `json:"f"`
	LeadingDigits     []string `json:"ld"`
	NPRule            string   `json:"npr"`
	NPOptionalWhenFmt bool     `json:"npo"`
}

// metadata is the file, read once, on first use; each territory decoded when first needed.
type metadata struct {
	ccRegions map[int][]string
	regions   map[string]json.RawMessage
	nonGeo    map[string]json.RawMessage
	decoded   sync.Map // "US" or "+800" → *territory
}

var (
	loadOnce sync.Once
	loaded   *metadata
)

func md() *metadata {
	loadOnce.Do(func() {
		zr, err := gzip.NewReader(bytes.NewReader(metadataGz))
		if err != nil {
			panic("phone: metadata.json.gz: " + err.Error())
		}
		raw, err := io.ReadAll(zr)
		if err != nil {
			panic("phone: metadata.json.gz: " + err.Error())
		}
		var f metadataFile
		if err := json.Unmarshal(raw, &f); err != nil {
			panic("phone: metadata.json.gz: " + err.Error())
		}
		m := &metadata{ccRegions: make(map[int][]string, len(f.CountryCodes)), regions: f.Regions, nonGeo: f.NonGeo}
		for k, v := range f.CountryCodes {
			cc, _ := strconv.Atoi(k)
			m.ccRegions[cc] = v
		}
		loaded = m
	})
	return loaded
}

// territory decodes (once) the territory stored as raw under key in the cache.
func (m *metadata) territory(key string, raw json.RawMessage, ok bool) *territory {
	if t, done := m.decoded.Load(key); done {
		return t.(*territory)
	}
	if !ok {
		return nil
	}
	t := new(territory)
	if err := json.Unmarshal(raw, t); err != nil {
		panic("phone: metadata.json.gz: " + key + ": " + err.Error())
	}
	for len(t.Types) < numTypes {
		t.Types = append(t.Types, desc{})
	}
	v, _ := m.decoded.LoadOrStore(key, t)
	return v.(*territory)
}

// regexps caches each pattern compiled (the library's regexFor): a pattern is compiled when a
// number first needs it.
var regexps sync.Map // string → *regexp.Regexp

func regexFor(pattern string) *regexp.Regexp {
	if re, ok := regexps.Load(pattern); ok {
		return re.(*regexp.Regexp)
	}
	re := regexp.MustCompile(pattern)
	regexps.Store(pattern, re)
	return re
}

// fullMatch: the library's "^(?:p)$" (a national number pattern matches the whole number).
func fullMatch(pattern, s string) bool { return regexFor("^(?:" + pattern + ")$").MatchString(s) }

// prefixMatch: the library's "^(?:p)" (leading digits match the start of the number).
func prefixMatch(pattern, s string) bool { return regexFor("^(?:" + pattern + ")").MatchString(s) }

// number is a parsed number: its country calling code and national significant number.
type number struct {
	cc  int
	nsn string
}

type validation int

// The library's ValidationResult.
const (
	isPossible validation = iota
	invalidCountryCode
	tooShort
	tooLong
	isPossibleLocalOnly
	invalidLength
)

type numberFormat int

// The library's PhoneNumberFormat (the ones used).
const (
	e164 numberFormat = iota
	international
	national
)

var (
	errNotANumber         = errors.New("not a number")
	errInvalidCountryCode = errors.New("invalid country code")
	errTooShortAfterIDD   = errors.New("too short after IDD")
	errTooShortNSN        = errors.New("too short")
	errTooLong            = errors.New("too long")
)

// metadataForRegion: getMetadataForRegion (nil for a region it does not support).
func metadataForRegion(region string) *territory {
	m := md()
	raw, ok := m.regions[region]
	return m.territory(region, raw, ok)
}

// metadataForRegionOrCallingCode: getMetadataForRegionOrCallingCode.
func metadataForRegionOrCallingCode(cc int, region string) *territory {
	if region == nonGeoRegion {
		m, key := md(), strconv.Itoa(cc)
		raw, ok := m.nonGeo[key]
		return m.territory("+"+key, raw, ok)
	}
	return metadataForRegion(region)
}

// countryCodeForRegion: GetCountryCodeForRegion (0 for a region it does not support).
func countryCodeForRegion(region string) int {
	if t := metadataForRegion(region); t != nil {
		return t.CountryCode
	}
	return 0
}

// regionForCountryCode: GetRegionCodeForCountryCode.
func regionForCountryCode(cc int) string {
	if rs := md().ccRegions[cc]; len(rs) > 0 {
		return rs[0]
	}
	return unknownRegion
}

func digitsOnly(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// extractPossibleNumber: from the first '+' or digit on.
func extractPossibleNumber(s string) string {
	if i := strings.IndexAny(s, "+0123456789"); i >= 0 {
		return s[i:]
	}
	return ""
}

// isViable: isViablePhoneNumber (VALID_PHONE_NUMBER_PATTERN) on the characters Parse lets in:
// two digits alone, or '+'s then punctuation and digits with at least three digits.
func isViable(s string) bool {
	if len(s) < minNSN {
		return false
	}
	if len(s) == 2 && s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' {
		return true
	}
	rest := strings.TrimLeft(s, "+")
	digits := 0
	for i := 0; i < len(rest); i++ {
		switch c := rest[i]; {
		case c >= '0' && c <= '9':
			digits++
		case strings.IndexByte(" -()./", c) >= 0:
		default:
			return false
		}
	}
	return digits >= 3
}

// parse: parseHelper, for a region the library supports.
func parse(typed, region string) (number, error) {
	if typed == "" {
		return number{}, errNotANumber
	}
	if len(typed) > 250 {
		return number{}, errTooLong
	}
	s := extractPossibleNumber(typed)
	if !isViable(s) {
		return number{}, errNotANumber
	}
	meta := metadataForRegion(region)
	cc, nsn, err := maybeExtractCountryCode(s, meta)
	if err != nil {
		if err != errInvalidCountryCode || !strings.HasPrefix(s, "+") {
			return number{}, err
		}
		if cc, nsn, err = maybeExtractCountryCode(strings.TrimLeft(s, "+"), meta); err != nil {
			return number{}, err
		} else if cc == 0 {
			return number{}, errInvalidCountryCode
		}
	}
	if cc != 0 {
		if r := regionForCountryCode(cc); r != region {
			meta = metadataForRegionOrCallingCode(cc, r)
		}
	} else {
		nsn = digitsOnly(s)
		cc = meta.CountryCode
	}
	if len(nsn) < minNSN {
		return number{}, errTooShortNSN
	}
	if meta != nil {
		stripped := maybeStripNationalPrefix(nsn, meta)
		switch testNumberLength(stripped, meta) {
		case tooShort, isPossibleLocalOnly, invalidLength:
		default:
			nsn = stripped
		}
	}
	if len(nsn) < minNSN {
		return number{}, errTooShortNSN
	}
	if len(nsn) > maxNSN {
		return number{}, errTooLong
	}
	return number{cc: cc, nsn: nsn}, nil
}

// maybeExtractCountryCode: the country calling code after '+' or the region's international
// prefix, or the region's own at the start of a number too long or invalid without it; 0 when
// the number has none.
func maybeExtractCountryCode(s string, meta *territory) (cc int, nsn string, err error) {
	if s == "" {
		return 0, "", nil
	}
	var full string
	fromDefault := false
	if s[0] == '+' {
		full = digitsOnly(strings.TrimLeft(s, "+"))
	} else {
		full = digitsOnly(s)
		idd := "NonMatch"
		if meta != nil {
			idd = meta.IntlPrefix
		}
		// parsePrefixAsIdd: the prefix at the start, not followed by a 0 (no country code starts with 0).
		if loc := regexFor(idd).FindStringIndex(full); loc != nil && loc[0] == 0 && !strings.HasPrefix(full[loc[1]:], "0") {
			full = full[loc[1]:]
		} else {
			fromDefault = true
		}
	}
	if !fromDefault {
		if len(full) <= minNSN {
			return 0, "", errTooShortAfterIDD
		}
		if full[0] != '0' {
			for i := 1; i <= maxCC && i <= len(full); i++ {
				c, _ := strconv.Atoi(full[:i])
				if _, ok := md().ccRegions[c]; ok {
					return c, full[i:], nil
				}
			}
		}
		return 0, "", errInvalidCountryCode
	}
	if meta == nil {
		return 0, "", nil
	}
	own := strconv.Itoa(meta.CountryCode)
	if strings.HasPrefix(full, own) {
		potential := maybeStripNationalPrefix(full[len(own):], meta)
		fullValid := fullMatch(meta.General.Pattern, full)
		nationalValid := fullMatch(meta.General.Pattern, potential)
		if (!fullValid && nationalValid) || testNumberLength(full, meta) == tooLong {
			return meta.CountryCode, potential, nil
		}
	}
	return 0, "", nil
}

// maybeStripNationalPrefix: maybeStripNationalPrefixAndCarrierCode (the carrier code dropped).
func maybeStripNationalPrefix(n string, meta *territory) string {
	if n == "" || meta.NationalPrefixParse == "" {
		return n
	}
	prefix := regexFor("^(?:" + meta.NationalPrefixParse + ")")
	groups := prefix.FindStringSubmatchIndex(n)
	if groups == nil {
		return n
	}
	viableOriginal := fullMatch(meta.General.Pattern, n)
	last := len(groups)/2 - 1
	if meta.NationalPrefixRule == "" || groups[last*2] < 0 {
		if viableOriginal && !fullMatch(meta.General.Pattern, n[groups[1]:]) {
			return n
		}
		return n[groups[1]:]
	}
	transformed := prefix.ReplaceAllString(n, meta.NationalPrefixRule)
	if viableOriginal && !fullMatch(meta.General.Pattern, transformed) {
		return n
	}
	return transformed
}

// testNumberLength: testNumberLength for UNKNOWN (the general description's lengths).
func testNumberLength(n string, meta *territory) validation {
	lengths, local := meta.General.Lengths, meta.General.LocalOnly
	if len(lengths) == 0 || lengths[0] == -1 {
		return invalidLength
	}
	l := int32(len(n))
	for _, x := range local {
		if x == l {
			return isPossibleLocalOnly
		}
	}
	switch {
	case lengths[0] == l:
		return isPossible
	case lengths[0] > l:
		return tooShort
	case lengths[len(lengths)-1] < l:
		return tooLong
	}
	for _, x := range lengths[1:] {
		if x == l {
			return isPossible
		}
	}
	return invalidLength
}

// possible: IsPossibleNumberWithReason.
func possible(n number) validation {
	if _, ok := md().ccRegions[n.cc]; !ok {
		return invalidCountryCode
	}
	meta := metadataForRegionOrCallingCode(n.cc, regionForCountryCode(n.cc))
	if meta == nil || meta.General.Pattern == "" {
		switch {
		case len(n.nsn) < minNSN:
			return tooShort
		case len(n.nsn) > maxNSN:
			return tooLong
		}
		return isPossible
	}
	return testNumberLength(n.nsn, meta)
}

// matchesDesc: isNumberMatchingDesc.
func matchesDesc(nsn string, d desc) bool {
	if len(d.Lengths) > 0 {
		found := false
		for _, l := range d.Lengths {
			if int(l) == len(nsn) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	if d.Pattern == "" {
		return nsn == ""
	}
	return fullMatch(d.Pattern, nsn)
}

// hasType: getNumberTypeHelper != UNKNOWN.
func hasType(nsn string, meta *territory) bool {
	if !matchesDesc(nsn, meta.General) {
		return false
	}
	for _, t := range []int{premiumRate, tollFree, sharedCost, voip, personalNumber, pager, uan, voicemail, fixedLine} {
		if matchesDesc(nsn, meta.Types[t]) {
			return true
		}
	}
	return !meta.SameMobileFixed && matchesDesc(nsn, meta.Types[mobile])
}

// regionForNumber: GetRegionCodeForNumber ("" when no region of its country code has it).
func regionForNumber(n number) string {
	regions := md().ccRegions[n.cc]
	switch len(regions) {
	case 0:
		return ""
	case 1:
		return regions[0]
	}
	for _, r := range regions {
		meta := metadataForRegion(r)
		if meta == nil {
			continue
		}
		if meta.LeadingDigits != "" {
			if prefixMatch(meta.LeadingDigits, n.nsn) {
				return r
			}
		} else if hasType(n.nsn, meta) {
			return r
		}
	}
	return ""
}

// valid: IsValidNumber.
func valid(n number) bool {
	region := regionForNumber(n)
	meta := metadataForRegionOrCallingCode(n.cc, region)
	if meta == nil || (region != nonGeoRegion && n.cc != meta.CountryCode) {
		return false
	}
	return hasType(n.nsn, meta)
}

// format: Format, for a number without extension.
func format(n number, f numberFormat) string {
	cc := strconv.Itoa(n.cc)
	if f == e164 {
		return "+" + cc + n.nsn
	}
	if _, ok := md().ccRegions[n.cc]; !ok {
		return n.nsn
	}
	out := formatNSN(n.nsn, metadataForRegionOrCallingCode(n.cc, regionForCountryCode(n.cc)), f)
	if f == international {
		return "+" + cc + " " + out
	}
	return out
}

// formatNSN: formatNsn.
func formatNSN(nsn string, meta *territory, f numberFormat) string {
	if meta == nil {
		return nsn
	}
	available := meta.IntlFormats
	if len(available) == 0 || f == national {
		available = meta.Formats
	}
	nf := chooseFormat(available, nsn)
	if nf == nil {
		return nsn
	}
	rule := nf.Format
	if f == national && nf.NPRule != "" {
		// The first $n group of the format takes the national prefix formatting rule.
		for i := 0; i+1 < len(rule); i++ {
			if rule[i] == '$' && rule[i+1] >= '0' && rule[i+1] <= '9' {
				rule = rule[:i] + nf.NPRule + rule[i+2:]
				break
			}
		}
	}
	return regexFor(nf.Pattern).ReplaceAllString(nsn, rule)
}

// chooseFormat: chooseFormattingPatternForNumber (the last leading digits pattern at the start
// of the number, and the pattern matching all of it).
func chooseFormat(formats []nformat, nsn string) *nformat {
	for i := range formats {
		nf := &formats[i]
		if ld := len(nf.LeadingDigits); ld > 0 && !prefixMatch(nf.LeadingDigits[ld-1], nsn) {
			continue
		}
		if fullMatch(nf.Pattern, nsn) {
			return nf
		}
	}
	return nil
}
