package chat

import (
	"strconv"
)

// StartButton is the button under a notification that starts the round's
// quiz, the same as the one /thi shows.
func StartButton(roundID int64) Button {
	return Button{Text: buttonStart, Data: startData(roundID)}
}

// ExcuseButton is the button under a head's summary card that opens /lydo
// for the round.
func ExcuseButton(roundID int64) Button {
	return Button{Text: buttonExcuses, Data: "xl:" + strconv.FormatInt(roundID, 10)}
}

const buttonExcuses = "📝 Ghi nhận lý do vắng"
