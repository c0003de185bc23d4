package console

import (
	"html/template"
	"net/url"
)

// funcs are the templates' helpers. unitpath is a unit's code as one
// segment of an address, for the links and forms of /console/units/{code}.
// Codes are whatever the units file says: one with "/", "?" or "#" must
// still lead to its unit.
var funcs = template.FuncMap{"unitpath": url.PathEscape}
