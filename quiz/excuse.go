package quiz

// ExcuseReasons are the reasons for absence a head picks with one tap, in
// the order the chat and the console offer them ("Lý do khác", typed, aside).
// The chat's buttons carry their position, 1-based.
func ExcuseReasons() []string { return []string{"Nghỉ phép", "Ốm đau", "Đi công tác"} }
