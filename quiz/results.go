package quiz

// Standing of a member in a closed round, and a unit's live figures, as
// the chat shows them (/ketqua, /donvi); storage computes both in SQL.

// RoundPlace is a member's place in a round's ranking.
type RoundPlace struct {
	Rank  int64  // in the whole ranking; equal members share it
	Prize string // nhat|nhi|ba|khuyen_khich, or "" for none
	// Actual is the prediction's figure the ranking measured against.
	Actual int64
}

// UnitFigures is a unit's own staff (no roll-up) in an open round, so far.
type UnitFigures struct {
	Unit         Unit
	Staff        int64 // active members
	Verified     int64 // active members with an account linked
	Participants int64 // active members with a closed attempt
	CorrectSum   int64 // their counted attempts' correct answers
	Zero         int64 // participants whose counted attempt has none
	Absent       []Member
}
