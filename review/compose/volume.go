package compose

import (
	"fmt"
	"path"

	"github.com/compose-spec/compose-go/v2/format"
	"github.com/compose-spec/compose-go/v2/types"
)

// ParseShortVolume parses the short volume syntax ("src:dst:mode", after
// interpolation) with compose-go's own parser, so that mountguard reads an
// entry exactly as docker compose does, and cleans the target as compose-go
// does when it merges entries. It never panics.
func ParseShortVolume(spec string) (v types.ServiceVolumeConfig, err error) {
	defer func() {
		if r := recover(); r != nil {
			v, err = types.ServiceVolumeConfig{}, fmt.Errorf("invalid volume spec %q", spec)
		}
	}()
	v, err = format.ParseVolume(spec)
	if err != nil {
		return v, err
	}
	if v.Target != "" {
		v.Target = path.Clean(v.Target)
	}
	return v, nil
}
