package console

import "html/template"

// funcs are the templates' helpers.
var funcs = template.FuncMap{}
