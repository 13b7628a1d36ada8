package messages

// intakeCases are TestRender's cases of the patient intake confirmation.
func intakeCases() []struct {
	data    Data
	subject string
	text    []string
	absent  []string
} {
	return []struct {
		data    Data
		subject string
		text    []string
		absent  []string
	}{
		{IntakeConfirm{DisplayName: displayName, PracticePhone: "+1 555 0100", Link: "https://app.example/r/confirm#t=t_1.ABC", Hours: 24},
			"Please confirm your referral request",
			[]string{"asked " + displayName + " to contact a patient", "within 24 hours:\n\n    https://app.example/r/confirm#t=t_1.ABC\n",
				"ignore this email: nothing is sent without the link.", "Call us at +1 555 0100.\n\n" + displayName + "\n"}, written},
		{IntakeConfirm{DisplayName: displayName, Link: "L", Hours: 24},
			"Please confirm your referral request", []string{"    L\n"}, []string{"Questions?"}},
	}
}
