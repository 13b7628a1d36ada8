package practice

//go:generate go run ./internal/zonegen

// The IANA database itself (time/tzdata, ~450 KB: Lambda's provided.al2023 runtime does not promise
// /usr/share/zoneinfo) is imported by each function that shows local times (functions/*/main.go);
// the auth and practice functions only check and name zones, with zoneNames, and go without it.

import (
	"sort"
	"sync"
	"time"

	"github.com/referloop/referloop/pkg/phone"
	"github.com/referloop/referloop/pkg/valid"
)

// DefaultTimeZone is a practice's time zone when it set none.
const DefaultTimeZone = "UTC"

// validateLocal checks the country and time zone, and reads the intake contact's phone in the
// country, keeping it in E.164 (a Profile that passed Validate holds its phone so).
func validateLocal(f *valid.Fields, p *Profile) {
	if p.Country != "" {
		if c := phone.Country(p.Country); c == "" {
			f.Add("country", "must be a two-letter country code, like US")
		} else {
			p.Country = c
		}
	}
	if p.TimeZone != "" {
		if err := ValidateTimeZone(p.TimeZone); err != nil {
			f.Add("timeZone", err.Error())
		}
	}
	if p.IntakeContact.Phone != "" {
		n, err := phone.Parse(p.IntakeContact.Phone, p.Country)
		if err != nil {
			f.Add("intakeContact.phone", err.Error())
		} else {
			p.IntakeContact.Phone = n.E164
		}
	}
}

// ValidateTimeZone checks an IANA time zone name, like America/New_York.
func ValidateTimeZone(name string) error {
	if name == "" || len(name) > 64 {
		return errTimeZone
	}
	if i := sort.SearchStrings(zoneNames[:], name); i == len(zoneNames) || zoneNames[i] != name {
		return errTimeZone
	}
	return nil
}

// TimeZoneName is the practice's time zone's name ("UTC" when it has none or an unknown one),
// without loading the zone.
func (p Profile) TimeZoneName() string {
	if ValidateTimeZone(p.TimeZone) != nil {
		return DefaultTimeZone
	}
	return p.TimeZone
}

var errTimeZone = timeZoneError("must be a time zone like America/New_York")

type timeZoneError string

func (e timeZoneError) Error() string { return string(e) }

// CountryOrDefault is the country phone numbers are read in.
func (p Profile) CountryOrDefault() string {
	if c := phone.Country(p.Country); c != "" {
		return c
	}
	return phone.DefaultCountry
}

// Location is the practice's time zone (UTC when it has none or an unknown one).
func (p Profile) Location() *time.Location {
	if p.TimeZone == "" {
		return time.UTC
	}
	loc, err := loadLocation(p.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// PhoneDisplay is the intake contact's phone as people of the practice's country write it.
func (p Profile) PhoneDisplay() string {
	return phone.Display(p.IntakeContact.Phone, p.CountryOrDefault())
}

// locations caches loaded zones: time.LoadLocation reads and parses the database each call.
var locations sync.Map // name → *time.Location

func loadLocation(name string) (*time.Location, error) {
	if l, ok := locations.Load(name); ok {
		return l.(*time.Location), nil
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	locations.Store(name, l)
	return l, nil
}

// LocalTime formats t in loc with the zone's abbreviation, the one way times read to people:
// "Tue Dec 1, 11:09 AM EST".
func LocalTime(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("Mon Jan 2, 3:04 PM MST")
}

// LocalDay is the calendar day (YYYY-MM-DD) t falls on in loc: days end at the practice's midnight.
func LocalDay(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format(time.DateOnly)
}
