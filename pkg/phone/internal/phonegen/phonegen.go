// Package phonegen writes pkg/phone's metadata file from libphonenumber's metadata as
// github.com/nyaruka/phonenumbers carries it. Only the generator (pkg/phone/internal/gen) and
// pkg/phone's tests import it, so no Lambda bootstrap links nyaruka/phonenumbers or protobuf.
package phonegen

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"github.com/nyaruka/phonenumbers"
)

// Metadata is the file's content (JSON, gzipped). pkg/phone declares the same shapes.
type Metadata struct {
	// CountryCodes: each country calling code's regions, the main country first ("001" for a
	// non-geographic entity), as phonenumbers.GetRegionCodesForCountryCode lists them.
	CountryCodes map[string][]string `json:"cc"`
	// Regions: each supported region's metadata.
	Regions map[string]*Territory `json:"r"`
	// NonGeo: the non-geographic entities' metadata (region "001"), by country calling code.
	NonGeo map[string]*Territory `json:"ng"`
}

// Territory is one region's (or non-geographic entity's) metadata.
type Territory struct {
	CountryCode         int    `json:"c"`
	Main                bool   `json:"m,omitempty"`
	LeadingDigits       string `json:"ld,omitempty"`
	IntlPrefix          string `json:"ip,omitempty"`
	NationalPrefix      string `json:"np,omitempty"`
	NationalPrefixParse string `json:"npp,omitempty"`
	NationalPrefixRule  string `json:"npt,omitempty"`
	SameMobileFixed     bool   `json:"smf,omitempty"`
	// General then, in this order: fixed line, mobile, toll free, premium rate, shared cost,
	// VoIP, personal number, pager, UAN, voicemail.
	General     Desc     `json:"g"`
	Types       []Desc   `json:"t"`
	Formats     []Format `json:"f,omitempty"`
	IntlFormats []Format `json:"if,omitempty"`
}

// Desc is a number description: its national number pattern and possible lengths.
type Desc struct {
	Pattern   string  `json:"p,omitempty"`
	Lengths   []int32 `json:"l,omitempty"`
	LocalOnly []int32 `json:"lo,omitempty"`
}

// Format is a number format.
type Format struct {
	Pattern           string   `json:"p"`
	Format            string   `json:"f"`
	LeadingDigits     []string `json:"ld,omitempty"`
	NPRule            string   `json:"npr,omitempty"`
	NPOptionalWhenFmt bool     `json:"npo,omitempty"`
}

func desc(d *phonenumbers.PhoneNumberDesc) Desc {
	if d == nil {
		return Desc{}
	}
	return Desc{Pattern: d.GetNationalNumberPattern(), Lengths: d.GetPossibleLength(), LocalOnly: d.GetPossibleLengthLocalOnly()}
}

func formats(fs []*phonenumbers.NumberFormat) []Format {
	var out []Format
	for _, f := range fs {
		out = append(out, Format{Pattern: f.GetPattern(), Format: f.GetFormat(), LeadingDigits: f.GetLeadingDigitsPattern(),
			NPRule: f.GetNationalPrefixFormattingRule(), NPOptionalWhenFmt: f.GetNationalPrefixOptionalWhenFormatting()})
	}
	return out
}

func territory(m *phonenumbers.PhoneMetadata) *Territory {
	t := &Territory{
		CountryCode: int(m.GetCountryCode()), Main: m.GetMainCountryForCode(), LeadingDigits: m.GetLeadingDigits(),
		IntlPrefix: m.GetInternationalPrefix(), NationalPrefix: m.GetNationalPrefix(),
		NationalPrefixParse: m.GetNationalPrefixForParsing(), NationalPrefixRule: m.GetNationalPrefixTransformRule(),
		SameMobileFixed: m.GetSameMobileAndFixedLinePattern(), General: desc(m.GetGeneralDesc()),
		Formats: formats(m.GetNumberFormat()), IntlFormats: formats(m.GetIntlNumberFormat()),
	}
	for _, d := range []*phonenumbers.PhoneNumberDesc{m.GetFixedLine(), m.GetMobile(), m.GetTollFree(), m.GetPremiumRate(),
		m.GetSharedCost(), m.GetVoip(), m.GetPersonalNumber(), m.GetPager(), m.GetUan(), m.GetVoicemail()} {
		t.Types = append(t.Types, desc(d))
	}
	return t
}

// JSON returns the metadata as JSON (deterministic: encoding/json sorts map keys).
func JSON() ([]byte, error) {
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		return nil, err
	}
	md := Metadata{CountryCodes: map[string][]string{}, Regions: map[string]*Territory{}, NonGeo: map[string]*Territory{}}
	codes := phonenumbers.GetSupportedCallingCodes()
	for cc := range codes {
		md.CountryCodes[strconv.Itoa(cc)] = phonenumbers.GetRegionCodesForCountryCode(cc)
	}
	supported := phonenumbers.GetSupportedRegions()
	for _, m := range coll.GetMetadata() {
		id := m.GetId()
		switch {
		case id == "001":
			md.NonGeo[strconv.Itoa(int(m.GetCountryCode()))] = territory(m)
		case supported[id]:
			if md.Regions[id] != nil {
				return nil, fmt.Errorf("region %s twice", id)
			}
			md.Regions[id] = territory(m)
		}
	}
	var regions []string
	for r := range supported {
		if md.Regions[r] == nil {
			regions = append(regions, r)
		}
	}
	if len(regions) > 0 {
		sort.Strings(regions)
		return nil, fmt.Errorf("no metadata for %v", regions)
	}
	return json.Marshal(md)
}

// Gzip returns the file: JSON() gzipped, with no name or time in the header.
func Gzip() ([]byte, error) {
	j, err := JSON()
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if _, err := w.Write(j); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
