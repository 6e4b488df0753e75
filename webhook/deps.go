//go:build pin

// The GitHub App (mountguard serve) is built on these two libraries; this
// file, excluded from every build, keeps their versions pinned in go.mod
// until the App's code imports them.
package webhook

import (
	_ "github.com/bradleyfalzon/ghinstallation/v2"
	_ "github.com/google/go-github/v60/github"
)
